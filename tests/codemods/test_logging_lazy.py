import logging
from pathlib import Path

import pytest

from tests.codemods.helpers import load_fixed, new_findings, ruff_formatted, run_fix

RULES = {"G001", "G002", "G003", "G004"}


def test_eager_messages_become_lazy(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        import logging

        logger = logging.getLogger(__name__)


        class Job:
            def report(self, uid, action, cost, row, options):
                logger.info(f"user {uid} did {action!r}")
                logger.info(f"cost {cost:.2f} is 100% of {row['budget']}")
                logging.warning("user=%s" % uid)
                logging.warning("%s spent %d" % (uid, cost))
                logging.warning("%(name)s left" % options)
                self.logger.debug("{} then {name}".format(action, name=uid))
                log.error("user " + str(uid) + " did " + action, exc_info=True)
                logger.log(logging.INFO, f"options: {options}")
                logger.exception("{0}/{0}".format(uid))
        """,
        RULES,
    )
    assert out.after.split("\n\n\n", 1)[1] == (
        "class Job:\n"
        "    def report(self, uid, action, cost, row, options):\n"
        '        logger.info("user %s did %r", uid, action)\n'
        '        logger.info("cost %.2f is 100%% of %s", cost, row["budget"])\n'
        '        logging.warning("user=%s", uid)\n'
        '        logging.warning("%s spent %d", uid, cost)\n'
        '        logging.warning("%(name)s left", options)\n'
        '        self.logger.debug("%s then %s", action, uid)\n'
        '        log.error("user %s did %s", uid, action, exc_info=True)\n'
        '        logger.log(logging.INFO, "options: %s", options)\n'
        '        logger.exception("%s/%s", uid, uid)\n'
    )
    assert not out.rules_after() & RULES
    assert not new_findings(out)
    assert ruff_formatted(out.after) == out.after


def test_inexact_formats_are_left_alone(tmp_path: Path) -> None:
    source = """\
    import logging

    logger = logging.getLogger(__name__)


    def report(amount, width, items, make):
        logger.info(f"{amount:>10}")
        logger.info(f"{amount:,.2f}")
        logger.info(f"{amount=}")
        logger.info(f"{amount:{width}}")
        logger.info(f"total {amount}", items)
        logger.info("{0.real}".format(amount))
        logger.info("{0}{0}".format(make()))
        logger.info("%s and %s" % items)
    """
    out = run_fix(tmp_path, source, RULES)
    assert len([f for f in out.findings_before if f.rule in RULES]) == 8
    assert out.patch is None


def test_lazy_message_logs_the_same_text(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = run_fix(
        tmp_path,
        """\
        import logging


        def report(uid, cost):
            logging.getLogger("bill").info(f"{uid!r} owes {cost:08.3f} (100%)")
        """,
        RULES,
    )
    assert '"%r owes %08.3f (100%%)", uid, cost' in out.after
    report = load_fixed(tmp_path, out)["report"]
    assert callable(report)
    with caplog.at_level(logging.INFO, logger="bill"):
        report("ann", 3.14159)
    assert [r.getMessage() for r in caplog.records] == [f"{'ann'!r} owes {3.14159:08.3f} (100%)"]
