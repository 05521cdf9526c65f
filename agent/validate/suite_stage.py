"""The funnel's tests stage: the repo's tests that reach the patch, judged against the base.

The tests run in the worktree with the patch's new files removed (those are judged on
their own by the generated-test stage). Which tests: those the base run's coverage map
says reach the changed code (agent.sandbox.testmap), all of them when the map cannot tell,
none when no test reaches the change (the stage is then skipped, and says why). The
stage's detail and the verdict's ``tests_run`` say whether the evidence is selected tests
or the full suite; ``SuiteRuns`` counts the runs; an identical check already made on the
same tree is taken from the verdict cache (agent.validate.verdict_cache) and not re-run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from agent.models import Patch, Stage, StageResult, StageStatus
from agent.sandbox.baseline import run_suite
from agent.sandbox.coverage import LineCoverage, pytest_args
from agent.sandbox.outcomes import Outcomes
from agent.sandbox.runner import SandboxRun
from agent.sandbox.suite import Suite, judge
from agent.sandbox.testmap import Selection, select_tests
from agent.validate import verdict_cache
from agent.validate.fingerprint import changed_files, fingerprint

__all__ = ["SuiteCheck", "SuiteRuns", "restricted", "run_tests"]

# Options of pytest that take a value: anything else not starting with "-" names tests.
_VALUED = frozenset({"-p", "-k", "-m", "-o", "-c", "-W", "--rootdir", "--confcutdir"})


@dataclass
class SuiteRuns:
    """How many times the suite ran: in full (the baseline included) and as a selection."""

    full: int = 0
    selected: int = 0


@dataclass(frozen=True)
class SuiteCheck:
    """What the stage needs besides the patch."""

    root: Path
    plan: Suite
    baseline: SandboxRun
    python: str  # the project's interpreter
    timeout_s: float
    coverage: LineCoverage | None
    runs: SuiteRuns = field(default_factory=SuiteRuns)


def run_tests(patch: Patch, python: str, check: SuiteCheck) -> tuple[StageResult, str]:
    """The stage's result and the line describing the test run ("" when none ran)."""
    chosen = _selection(patch, check)
    if chosen.scope == "none":
        return StageResult(stage=Stage.TESTS, status=StageStatus.SKIPPED, detail=chosen.reason), ""
    key = verdict_cache.cache_key(check.root, patch, check.plan, chosen.tests, python)
    cached = verdict_cache.load(key)
    if cached is not None:
        detail = f"{cached.result.detail}\n(cached: an identical run on the same tree)"
        return cached.result.model_copy(update={"detail": detail}), cached.tests_run
    result, tests_run, timed_out = _run(patch, python, check, chosen)
    if not timed_out:
        verdict_cache.store(key, verdict_cache.CachedTests(result=result, tests_run=tests_run))
    return result, tests_run


def _selection(patch: Patch, check: SuiteCheck) -> Selection:
    args = pytest_args(check.plan)
    if check.plan.observed_argv is None or args is None or _names_tests(args):
        return Selection("all", reason="the test command cannot be narrowed to some tests")
    return select_tests(check.coverage, patch, check.root)


def _names_tests(args: Sequence[str]) -> bool:
    """The pytest arguments name files or tests (node ids added would run beside them)."""
    for i, arg in enumerate(args):
        if not arg.startswith("-") and (i == 0 or args[i - 1] not in _VALUED):
            return True
    return False


def _run(
    patch: Patch, python: str, check: SuiteCheck, chosen: Selection
) -> tuple[StageResult, str, bool]:
    layered = python != check.python
    swap = (check.python, python) if layered else None
    prefix = Path(python).parent if layered else None
    with _without_new_files(check.root, patch):
        before = fingerprint(check.root)
        run = run_suite(check.plan, check.root, check.timeout_s, swap, prefix, chosen.tests)
        changed = changed_files(before, fingerprint(check.root))
    what = f"selected tests ({chosen.reason})" if chosen.scope == "some" else "full suite"
    check.runs.selected += chosen.scope == "some"
    check.runs.full += chosen.scope == "all"
    tests_run = f"{what}: {check.plan.display}: {run.exit_code} in {run.duration_s:.1f}s"
    if changed:
        text = f"the test run changed code or configuration files: {changed}"
        return _result(False, text), tests_run, run.timed_out
    ok, detail = judge(check.plan, restricted(check.baseline, chosen.tests), run)
    return _result(ok, f"{what}: {detail}"), tests_run, run.timed_out


def restricted(baseline: SandboxRun, tests: Sequence[str]) -> SandboxRun:
    """The base run as if it had run only ``tests`` (all of it when none are named)."""
    base = baseline.outcomes
    if not tests or base is None:
        return baseline
    kept = {n: o for n, o in base.tests.items() if n in set(tests)}
    outcomes = Outcomes(kept, len(kept), base.finished, (), base.tampered)
    return SandboxRun(
        baseline.command,
        baseline.exit_code,
        baseline.timed_out,
        baseline.duration_s,
        baseline.output,
        outcomes=outcomes,
    )


def _result(ok: bool, detail: str) -> StageResult:
    status = StageStatus.PASSED if ok else StageStatus.FAILED
    return StageResult(stage=Stage.TESTS, status=status, detail=detail)


@contextmanager
def _without_new_files(root: Path, patch: Patch) -> Iterator[None]:
    """The files ``patch`` adds, removed for the duration and then written back exactly."""
    added = [e for e in patch.edits if e.before is None]
    try:
        for edit in added:
            (root / edit.path).unlink(missing_ok=True)
        yield
    finally:
        for edit in added:
            (root / edit.path).write_text(edit.after, encoding="utf-8")
