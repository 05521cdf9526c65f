import logging
from pathlib import Path

import pytest

from tests.codemods.helpers import load_fixed, new_findings, ruff_formatted, run_fix

RULES = {"E722"}


def test_bare_excepts_catch_exception_and_log(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        import logging
        import os

        log = logging.getLogger("files")


        def remove(paths):
            for path in paths:
                try:
                    os.remove(path)
                except:
                    pass


        class Store:
            def close(self):
                try:
                    self.db.close()
                except: self.db = None

            def flush(self):
                try:
                    self.db.flush()
                except:
                    log.error("flush failed")

            def read(self):
                try:
                    return self.db.read()
                except:
                    raise RuntimeError("read failed")
        """,
        RULES,
    )
    assert out.after.split("\n\n\n", 1)[1] == (
        "def remove(paths):\n"
        "    for path in paths:\n"
        "        try:\n"
        "            os.remove(path)\n"
        "        except Exception:\n"
        '            log.exception("Error in remove")\n'
        "\n\n"
        "class Store:\n"
        "    def close(self):\n"
        "        try:\n"
        "            self.db.close()\n"
        "        except Exception:\n"
        '            log.exception("Error in Store.close")\n'
        "            self.db = None\n"
        "\n"
        "    def flush(self):\n"
        "        try:\n"
        "            self.db.flush()\n"
        "        except Exception:\n"
        '            log.exception("flush failed")\n'
        "\n"
        "    def read(self):\n"
        "        try:\n"
        "            return self.db.read()\n"
        "        except:\n"
        '            raise RuntimeError("read failed")\n'
    )
    assert [f.line for f in out.findings_after if f.rule == "E722"] == [32]
    assert out.patch is not None and len(out.patch.finding_ids) == 3
    assert not new_findings(out)
    assert ruff_formatted(out.after) == out.after


def test_fixed_handler_logs_the_traceback_and_lets_ctrl_c_through(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = run_fix(
        tmp_path,
        """\
        def parse(text):
            try:
                return int(text)
            except:
                return None
        """,
        RULES,
    )
    parse = load_fixed(tmp_path, out)["parse"]
    assert callable(parse)
    with caplog.at_level(logging.DEBUG, logger="fixed_module"):
        assert parse("x") is None
    (record,) = caplog.records
    assert record.getMessage() == "Error in parse"
    assert record.levelname == "DEBUG"  # a fallback value: the error is expected
    assert record.exc_info is not None and record.exc_info[0] is ValueError
    with pytest.raises(KeyboardInterrupt):
        parse(_Interrupting())
    assert "E722" not in out.rules_after() and not new_findings(out)


class _Interrupting:
    def __int__(self) -> int:
        raise KeyboardInterrupt


def test_a_commented_bare_except_is_logged_at_debug(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        def close(conn):
            try:
                conn.close()
            except:
                pass  # the connection may already be gone


        def send(conn, data):
            try:
                conn.send(data)
            except:
                pass
        """,
        RULES,
    )
    assert "    except Exception:\n" in out.after
    assert 'logger.debug("Error in close", exc_info=True)' in out.after
    assert 'logger.exception("Error in send")' in out.after
    assert not out.rules_after() & {"E722", "S110", "BLE001"}
    assert not new_findings(out)
