"""The funnel's generated-test stage: a new test file under tests/ must earn its place.

In order, stopping at the first failure (TestGen-LLM's funnel), each outcome a fate:

- did not run: the file collected no test, or failed to import or collect;
- failed: it fails on the patched code;
- flaky: it passed, then failed, within ``RUNS`` runs of that file alone;
- no coverage gain: for a tests-priority target (``HT101``), it executes none of the
  target's body lines. Such a target is by definition reached by no test of the base
  suite, so any executed body line raises its line coverage. For a fix the check is
  skipped: a regression test proves itself by failing before the fix (next check), and a
  bug often sits in lines the suite already runs, where coverage cannot rise;
- passes on pre-patch code: the patch also changes non-test code, so the test claims to
  catch the bug it fixes, yet it passes with those changes reverted;
- kept.

The stage's detail starts with ``"<fate>: "``; `agent.testgen.fates` reads it back.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from agent.models import (
    FileEdit,
    Finding,
    GeneratedTestFateKind,
    Patch,
    Stage,
    StageResult,
    StageStatus,
)
from agent.sandbox.coverage import LineCoverage, measure
from agent.sandbox.judge import judge_single_file
from agent.sandbox.outcomes import PLUGIN_ARGS
from agent.sandbox.runner import SandboxRun, run_command
from agent.sandbox.suite import summary_line
from agent.scan.files import is_test_file, under_tests
from agent.scan.parse import parse_python
from agent.scan.source import read_source
from agent.testgen.coverage_targets import TARGET_RULE
from agent.testgen.functions import find_function

__all__ = ["RUNS", "GeneratedTestRunner", "check_generated_test", "fate_detail", "new_test_file"]

RUNS = 3
_NOT_RUN_EXIT_CODES = frozenset({2, 3, 4, 5})  # interrupted, internal, usage, no tests
_PYTEST_ARGS = ("-q", "-rfE", "-p", "no:cacheprovider")


@dataclass(frozen=True)
class GeneratedTestRunner:
    """Runs one test file with the funnel's interpreter, sandboxed, in the worktree."""

    root: Path
    python: str
    timeout_s: float
    path_prefix: Path | None = None

    def run(self, path: str) -> SandboxRun:
        argv = [self.python, "-m", "pytest", *PLUGIN_ARGS, *_PYTEST_ARGS, path]
        return run_command(argv, self.root, self.timeout_s, self.path_prefix, outcomes=True)

    def measure(self, path: str) -> tuple[SandboxRun, LineCoverage | None]:
        args = [*_PYTEST_ARGS, path]
        return measure(self.python, args, self.root, self.timeout_s, self.path_prefix, True)


def new_test_file(patch: Patch) -> FileEdit | None:
    """The Python file the patch adds under tests/, if it adds one."""
    return next(
        (e for e in patch.edits if e.before is None and under_tests(e.path) and _is_py(e.path)),
        None,
    )


def fate_detail(fate: GeneratedTestFateKind, text: str) -> str:
    return f"{fate}: {text}"


def check_generated_test(
    patch: Patch, findings: Sequence[Finding], runner: GeneratedTestRunner
) -> StageResult:
    """The fate of the patch's new test file as a stage result (skipped when there is none)."""
    test = new_test_file(patch)
    if test is None:
        return StageResult(stage=Stage.GENERATED_TEST, status=StageStatus.SKIPPED, detail="none")
    target = _coverage_target(patch, findings)
    first, measured = runner.measure(test.path) if target else (runner.run(test.path), None)
    verdict = _first_run(first) or _stable(runner, test.path)
    if verdict is None and target is not None:
        verdict = _coverage_gain(runner.root, target, measured)
    if verdict is None and _fix_edits(patch):
        verdict = _fails_before(runner, test.path, _fix_edits(patch))
    return verdict or _result("kept", _kept_detail(target, measured, patch, runner.root))


def _is_py(path: str) -> bool:
    return path.endswith(".py")


def _result(fate: GeneratedTestFateKind, text: str) -> StageResult:
    status = StageStatus.PASSED if fate == "kept" else StageStatus.FAILED
    return StageResult(stage=Stage.GENERATED_TEST, status=status, detail=fate_detail(fate, text))


def _coverage_target(patch: Patch, findings: Sequence[Finding]) -> Finding | None:
    """The untested function this test-only patch claims to cover, if it claims one."""
    if _fix_edits(patch):
        return None
    claimed = [f for f in findings if f.id in patch.finding_ids and f.rule == TARGET_RULE]
    return claimed[0] if claimed else None


def _fix_edits(patch: Patch) -> list[FileEdit]:
    return [e for e in patch.edits if not is_test_file(e.path)]


def _first_run(run: SandboxRun) -> StageResult | None:
    if run.timed_out:
        return _result("failed", f"did not finish in {run.duration_s:.0f}s")
    if run.exit_code in _NOT_RUN_EXIT_CODES:
        return _result("did not run", f"{summary_line(run)}\n{run.tail(8)}")
    failed = _failure(run)
    if failed:
        return _result(failed[0], f"{failed[1]}\n{run.tail(8)}")
    return None


def _failure(run: SandboxRun) -> tuple[GeneratedTestFateKind, str] | None:
    """Why the run of one test file did not pass, judged by its per-test outcomes."""
    judged = judge_single_file(run.outcomes)
    if judged is not None:
        fate: GeneratedTestFateKind = "did not run" if judged[0] == "did not run" else "failed"
        return fate, f"{judged[1]} ({summary_line(run)})"
    if not run.passed:
        return "failed", summary_line(run)
    return None


def _stable(runner: GeneratedTestRunner, path: str) -> StageResult | None:
    """Passed once already; ``RUNS - 1`` more runs must pass too."""
    for done in range(1, RUNS):
        run = runner.run(path)
        failed = _failure(run)
        if failed:
            text = f"passed {done} run(s), then failed run {done + 1} of {RUNS}"
            return _result("flaky", f"{text}: {failed[1]}\n{run.tail(8)}")
    return None


def _body(root: Path, target: Finding) -> range | None:
    try:
        tree = parse_python(read_source(root / target.path))
    except (OSError, SyntaxError, ValueError):
        return None
    found = find_function(tree, target.symbol)
    return found.body if found else None


def _coverage_gain(
    root: Path, target: Finding, measured: LineCoverage | None
) -> StageResult | None:
    body = _body(root, target)
    name = f"{target.path}::{target.symbol}"
    if measured is None or body is None:
        return _result("no coverage gain", f"no coverage data for {name}")
    if not measured.executed_in(target.path, body):
        return _result("no coverage gain", f"it executes no line of {name}")
    return None


def _kept_detail(
    target: Finding | None, measured: LineCoverage | None, patch: Patch, root: Path
) -> str:
    text = f"passed {RUNS} runs in a row"
    body = _body(root, target) if target else None
    if target and measured and body:
        ran = len(measured.executed_in(target.path, body))
        total = len(measured.statements_in(target.path, body))
        text += f"; line coverage of {target.path}::{target.symbol} rose from 0 to {ran}/{total}"
    if _fix_edits(patch):
        text += "; fails on the pre-patch code"
    return text


def _fails_before(
    runner: GeneratedTestRunner, path: str, edits: Sequence[FileEdit]
) -> StageResult | None:
    with _reverted(runner.root, edits):
        run = runner.run(path)
    if _failure(run) is None:
        return _result(
            "passes on pre-patch code",
            f"it passes with the fix reverted, so it does not catch the bug: {summary_line(run)}",
        )
    return None


@contextmanager
def _reverted(root: Path, edits: Sequence[FileEdit]) -> Iterator[None]:
    """The files as they were before ``edits``, restored exactly afterwards."""
    try:
        for edit in edits:
            _write(root / edit.path, edit.before)
        yield
    finally:
        for edit in edits:
            _write(root / edit.path, edit.after)


def _write(path: Path, text: str | None) -> None:
    if text is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(text, encoding="utf-8")
