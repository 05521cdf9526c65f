"""The validation funnel: cheapest checks first, stop at the first failure.

applies -> scope -> parses -> lint (no new ruff F errors) -> finding-gone (claimed
findings gone, no new finding) -> dependencies (an env that has them) -> smoke (the changed
modules and the app's entry modules still import: agent.validate.smoke) -> app-smoke (the web
routes and command-line entry points the patch reaches run as on the base:
agent.validate.appsmoke) -> characterization (the tests a model wrote and harden kept at the
base for the functions it changes still pass: agent.validate.characterization) -> generated-test
(a new test file passes 3 runs, raises coverage or fails before the fix, and changes no
other file; see agent.testgen.checks, agent.validate.fingerprint) -> tests (the repo's existing
tests that reach the changed code, in the worktree, the patch's new files removed for the
run, judged test by test against the baseline run: agent.validate.suite_stage).

A rejected patch is a Verdict, not an exception. The patch is written to the worktree
from the parses stage on; the caller resets the worktree when the verdict is a rejection.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agent.models import (
    Finding,
    Patch,
    Priority,
    RuntimeEvidence,
    Stage,
    StageResult,
    StageStatus,
    Verdict,
)
from agent.sandbox.coverage import LineCoverage
from agent.sandbox.depenv import DependencyError, python_with
from agent.sandbox.runner import SandboxRun, unconfined_refusal
from agent.sandbox.suite import NO_TESTS_COLLECTED, Suite, collected_nothing
from agent.scan import scan
from agent.scan.files import is_test_file
from agent.scan.parse import parse_python
from agent.scan.ruff import ruff_argv
from agent.scan.source import SourceEncodingError, read_file, write_file
from agent.testgen.checks import (
    GeneratedTestRunner,
    check_generated_test,
    fate_detail,
    new_test_file,
)
from agent.validate.appsmoke import app_smoke_stage
from agent.validate.characterization import characterization_stage
from agent.validate.characterize_check import Characterized
from agent.validate.evasion import evasion
from agent.validate.fingerprint import changed_files, fingerprint
from agent.validate.policy.check import policy_violations
from agent.validate.smoke import SmokeCache, SmokeRun, smoke_stage
from agent.validate.suite_stage import SuiteCheck, SuiteRuns, run_tests
from agent.validate.websmoke import WebCache, WebRun

__all__ = ["FunnelContext", "FunnelResult", "finding_key", "run_funnel", "validate"]


@dataclass(frozen=True)
class FunnelContext:
    root: Path
    findings: Sequence[Finding]
    plan: Suite
    baseline: SandboxRun | None
    python: str
    timeout_s: float
    ignore: Sequence[str]
    workdir: Path
    dependencies: tuple[str, ...] = ()  # added by fixes already committed on the branch
    smoke: SmokeCache = field(default_factory=SmokeCache)  # the run's base imports
    web: WebCache = field(default_factory=WebCache)  # the run's base answers of web routes
    characterized: Characterized = field(default_factory=Characterized)  # kept at the base
    coverage: LineCoverage | None = None  # the base run's map of tests to lines
    suite_runs: SuiteRuns = field(default_factory=SuiteRuns)  # counted over the run


@dataclass
class _State:
    """What earlier stages learned and later ones need."""

    patch: Patch
    python: str
    tests_run: str = ""
    findings_after: tuple[Finding, ...] = ()  # the finding-gone stage's scan of the patch


Check = Callable[[_State, FunnelContext], StageResult]


@dataclass(frozen=True)
class FunnelResult:
    verdict: Verdict
    findings_after: tuple[Finding, ...]  # the patched Python files' findings, once scanned


def validate(patch: Patch, ctx: FunnelContext) -> Verdict:
    return run_funnel(patch, ctx).verdict


def run_funnel(patch: Patch, ctx: FunnelContext) -> FunnelResult:
    """The verdict, and the scan the finding-gone stage made (so no one scans again)."""
    state = _State(patch=patch, python=ctx.python)
    results: list[StageResult] = []
    for check in _STAGES:
        result = check(state, ctx)
        results.append(result)
        if result.status is StageStatus.FAILED:
            break
    evidence = _evidence(results)
    verdict = Verdict(
        patch=patch, stages=tuple(results), tests_run=state.tests_run, evidence=evidence
    )
    return FunnelResult(verdict, state.findings_after)


def _evidence(results: Sequence[StageResult]) -> RuntimeEvidence:
    """The strongest stage that ran the patched code and passed."""
    passed = {r.stage for r in results if r.status is StageStatus.PASSED}
    if Stage.TESTS in passed:
        return RuntimeEvidence.TESTS
    if Stage.CHARACTERIZATION in passed:
        return RuntimeEvidence.CHARACTERIZATION
    smoked = passed & {Stage.SMOKE, Stage.APP_SMOKE}
    return RuntimeEvidence.SMOKE if smoked else RuntimeEvidence.NONE


def _ok(stage: Stage, detail: str = "") -> StageResult:
    return StageResult(stage=stage, status=StageStatus.PASSED, detail=detail)


def _fail(stage: Stage, detail: str) -> StageResult:
    return StageResult(stage=stage, status=StageStatus.FAILED, detail=detail)


def _skip(stage: Stage, detail: str) -> StageResult:
    return StageResult(stage=stage, status=StageStatus.SKIPPED, detail=detail)


def _applies(state: _State, ctx: FunnelContext) -> StageResult:
    for edit in state.patch.edits:
        target = ctx.root / edit.path
        current = read_file(target) if target.is_file() else None
        if current != edit.before:
            what = "already exists" if edit.before is None else "does not match the patch's base"
            return _fail(Stage.APPLIES, f"{edit.path}: the file {what}")
    return _ok(Stage.APPLIES, f"{len(state.patch.edits)} file(s)")


def _scope(state: _State, ctx: FunnelContext) -> StageResult:
    paths = {f.path for f in ctx.findings if f.id in state.patch.finding_ids}
    refused = policy_violations(state.patch, ctx.root, paths)
    if refused:
        return _fail(Stage.SCOPE, "; ".join(refused))
    for edit in state.patch.edits:
        try:
            write_file(ctx.root / edit.path, edit.after)
        except SourceEncodingError as exc:
            return _fail(Stage.SCOPE, f"{edit.path}: {exc}")
    return _ok(Stage.SCOPE, ", ".join(e.path for e in state.patch.edits))


def _python_edits(patch: Patch) -> list[str]:
    return [e.path for e in patch.edits if e.path.endswith(".py")]


def _parses(state: _State, ctx: FunnelContext) -> StageResult:
    for edit in state.patch.edits:
        if edit.path.endswith(".py"):
            try:
                parse_python(edit.after, filename=edit.path)
            except SyntaxError as exc:
                return _fail(Stage.PARSES, f"{edit.path}:{exc.lineno}: {exc.msg}")
    return _ok(Stage.PARSES)


def _lint(state: _State, ctx: FunnelContext) -> StageResult:
    new: list[str] = []
    for edit in state.patch.edits:
        if edit.path.endswith(".py"):
            before = _ruff_f_errors(ctx.root, edit.path, edit.before or "")
            after = _ruff_f_errors(ctx.root, edit.path, edit.after)
            new += [f"{edit.path}: {code}" for code in (Counter(after) - Counter(before))]
    if new:
        return _fail(Stage.LINT, "new ruff F errors: " + ", ".join(sorted(new)))
    return _ok(Stage.LINT, "no new ruff F errors")


def _ruff_f_errors(root: Path, path: str, text: str) -> list[str]:
    argv = ruff_argv("F", [], stdin_filename=path)
    done = subprocess.run(
        argv, cwd=root, input=text, capture_output=True, text=True, timeout=120, check=True
    )
    return [f"{item['code']} {item['message']}" for item in json.loads(done.stdout or "[]")]


def _finding_gone(state: _State, ctx: FunnelContext) -> StageResult:
    """Every Python file the patch writes is scanned, new test files included."""
    changed = _python_edits(state.patch)
    scanned = scan(ctx.root, changed, ignore=ctx.ignore).findings
    after = state.findings_after = tuple(f for f in scanned if not _test_idiom(f))
    before = [f for f in ctx.findings if f.path in changed]
    claimed = [f for f in before if f.id in state.patch.finding_ids]
    allowed = Counter(finding_key(f) for f in before) - Counter(finding_key(f) for f in claimed)
    excess = Counter(finding_key(f) for f in after) - allowed
    if excess:
        still = {k for k in excess if k in {finding_key(f) for f in claimed}}
        lines = [
            f"{'still present' if k in still else 'new'}: {k[0]} in {k[1]}:{k[2]}" for k in excess
        ]
        return _fail(Stage.FINDING_GONE, "; ".join(sorted(lines)))
    hidden = _hidden(state.patch, claimed)
    if hidden:
        return _fail(Stage.FINDING_GONE, hidden)
    return _ok(Stage.FINDING_GONE, f"{len(claimed)} finding(s) gone, none new")


def _test_idiom(finding: Finding) -> bool:
    """In a test file only security findings count, and not what tests do on purpose
    (assert, fake passwords, temp paths, print)."""
    if not is_test_file(finding.path):
        return False
    return finding.priority is not Priority.SECURITY or finding.rule in _TEST_IDIOMS


def _hidden(patch: Patch, claimed: Sequence[Finding]) -> str | None:
    """The first claimed finding the patch still reaches by other means (agent.validate.evasion)."""
    edits = {e.path: e for e in patch.edits if e.before is not None}
    for finding in claimed:
        edit = edits.get(finding.path)
        found = evasion(finding, edit.before or "", edit.after) if edit else None
        if found:
            return f"{finding.rule} in {finding.path}:{finding.symbol} is hidden, not gone: {found}"
    return None


_TEST_IDIOMS = frozenset({"S101", "S105", "S106", "S107", "S108", "S311", "T201", "T203"})


def finding_key(f: Finding) -> tuple[str, str, str]:
    """What makes two findings the same one, line moves aside: rule, file and symbol."""
    return f.rule, f.path, f.symbol


def _dependencies(state: _State, ctx: FunnelContext) -> StageResult:
    deps = tuple(sorted({*ctx.dependencies, *state.patch.dependencies}))
    if not deps:
        return _skip(Stage.DEPENDENCIES, "no new dependency")
    try:
        state.python = python_with(ctx.python, deps, ctx.workdir)
    except DependencyError as exc:
        return _fail(Stage.DEPENDENCIES, f"cannot install {', '.join(deps)} to test: {exc}")
    where = "the project env" if state.python == ctx.python else "a layered throw-away env"
    return _ok(Stage.DEPENDENCIES, f"{', '.join(deps)} available in {where}")


def _smoke(state: _State, ctx: FunnelContext) -> StageResult:
    prefix = Path(state.python).parent if state.python != ctx.python else None
    run = SmokeRun(ctx.root, state.python, ctx.timeout_s, ctx.smoke, prefix)
    return smoke_stage(state.patch, run)


def _app_smoke(state: _State, ctx: FunnelContext) -> StageResult:
    prefix = Path(state.python).parent if state.python != ctx.python else None
    run = WebRun(ctx.root, state.python, ctx.timeout_s, ctx.web, prefix)
    return app_smoke_stage(state.patch, run)


def _characterization(state: _State, ctx: FunnelContext) -> StageResult:
    prefix = Path(state.python).parent if state.python != ctx.python else None
    runner = GeneratedTestRunner(ctx.root, state.python, ctx.timeout_s, path_prefix=prefix)
    present = {f.id for f in ctx.findings}
    return characterization_stage(state.patch, ctx.characterized.kept, runner, present)


def _generated_test(state: _State, ctx: FunnelContext) -> StageResult:
    refused = unconfined_refusal() if state.patch.model else None
    if refused and new_test_file(state.patch) is not None:
        return _fail(Stage.GENERATED_TEST, fate_detail("did not run", refused))
    prefix = Path(state.python).parent if state.python != ctx.python else None
    runner = GeneratedTestRunner(ctx.root, state.python, ctx.timeout_s, path_prefix=prefix)
    before = fingerprint(ctx.root)
    result = check_generated_test(state.patch, ctx.findings, runner)
    changed = changed_files(before, fingerprint(ctx.root))
    if changed and result.status is not StageStatus.FAILED:
        text = f"it changed files of the worktree that it does not own: {changed}"
        return _fail(Stage.GENERATED_TEST, fate_detail("failed", text))
    return result


def _tests(state: _State, ctx: FunnelContext) -> StageResult:
    """The existing suite's tests that reach the patch (agent.validate.suite_stage)."""
    if ctx.plan.argv is None or ctx.baseline is None:
        return _skip(Stage.TESTS, f"skipped: {ctx.plan.source}")
    if ctx.baseline.timed_out:
        return _fail(Stage.TESTS, "cannot verify: the test suite hangs at the base commit")
    if collected_nothing(ctx.plan, ctx.baseline):
        return _skip(Stage.TESTS, f"skipped: {NO_TESTS_COLLECTED}")
    check = SuiteCheck(
        ctx.root, ctx.plan, ctx.baseline, ctx.python, ctx.timeout_s, ctx.coverage, ctx.suite_runs
    )
    result, state.tests_run = run_tests(state.patch, state.python, check)
    return result


_STAGES: tuple[Check, ...] = (
    _applies,
    _scope,
    _parses,
    _lint,
    _finding_gone,
    _dependencies,
    _smoke,
    _app_smoke,
    _characterization,
    _generated_test,
    _tests,
)
