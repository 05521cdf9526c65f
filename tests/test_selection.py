"""Which files are scanned, and how findings are ranked and grouped."""

from __future__ import annotations

from pathlib import Path

from agent.models import Confidence, Finding, Priority, Severity
from agent.run.worklist import group_findings, rank_findings
from agent.scan.files import select_files

TRACKED = [
    "app.py",
    "pkg/core.py",
    "pkg/helpers_test.py",
    "pkg/test_core.py",
    "tests/helpers.py",
    "pkg/tests/fixtures.py",
    "conftest.py",
    "pkg/conftest.py",
    "README.md",
    "setup.cfg",
    "scripts/tool.pyw",
    "vendor/lib.py",
    "build/gen.py",
    "legacy/old.py",
    "legacy/deep/older.py",
    "generated_pb2.py",
    "docs/conf.py",
]


def test_select_files_keeps_only_source_python_files(tmp_path: Path) -> None:
    assert select_files(TRACKED, tmp_path, exclude=()) == [
        "app.py",
        "build/gen.py",
        "docs/conf.py",
        "generated_pb2.py",
        "legacy/deep/older.py",
        "legacy/old.py",
        "pkg/core.py",
        "vendor/lib.py",
    ]


def test_select_files_applies_exclude_globs_and_hardenignore(tmp_path: Path) -> None:
    (tmp_path / ".hardenignore").write_text(
        "# generated code\n\nlegacy/\n*_pb2.py\n", encoding="utf-8"
    )
    selected = select_files(TRACKED, tmp_path, exclude=("vendor/*", "build", "docs/conf.py"))
    assert selected == ["app.py", "pkg/core.py"]


def _finding(
    fid: str,
    severity: Severity,
    confidence: Confidence,
    path: str = "app.py",
    line: int = 1,
    symbol: str = "f",
) -> Finding:
    return Finding(
        id=fid,
        rule="S307",
        tools=("ruff",),
        message="m",
        severity=severity,
        confidence=confidence,
        priority=Priority.SECURITY,
        path=path,
        line=line,
        end_line=line,
        symbol=symbol,
    )


def test_rank_findings_by_severity_then_confidence_then_place() -> None:
    findings = [
        _finding("low-high", Severity.LOW, Confidence.HIGH),
        _finding("med-low", Severity.MEDIUM, Confidence.LOW),
        _finding("high-med", Severity.HIGH, Confidence.MEDIUM),
        _finding("med-high-b", Severity.MEDIUM, Confidence.HIGH, path="b.py"),
        _finding("med-high-a", Severity.MEDIUM, Confidence.HIGH, path="a.py", line=9),
        _finding("high-high", Severity.HIGH, Confidence.HIGH),
    ]
    assert [f.id for f in rank_findings(findings)] == [
        "high-high",
        "high-med",
        "med-high-a",
        "med-high-b",
        "med-low",
        "low-high",
    ]


def test_group_findings_by_file_and_symbol_in_ranked_order() -> None:
    ranked = [
        _finding("1", Severity.HIGH, Confidence.HIGH, path="a.py", symbol="f"),
        _finding("2", Severity.HIGH, Confidence.HIGH, path="b.py", symbol="f"),
        _finding("3", Severity.MEDIUM, Confidence.HIGH, path="a.py", symbol="g"),
        _finding("4", Severity.LOW, Confidence.HIGH, path="a.py", symbol="f"),
        _finding("5", Severity.LOW, Confidence.LOW, path="b.py", symbol="f"),
    ]
    groups = group_findings(ranked)
    assert [[f.id for f in group] for group in groups] == [["1", "4"], ["2", "5"], ["3"]]
