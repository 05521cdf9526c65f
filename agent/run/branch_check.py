"""The branch's full-suite check, once, at the end of a priority's fixing.

Patches are validated with the tests that reach them (agent.sandbox.testmap), which can
miss a test broken through state the map does not see (a module-level side effect, say).
So before the branch is final its head runs the whole suite, judged against the baseline
like any run. If it is red, a bisection over the branch's commits finds the first one
with which the suite fails; that commit is dropped (the branch is rebuilt without it, the
later ones re-applied), its verdict becomes a rejection at the ``tests`` stage ("full suite
at branch end"), and the head is checked again. A branch whose every commit was already
checked against the full suite at its own tip needs no such run. The bisection checks out
commits detached, so an interrupted check leaves the branch as it was.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from agent.errors import ToolError
from agent.log import get_logger
from agent.models import CommitRecord, Stage, StageResult, StageStatus, Verdict
from agent.run.branch import Landed
from agent.sandbox.baseline import run_suite
from agent.sandbox.depenv import DependencyError, python_with
from agent.sandbox.runner import SandboxRun
from agent.sandbox.suite import collected_nothing, judge
from agent.scan.files import is_test_file
from agent.validate.funnel import FunnelContext

__all__ = ["FULL_SUITE_AT_END", "BranchTree", "check_branch"]

log = get_logger("pipeline")

FULL_SUITE_AT_END = "full suite at branch end"


class BranchTree(Protocol):
    """The run's worktree (agent.git.worktree.Worktree)."""

    @property
    def path(self) -> Path: ...

    def reset(self) -> None: ...

    def rewind(self, commit: str) -> None: ...

    def visit(self, commit: str) -> None: ...

    def cherry_pick(self, commit: str) -> str: ...


@dataclass(frozen=True)
class _Check:
    wt: BranchTree
    ctx: FunnelContext
    base: str  # the commit the run's commits sit on
    python: str
    new_tests: tuple[str, ...]  # new test files of the commits: judged apart, not here
    baseline: SandboxRun


def check_branch(
    wt: BranchTree, ctx: FunnelContext, base: str, landed: Landed
) -> tuple[Landed, str | None]:
    """``landed``, with the commits that break the full suite dropped from the branch; and
    a note for the report on what the check found (None when it did not run)."""
    if ctx.baseline is None or not _needs_check(ctx, landed):
        return landed, None
    check = _Check(wt, ctx, base, _python(ctx, landed), _new_tests(landed), ctx.baseline)
    commits = list(landed.commits)
    dropped: dict[str, str] = {}  # sha -> why
    while commits:
        ok, detail = _green(check, commits[-1].sha)
        if ok:
            break
        bad = _first_bad(check, commits)
        dropped[bad.sha] = f"{FULL_SUITE_AT_END}: {detail}"
        commits = _rebuild(check, commits, bad, dropped)
    wt.rewind(commits[-1].sha if commits else base)  # back on the branch, at its head
    return _landed_without(landed, commits, dropped), _note(len(commits), len(dropped))


def _note(kept: int, dropped: int) -> str:
    done = f"the branch's head passed the full suite ({kept} commit(s))" if kept else ""
    if not dropped:
        return done
    gone = f"{dropped} commit(s) dropped: the full suite failed with them (bisected)"
    return f"{done}; {gone}" if done else gone


def _needs_check(ctx: FunnelContext, landed: Landed) -> bool:
    base = ctx.baseline
    if not landed.commits or base is None or ctx.plan.argv is None or base.timed_out:
        return False
    if collected_nothing(ctx.plan, base):
        return False
    return not all(_full_at_tip(v) for v in _committed(landed))


def _full_at_tip(verdict: Verdict) -> bool:
    tests = next((s for s in verdict.stages if s.stage is Stage.TESTS), None)
    return (
        tests is not None
        and tests.status is StageStatus.PASSED
        and (verdict.tests_run.startswith("full suite"))
    )


def _committed(landed: Landed) -> list[Verdict]:
    return [v for v in landed.verdicts if v.accepted]


def _green(check: _Check, head: str) -> tuple[bool, str]:
    """Whether the suite at ``head`` passes, judged against the baseline."""
    check.wt.visit(head)
    for path in check.new_tests:
        (check.wt.path / path).unlink(missing_ok=True)
    ctx = check.ctx
    swap = (ctx.python, check.python) if check.python != ctx.python else None
    prefix = Path(check.python).parent if swap else None
    run = run_suite(ctx.plan, check.wt.path, ctx.timeout_s, swap, prefix)
    check.wt.reset()
    ctx.suite_runs.full += 1
    ok, detail = judge(ctx.plan, check.baseline, run)
    log.info("full suite at %s: %s", head[:10], "green" if ok else "red")
    return ok, detail


def _first_bad(check: _Check, commits: Sequence[CommitRecord]) -> CommitRecord:
    """The first commit with which the suite fails (the last one is known to fail)."""
    low, high = 0, len(commits) - 1  # the prefix up to ``high`` fails; base passed
    while low < high:
        middle = (low + high) // 2
        if _green(check, commits[middle].sha)[0]:
            low = middle + 1
        else:
            high = middle
    return commits[low]


def _rebuild(
    check: _Check, commits: Sequence[CommitRecord], bad: CommitRecord, dropped: dict[str, str]
) -> list[CommitRecord]:
    """The branch again without ``bad``: the later commits re-applied, those that no
    longer apply dropped too."""
    at = commits.index(bad)
    check.wt.rewind(commits[at - 1].sha if at else check.base)
    kept = list(commits[:at])
    for commit in commits[at + 1 :]:
        try:
            kept.append(commit.model_copy(update={"sha": check.wt.cherry_pick(commit.sha)}))
        except ToolError:
            check.wt.rewind(kept[-1].sha if kept else check.base)
            dropped[commit.sha] = f"{FULL_SUITE_AT_END}: it depends on {bad.title!r}, dropped"
    return kept


def _landed_without(
    landed: Landed, commits: Sequence[CommitRecord], dropped: dict[str, str]
) -> Landed:
    if not dropped:
        return landed
    why = {(c.title, c.finding_ids): dropped[c.sha] for c in landed.commits if c.sha in dropped}
    verdicts = tuple(_rejected(v, why) for v in landed.verdicts)
    return dataclasses.replace(landed, commits=tuple(commits), verdicts=verdicts)


def _rejected(verdict: Verdict, why: dict[tuple[str, tuple[str, ...]], str]) -> Verdict:
    reason = why.get((verdict.patch.title, verdict.patch.finding_ids))
    if reason is None or not verdict.accepted:
        return verdict
    failed = StageResult(stage=Stage.TESTS, status=StageStatus.FAILED, detail=reason)
    stages = [s for s in verdict.stages if s.stage is not Stage.TESTS]
    return verdict.model_copy(update={"stages": (*stages, failed)})


def _python(ctx: FunnelContext, landed: Landed) -> str:
    deps = tuple(sorted({d for v in _committed(landed) for d in v.patch.dependencies}))
    if not deps:
        return ctx.python
    try:
        return python_with(ctx.python, deps, ctx.workdir)
    except DependencyError:
        return ctx.python  # the suite then fails where a dependency is missing: red, bisected


def _new_tests(landed: Landed) -> tuple[str, ...]:
    added = (e for v in _committed(landed) for e in v.patch.edits if e.before is None)
    return tuple(e.path for e in added if is_test_file(e.path))
