"""A scan for some priorities runs only what finds them, and finds what a full scan finds.

The trees: the bundled example and the eval cases (every priority has findings there),
scanned for real with ruff and bandit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.models import Finding, Priority
from agent.scan import ScanResult, scan
from agent.scan.files import select_files
from agent.scan.selection import ScanSelection

ROOT = Path(__file__).resolve().parent.parent
_SCANNED = [p for p in Priority if p is not Priority.TESTS]


def _files() -> list[str]:
    found = [p.relative_to(ROOT).as_posix() for d in ("examples", "evals/cases")
             for p in (ROOT / d).rglob("*.py")]  # fmt: skip
    return select_files(found, ROOT, [])


@pytest.fixture(scope="module")
def full() -> ScanResult:
    return scan(ROOT, _files())


def _key(findings: tuple[Finding, ...] | list[Finding]) -> list[tuple[object, ...]]:
    return sorted(
        (f.id, f.rule, f.path, f.line, f.severity, f.confidence, f.tools, f.aliases, f.message)
        for f in findings
    )


@pytest.mark.parametrize("priority", _SCANNED)
def test_a_priority_alone_finds_what_the_full_scan_finds_of_it(
    full: ScanResult, priority: Priority
) -> None:
    alone = scan(ROOT, _files(), priorities=[priority])
    expected = [f for f in full.findings if f.priority is priority]
    assert expected, f"the trees should hold {priority} findings"
    assert _key(alone.findings) == _key(expected)
    assert alone.skipped == full.skipped


def test_two_priorities_together(full: ScanResult) -> None:
    both = {Priority.SECURITY, Priority.ERRORS}
    found = scan(ROOT, _files(), priorities=both)
    assert _key(found.findings) == _key([f for f in full.findings if f.priority in both])


def test_what_runs_for_each_priority() -> None:
    security = ScanSelection.of([Priority.SECURITY])
    assert security.bandit_tests() is None  # every test
    assert security.ruff_select() == "S"
    errors = ScanSelection.of([Priority.ERRORS])
    assert errors.bandit_tests() == ("B110", "B112")
    assert set(errors.ruff_select().split(",")) == {"S", "E722", "BLE001", "PLW1510"}
    logs = ScanSelection.of([Priority.OBSERVABILITY])
    assert logs.bandit_tests() == ()
    assert "S" not in logs.ruff_select().split(",")
    assert ScanSelection.of([Priority.TESTS]).priorities is None  # its targets need all


def _golden_key(findings: tuple[Finding, ...]) -> list[list[object]]:
    return sorted(
        [f.id, f.rule, f.path, f.line, f.end_line, f.severity.value, f.confidence.value,
         list(f.tools), list(f.aliases)]
        for f in findings
    )  # fmt: skip


@pytest.mark.parametrize("tree", ["examples", "evals/cases"])
def test_the_scan_finds_what_it_found_before_it_was_made_fast(tree: str) -> None:
    """tests/fixtures/scan_golden.json: the full scan of each tree as recorded before the
    scan was optimised (priorities, bandit beside the checks, one walk for the errors
    checker). A change of a check that changes findings on purpose records it again."""
    golden = json.loads((ROOT / "tests/fixtures/scan_golden.json").read_text(encoding="utf-8"))
    root = ROOT / tree
    files = select_files([p.relative_to(root).as_posix() for p in root.rglob("*.py")], root, [])
    assert _golden_key(scan(root, files).findings) == sorted(golden[tree])
