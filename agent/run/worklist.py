"""Which findings a run of one priority works on, and in what order.

A run scans for every priority (no patch may add a finding of any), then works on its
own: the scan's findings of its priority, or for the tests priority the public functions
no test reaches (the suite under coverage.py). In ``--priority all`` the findings inside
functions an earlier branch changed are left out, except for the tests priority: a new
test file cannot conflict with another branch, and the functions other fixes touch are the
ones its ranking puts first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agent.models import Finding, Priority
from agent.run.touched import Symbol, split_touched
from agent.sandbox.suite import Suite
from agent.scan.rules import outranks_on_line
from agent.validate.policy.content import oversized_file

if TYPE_CHECKING:  # a plan that measures no coverage imports neither
    from agent.sandbox.coverage import LineCoverage
    from agent.sandbox.runner import SandboxRun

__all__ = [
    "SuiteSetup",
    "Worklist",
    "group_findings",
    "skipped_reasons",
    "split_oversized",
    "uses_codemods",
    "work_groups",
    "worklist",
]


_TOO_LARGE = "the file is over the size limit of a patched file"


@dataclass(frozen=True)
class Worklist:
    found: tuple[Finding, ...]  # the priority's findings, as the report counts them
    ranked: tuple[Finding, ...]  # those to work on, most important first
    notes: tuple[str, ...] = ()
    left_out: tuple[tuple[str, str], ...] = ()  # (finding id, why) of found ones not ranked


@dataclass(frozen=True)
class SuiteSetup:
    """Where the run's tests are run from: what coverage needs for the tests priority."""

    root: Path
    files: Sequence[str]
    plan: Suite
    python: str
    timeout_s: float
    measured: tuple[SandboxRun, LineCoverage] | None = None  # the baseline, run under coverage


def worklist(
    priority: Priority, scanned: Sequence[Finding], where: SuiteSetup, taken: frozenset[Symbol]
) -> Worklist:
    if priority is Priority.TESTS:
        return _untested(scanned, where)
    found = [f for f in scanned if f.priority is priority]
    free, skipped = split_touched(found, set(taken))
    notes = [_skipped_note(skipped)] if skipped else []
    workable, too_large = split_oversized(free, where.root)
    notes += too_large
    kept = {f.id for f in workable}
    left_out = tuple((f.id, _TOO_LARGE) for f in free if f.id not in kept)
    return Worklist(tuple(found), tuple(rank_findings(workable)), tuple(notes), left_out)


def split_oversized(findings: Sequence[Finding], root: Path) -> tuple[list[Finding], list[str]]:
    """The findings whose file a patch may change, and a note per file too large for one."""
    reasons = {p: oversized_file(root / p) for p in {f.path for f in findings}}
    notes = [
        f"not attempted: {sum(f.path == path for f in findings)} finding(s) in {path}: {why}"
        for path, why in sorted(reasons.items())
        if why
    ]
    return [f for f in findings if not reasons[f.path]], notes


def skipped_reasons(
    work: Worklist, kept: Sequence[Finding], max_findings: int | None
) -> dict[str, str]:
    """Why each finding of the priority that the run will not work on is left out."""
    limit = f"beyond the finding limit (--max-findings {max_findings})"
    touched = "in code an earlier priority's branch changed (fix it after merging that)"
    ranked_ids, kept_ids = {f.id for f in work.ranked}, {f.id for f in kept}
    reasons = {f.id: limit for f in work.ranked if f.id not in kept_ids}
    reasons |= {f.id: touched for f in work.found if f.id not in ranked_ids}
    return reasons | dict(work.left_out)


def _untested(scanned: Sequence[Finding], where: SuiteSetup) -> Worklist:
    from agent.testgen import coverage_targets  # testgen (and its model fixer) only here

    risky = {(f.path, f.symbol) for f in scanned}  # a fix there deserves a test first
    targets = coverage_targets(
        where.root, where.files, where.plan, where.python, where.timeout_s, risky, where.measured
    )
    notes = (targets.note,) if targets.note else ()
    return Worklist(targets.findings, targets.findings, notes)


def _skipped_note(skipped: list[Finding]) -> str:
    where = ", ".join(sorted({f"{f.path}:{f.symbol}" for f in skipped}))
    return (
        f"skipped {len(skipped)} finding(s) in code an earlier priority's branch "
        f"changed (fix them after merging it): {where}"
    )


def rank_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by confidence, then by place; on one line a specific
    finding (model output reaching ``eval``) before a generic one."""
    order = {"high": 0, "medium": 1, "low": 2}
    return sorted(
        findings,
        key=lambda f: (
            order[f.severity],
            order[f.confidence],
            f.path,
            f.line,
            not outranks_on_line(f.rule),
            f.rule,
        ),
    )


def group_findings(ranked: Sequence[Finding]) -> list[list[Finding]]:
    """One group per enclosing symbol of a file, ordered by its most severe finding."""
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in ranked:
        groups[(finding.path, finding.symbol)].append(finding)
    return list(groups.values())


def uses_codemods(priority: Priority) -> bool:
    """The tests priority writes new test files with the model; the others try codemods first."""
    return priority is not Priority.TESTS


def work_groups(priority: Priority, ranked: Sequence[Finding]) -> list[list[Finding]]:
    """The groups a run works on, one patch (and one model call) each: one per enclosing
    symbol of a file, or for the tests priority one per untested function."""
    if priority is Priority.TESTS:
        return [[target] for target in ranked]
    return group_findings(ranked)
