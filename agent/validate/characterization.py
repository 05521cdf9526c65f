"""The funnel's characterization stage: a patch keeps the behaviour harden pinned at the base.

Before a function no test reaches is fixed, a model may have written a characterization
test file for it that passed 3 runs on the base commit (agent.validate.characterize_check).
Every patch that edits that function's file runs each such file once, sandboxed, judged by
its per-test outcomes (agent.sandbox.outcomes): a case that fails rejects the patch, with
the cases named, except a case the model marked as pinning the vulnerable behaviour when
the patch claims a finding the file was written for, or one of those findings is gone
already (fixed by a commit before it): that case changes with the fix.
The files are written for the run and removed after it; a run that changes a code or
configuration file of the worktree rejects the patch.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from agent.models import Patch, Stage, StageResult, StageStatus
from agent.sandbox.judge import stream_problem
from agent.sandbox.outcomes import BAD
from agent.sandbox.runner import SandboxRun
from agent.sandbox.suite import summary_line
from agent.testgen.checks import GeneratedTestRunner
from agent.validate.characterize_check import KeptCharacterization
from agent.validate.fingerprint import changed_files, fingerprint

__all__ = ["case_name", "characterization_stage", "failing_cases"]


def characterization_stage(
    patch: Patch,
    kept: Sequence[KeptCharacterization],
    runner: GeneratedTestRunner,
    present: Collection[str] = (),
) -> StageResult:
    """Run the kept files of the functions in the files ``patch`` edits; ``present`` are
    the ids of the findings still in those files before the patch."""
    paths = {e.path for e in patch.edits}
    mine = [k for k in kept if k.target_path in paths]
    if not mine:
        return _result(StageStatus.SKIPPED, "no characterization test pins the code it changes")
    details = []
    for file in mine:
        fixed = file.finding_ids & {*patch.finding_ids} or file.finding_ids - {*present}
        failed, detail = _check(file, runner, bool(fixed), patch)
        if failed:
            return _result(StageStatus.FAILED, detail)
        details.append(detail)
    return _result(StageStatus.PASSED, "; ".join(details))


def _result(status: StageStatus, detail: str) -> StageResult:
    return StageResult(stage=Stage.CHARACTERIZATION, status=status, detail=detail)


def _check(
    file: KeptCharacterization, runner: GeneratedTestRunner, fixes: bool, patch: Patch
) -> tuple[bool, str]:
    if any(e.path == file.test_path for e in patch.edits):
        return (
            True,
            f"the patch writes {file.test_path}, the characterization test of {file.target}",
        )
    before = fingerprint(runner.root)
    with _written(runner.root, file):
        run = runner.run(file.test_path)
    changed = changed_files(before, fingerprint(runner.root))
    if changed:
        return True, f"{file.test_path}: its run changed files of the worktree: {changed}"
    problem = _problem(run)
    if problem:
        return True, f"{file.test_path} could not be judged with the patch: {problem}"
    failing = failing_cases(run)
    flipped = [c for c in failing if fixes and c in file.vulnerable]
    broken = sorted(c for c in failing if c not in flipped)
    if broken:
        text = (
            f"{file.test_path} pinned the behaviour of {file.target} on the base commit; "
            f"with the patch these case(s) fail: {', '.join(broken)}\n{run.tail(12)}"
        )
        return True, text
    text = f"{file.test_path}: {summary_line(run)} as on the base"
    if flipped:
        text += f"; marked case(s) changed with the fix: {', '.join(flipped)}"
    return False, text


def _problem(run: SandboxRun) -> str | None:
    if run.timed_out:
        return f"it did not finish in {run.duration_s:.0f}s"
    problem = stream_problem(run.outcomes)
    if problem or run.outcomes is None:
        return problem
    return None if run.outcomes.tests else "no test ran"


def failing_cases(run: SandboxRun) -> list[str]:
    """The test functions (by name, parameters aside) that failed or errored in ``run``."""
    outcomes = run.outcomes.tests if run.outcomes else {}
    return list(dict.fromkeys(case_name(n) for n, o in outcomes.items() if o in BAD))


def case_name(nodeid: str) -> str:
    """``tests/t.py::test_x[1]`` -> ``test_x``."""
    return nodeid.split("::")[-1].split("[")[0]


@contextmanager
def _written(root: Path, file: KeptCharacterization) -> Iterator[None]:
    target = root / file.test_path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(file.content, encoding="utf-8")
    try:
        yield
    finally:
        target.unlink(missing_ok=True)
