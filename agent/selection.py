"""Which files a run scans, and how findings are ranked and grouped into units of work."""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from agent.models import Finding
from agent.testplan import is_test_file

__all__ = ["group_findings", "rank_findings", "select_files"]


def select_files(tracked: Iterable[str], root: Path, exclude: Sequence[str]) -> list[str]:
    """Tracked Python files minus tests, ``exclude`` globs and ``.hardenignore`` patterns.

    Tests are not scanned: a patch may never edit an existing test, so their findings
    could only be noise.
    """
    patterns = [*exclude, *_hardenignore(root)]
    return sorted(
        path
        for path in tracked
        if path.endswith(".py")
        and not is_test_file(path)
        and not any(_matches(path, p) for p in patterns)
    )


def _hardenignore(root: Path) -> list[str]:
    path = root / ".hardenignore"
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _matches(path: str, pattern: str) -> bool:
    pattern = pattern.rstrip("/")
    return fnmatch.fnmatch(path, pattern) or path.startswith(f"{pattern}/")


def rank_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by confidence, then by place."""
    order = {"high": 0, "medium": 1, "low": 2}
    return sorted(
        findings,
        key=lambda f: (order[f.severity], order[f.confidence], f.path, f.line, f.rule),
    )


def group_findings(ranked: Sequence[Finding]) -> list[list[Finding]]:
    """One group per enclosing symbol of a file, ordered by its most severe finding."""
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in ranked:
        groups[(finding.path, finding.symbol)].append(finding)
    return list(groups.values())
