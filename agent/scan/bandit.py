"""bandit as a detector: the checks ruff lacks, and severity, confidence and CWE ids.

bandit runs as a subprocess started before harden's own checks and read after them
(``start_bandit``), so both work at once on two cores.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agent.models import Confidence, Severity
from agent.scan.process import RunningTool, start_json_tool
from agent.scan.raw import RawFinding

__all__ = ["BanditRun", "bandit_findings", "start_bandit"]


class BanditRun:
    """A bandit started on some files: ``findings()`` waits for it, ``stop()`` ends it."""

    def __init__(self, root: Path, tool: RunningTool | None) -> None:
        self.root, self.tool = root, tool

    def findings(self) -> list[RawFinding]:
        if self.tool is None:
            return []
        report = self.tool.result()
        return [_to_raw(item, self.root) for item in (report or {}).get("results", [])]

    def stop(self) -> None:
        if self.tool is not None:
            self.tool.stop()


def start_bandit(root: Path, paths: list[str], tests: Sequence[str] | None = None) -> BanditRun:
    """bandit on ``paths`` (only ``tests`` when given; none at all for ``()``). ``-P``
    keeps the repo's own modules (flask's ``typing.py``) from shadowing the stdlib's when
    bandit starts in ``root``."""
    if not paths or (tests is not None and not tests):
        return BanditRun(root, None)
    argv = [sys.executable, "-P", "-m", "bandit", "--quiet", "--format", "json"]
    argv += ["--tests", ",".join(tests)] if tests else []
    return BanditRun(root, start_json_tool([*argv, "--", *paths], cwd=root, ok_codes=(0, 1)))


def bandit_findings(root: Path, paths: list[str]) -> list[RawFinding]:
    return start_bandit(root, paths).findings()


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
