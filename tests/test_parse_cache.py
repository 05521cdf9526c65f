"""libcst parses a file once per run: the codemods of each group in it share the parse."""

from __future__ import annotations

import textwrap
from pathlib import Path

from agent.fix.codemod_fixer import attempt_codemods
from agent.fix.parsed import parse_cached
from agent.models import Confidence, Finding, Priority, Severity

SOURCE = "import subprocess\n\n\ndef run(cmd):\n    return eval(cmd)\n"


def test_the_same_text_of_a_path_is_parsed_once() -> None:
    first = parse_cached("app.py", SOURCE)
    assert parse_cached("app.py", SOURCE) is first
    assert first.code == SOURCE


def test_changed_text_is_parsed_again() -> None:
    first = parse_cached("app.py", SOURCE)
    changed = parse_cached("app.py", SOURCE + "x = 1\n")
    assert changed is not first
    assert changed.code.endswith("x = 1\n")


def test_only_the_last_files_are_kept() -> None:
    first = parse_cached("kept.py", SOURCE)
    for n in range(20):
        parse_cached(f"other{n}.py", SOURCE)
    again = parse_cached("kept.py", SOURCE)
    assert again is not first
    assert again.deep_equals(first)


def _finding(line: int, symbol: str) -> Finding:
    return Finding(
        id=f"f{line}",
        rule="S307",
        message="eval",
        tools=("ruff",),
        severity=Severity.MEDIUM,
        confidence=Confidence.HIGH,
        priority=Priority.SECURITY,
        path="calc.py",
        line=line,
        column=12,
        end_line=line,
        symbol=symbol,
        source_line="",
    )


def test_two_groups_in_one_file_get_the_patch_each_would_get_alone(tmp_path: Path) -> None:
    text = textwrap.dedent("""\
        def one(s):
            return eval(s)


        def two(s):
            return eval(s, {})
        """)
    (tmp_path / "calc.py").write_text(text, encoding="utf-8")
    fixed = attempt_codemods(tmp_path, "calc.py", [_finding(2, "one")])
    refused = attempt_codemods(tmp_path, "calc.py", [_finding(6, "two")])
    assert fixed.patch is not None
    assert "ast.literal_eval(s)" in fixed.patch.edits[0].after
    assert refused.patch is None
    assert "globals" in refused.refused["f6"]
    assert (tmp_path / "calc.py").read_text(encoding="utf-8") == text
