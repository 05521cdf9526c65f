import logging
from pathlib import Path

import pytest

from tests.codemods.helpers import load_fixed, new_findings, ruff_formatted, run_fix

RULES = {"S110", "S112", "BLE001"}


def test_swallowed_exceptions_are_logged(tmp_path: Path) -> None:
    out = run_fix(
        tmp_path,
        """\
        import json


        def load_all(paths):
            found = []
            for path in paths:
                try:
                    found.append(json.loads(path.read_text()))
                except Exception as exc:
                    continue
            return found


        def cleanup(path):
            try:
                path.unlink()
            except Exception:
                pass


        def size(path):
            try:
                return path.stat().st_size
            except Exception:
                return 0


        def parse(text):
            try:
                return json.loads(text)
            except Exception as exc:
                raise ValueError(text) from None
        """,
        RULES,
    )
    assert out.after == (
        "import json\n"
        "import logging\n"
        "\n"
        "logger = logging.getLogger(__name__)\n"
        "\n\n"
        "def load_all(paths):\n"
        "    found = []\n"
        "    for path in paths:\n"
        "        try:\n"
        "            found.append(json.loads(path.read_text()))\n"
        "        except Exception as exc:\n"
        '            logger.exception("Skipped after an error in load_all")\n'
        "            continue\n"
        "    return found\n"
        "\n\n"
        "def cleanup(path):\n"
        "    try:\n"
        "        path.unlink()\n"
        "    except Exception:\n"
        '        logger.exception("Ignored error in cleanup")\n'
        "\n\n"
        "def size(path):\n"
        "    try:\n"
        "        return path.stat().st_size\n"
        "    except Exception:\n"
        "        return 0\n"
        "\n\n"
        "def parse(text):\n"
        "    try:\n"
        "        return json.loads(text)\n"
        "    except Exception as exc:\n"
        "        raise ValueError(text) from None\n"
    )
    assert {"S110", "S112"} <= {f.rule for f in out.findings_before}
    # size() turns the error into a result (left for a model); parse() raises another one
    remaining = [(f.rule, f.symbol) for f in out.findings_after if f.rule in RULES]
    assert remaining == [("BLE001", "size"), ("BLE001", "parse")]
    assert not new_findings(out)
    assert ruff_formatted(out.after) == out.after


def test_log_without_traceback_is_upgraded_and_records_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = run_fix(
        tmp_path,
        """\
        import logging

        log = logging.getLogger("jobs")


        def run(job):
            try:
                return job()
            except Exception:
                log.warning("job failed")
                return None
        """,
        RULES,
    )
    assert '        log.warning("job failed", exc_info=True)\n' in out.after
    assert "BLE001" not in out.rules_after() and not new_findings(out)
    run = load_fixed(tmp_path, out)["run"]
    assert callable(run)
    with caplog.at_level(logging.WARNING, logger="jobs"):
        assert run(lambda: 1 / 0) is None
    (record,) = caplog.records
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError


def test_errors_ignored_on_purpose_are_logged_at_debug(tmp_path: Path) -> None:
    """A commented handler: DEBUG with the traceback; narrow handlers are not touched."""
    out = run_fix(
        tmp_path,
        """\
        import json


        def settings(config):
            try:
                return config["debug"]
            except KeyError:
                pass


        def plugins(names):
            for name in names:
                try:
                    __import__(name)
                except (ImportError, json.JSONDecodeError):
                    continue


        def legacy(text):
            try:
                return json.loads(text)
            except Exception:  # malformed legacy input is ignored on purpose
                pass


        def broad(path):
            try:
                path.unlink()
            except Exception:
                pass
        """,
        RULES,
    )
    assert out.after.count("exc_info=True") == 1
    assert "    except KeyError:\n        pass\n" in out.after
    assert "(ImportError, json.JSONDecodeError):\n            continue\n" in out.after
    assert 'logger.debug("Ignored error in legacy", exc_info=True)' in out.after
    assert 'logger.exception("Ignored error in broad")' in out.after
    assert not out.rules_after() & RULES
    assert not new_findings(out)
    assert ruff_formatted(out.after) == out.after


def test_a_kept_default_is_left_for_a_model(tmp_path: Path) -> None:
    """itsdangerous' unsign: the default stays on purpose and the code after checks it."""
    out = run_fix(
        tmp_path,
        """\
        def timestamp(raw):
            ts = None
            try:
                ts = int(raw)
            except Exception:
                pass
            if ts is None:
                raise ValueError("malformed timestamp")
            return ts


        def refresh(cache, key):
            value = cache.get(key)
            try:
                cache.reload()
                value = cache.get(key)
            except Exception:
                pass
            return value
        """,
        RULES,
    )
    assert "    except Exception:\n        pass\n    if ts is None:" in out.after
    assert 'logger.exception("Ignored error in refresh")' in out.after
    assert {(f.rule, f.symbol) for f in out.findings_after if f.rule in RULES} == {
        ("S110", "timestamp"),
        ("BLE001", "timestamp"),
    }
    assert not new_findings(out)
