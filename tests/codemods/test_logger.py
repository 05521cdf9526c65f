"""The module logger helper: found when there is one, added after the imports when not."""

from pathlib import Path

import libcst as cst

from agent.fix.codemods._lib.log_calls import string_literal
from agent.fix.codemods._lib.logger import module_logger
from tests.codemods.helpers import new_findings, ruff_formatted, run_fix

RULES = {"E722"}
BODY = """\
def load(path):
    try:
        return open(path).read()
    except:
        return None
"""


def test_finds_the_module_logger() -> None:
    assert (
        module_logger(cst.parse_module("import logging\nlog = logging.getLogger('x')\n")) == "log"
    )
    assert (
        module_logger(cst.parse_module("from logging import getLogger\nLOG = getLogger()\n"))
        == "LOG"
    )
    assert (
        module_logger(cst.parse_module("import logging\ndef f():\n    x = logging.getLogger()\n"))
        is None
    )


def test_existing_logger_is_used_and_nothing_added(tmp_path: Path) -> None:
    out = run_fix(tmp_path, "import logging\n\nlog = logging.getLogger('app')\n\n\n" + BODY, RULES)
    assert out.after.count("getLogger") == 1
    # a handler that returns a fixed fallback is an expected error: logged at DEBUG
    assert 'log.debug("Error in load", exc_info=True)' in out.after


def test_logger_added_after_docstring_and_imports(tmp_path: Path) -> None:
    source = '"""Loads files."""\n\nfrom __future__ import annotations\n\nimport os\n\n\n' + BODY
    out = run_fix(tmp_path, source, RULES)
    assert out.after.startswith(
        '"""Loads files."""\n\n'
        "from __future__ import annotations\n\n"
        "import logging\n"
        "import os\n\n"
        "logger = logging.getLogger(__name__)\n\n\n"
        "def load(path):\n"
    )
    assert ruff_formatted(out.after) == out.after
    assert not new_findings(out)


def test_logger_added_to_module_without_imports(tmp_path: Path) -> None:
    out = run_fix(tmp_path, "X = 1\n\n\n" + BODY, RULES)
    assert out.after.startswith(
        "import logging\n\nlogger = logging.getLogger(__name__)\n\nX = 1\n\n\ndef load(path):\n"
    )
    assert ruff_formatted(out.after) == out.after


def test_logger_name_taken_uses_log(tmp_path: Path) -> None:
    out = run_fix(tmp_path, "logger = 'not a logger'\n\n\n" + BODY, RULES)
    assert "_log = logging.getLogger(__name__)" in out.after
    assert '_log.debug("Error in load", exc_info=True)' in out.after
    assert "logger = 'not a logger'" in out.after


def test_both_names_taken_skips_the_file(tmp_path: Path) -> None:
    out = run_fix(tmp_path, "logger = 1\n_log = 2\n\n\n" + BODY, RULES)
    assert "E722" in {f.rule for f in out.findings_before}
    assert out.patch is None


def test_string_literal_uses_ruff_quotes() -> None:
    assert string_literal('say "hi"').value == "'say \"hi\"'"
    assert string_literal("it's\n").value == '"it\'s\\n"'
    assert string_literal("a\\b").value == '"a\\\\b"'
