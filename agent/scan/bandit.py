"""bandit as a detector: the checks ruff lacks, and severity, confidence and CWE ids."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from agent.models import Confidence, Severity
from agent.scan.process import run_json_tool
from agent.scan.raw import RawFinding

__all__ = ["bandit_findings"]


def bandit_findings(root: Path, paths: list[str]) -> list[RawFinding]:
    """bandit on ``paths``; ``-P`` keeps the repo's own modules (flask's ``typing.py``)
    from shadowing the stdlib's when bandit starts in ``root``."""
    if not paths:
        return []
    argv = [sys.executable, "-P", "-m", "bandit", "--quiet", "--format", "json", "--", *paths]
    report = run_json_tool(argv, cwd=root, ok_codes=(0, 1))
    return [_to_raw(item, root) for item in (report or {}).get("results", [])]


def _to_raw(item: dict[str, Any], root: Path) -> RawFinding:
    path = (root / item["filename"]).resolve().relative_to(root.resolve()).as_posix()
    lines = item.get("line_range") or [item["line_number"]]
    cwe = (item.get("issue_cwe") or {}).get("id")
    return RawFinding(
        tool="bandit",
        rule=item["test_id"],
        path=path,
        line=int(item["line_number"]),
        column=int(item.get("col_offset", 0)) + 1,
        end_line=int(max(lines)),
        message=item["issue_text"],
        severity=Severity(item["issue_severity"].lower()),
        confidence=Confidence(item["issue_confidence"].lower()),
        cwe=int(cwe) if cwe else None,
    )
