from pathlib import Path

from tests.codemods.helpers import new_findings, ruff_formatted, run_fix

RULES = {"TRY400"}


def test_error_in_except_becomes_exception(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        import logging

        logger = logging.getLogger(__name__)


        class Client:
            def fetch(self, url):
                try:
                    return self.session.get(url)
                except OSError as exc:
                    self.logger.error("fetch %s failed: %s", url, exc)
                    logging.error("fetch failed")
                    return None

            def close(self):
                logger.error("closing")
                try:
                    self.session.close()
                except OSError:

                    def report():
                        logger.error("late")

                    report()
        """,
        RULES,
    )
    assert out.after.split("\n\n\n", 1)[1] == (
        "class Client:\n"
        "    def fetch(self, url):\n"
        "        try:\n"
        "            return self.session.get(url)\n"
        "        except OSError as exc:\n"
        '            self.logger.exception("fetch %s failed: %s", url, exc)\n'
        '            logging.exception("fetch failed")\n'
        "            return None\n"
        "\n"
        "    def close(self):\n"
        '        logger.error("closing")\n'
        "        try:\n"
        "            self.session.close()\n"
        "        except OSError:\n"
        "\n"
        "            def report():\n"
        '                logger.error("late")\n'
        "\n"
        "            report()\n"
    )
    # a function defined in the handler may run after it: left alone on purpose
    assert [f.line for f in out.findings_after if f.rule == "TRY400"] == [22]
    assert not new_findings(out)
    assert ruff_formatted(out.after) == out.after
