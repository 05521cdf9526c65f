"""The validation funnel on real repos: real files, ruff, bandit and pytest."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from agent import config
from agent.models import FileEdit, Finding, Patch, Stage, StageStatus, Verdict
from agent.sandbox.runner import run_command
from agent.sandbox.suite import find_suite
from agent.scan import scan
from agent.scan.files import select_files
from agent.validate.funnel import FunnelContext, validate
from tests.conftest import GitRepo, git

APP = """\
import yaml


def load(text):
    return yaml.load(text, Loader=yaml.Loader)


def shout(text):
    return text.upper()
"""
FIXED = APP.replace("yaml.load(text, Loader=yaml.Loader)", "yaml.safe_load(text)")
TESTS = """\
from app import load, shout


def test_load():
    assert load("a: 1") == {"a": 1}


def test_shout():
    assert shout("hi") == "HI"
"""

Funnel = Callable[[dict[str, str]], FunnelContext]


@pytest.fixture
def funnel(make_repo: GitRepo, tmp_path: Path) -> Funnel:
    """A repo with the given files and the context the pipeline would build for it."""

    def build(files: dict[str, str]) -> FunnelContext:
        root = make_repo(files)
        tracked = git(root, "ls-files").splitlines()
        findings = scan(root, select_files(tracked, root, ()), config.DEFAULT_IGNORE).findings
        plan = find_suite(None, sys.executable, tracked)
        baseline = run_command(list(plan.argv), root, 60) if plan.argv else None
        workdir = tmp_path / "work"
        workdir.mkdir()
        return FunnelContext(
            root=root,
            findings=findings,
            plan=plan,
            baseline=baseline,
            python=sys.executable,
            timeout_s=60,
            ignore=config.DEFAULT_IGNORE,
            workdir=workdir,
        )

    return build


def _claimed(ctx: FunnelContext, rule: str = "S506") -> Finding:
    return next(f for f in ctx.findings if f.rule == rule)


def _patch(finding: Finding, *edits: FileEdit) -> Patch:
    return Patch(
        finding_ids=(finding.id,),
        fixer="test",
        title="Load YAML safely",
        rationale="yaml.load runs arbitrary constructors",
        edits=edits,
    )


def _fix_app(ctx: FunnelContext, after: str) -> Verdict:
    return validate(_patch(_claimed(ctx), FileEdit(path="app.py", before=APP, after=after)), ctx)


def _failed(verdict: Verdict, stage: Stage) -> str:
    assert not verdict.accepted
    failed = verdict.failed_stage
    assert failed is not None
    assert failed.stage is stage, verdict.stages
    assert verdict.stages[-1] == failed  # the funnel stops at the first failure
    assert failed.detail
    return failed.detail


@pytest.fixture
def ctx(funnel: Funnel) -> FunnelContext:
    return funnel({"app.py": APP, "tests/test_app.py": TESTS})


def test_good_patch_is_accepted(ctx: FunnelContext) -> None:
    verdict = _fix_app(ctx, FIXED)
    assert verdict.accepted, verdict.stages
    assert [s.stage for s in verdict.stages] == list(Stage)
    statuses = {s.stage: s.status for s in verdict.stages}
    # no dependency, no web route, no characterization test kept, no new test
    skipped = {Stage.DEPENDENCIES, Stage.APP_SMOKE, Stage.CHARACTERIZATION, Stage.GENERATED_TEST}
    assert {k for k, s in statuses.items() if s is StageStatus.SKIPPED} == skipped
    assert all(s is StageStatus.PASSED for k, s in statuses.items() if k not in skipped)
    assert "2 passed" in verdict.stages[-1].detail
    assert verdict.tests_run
    assert (ctx.root / "app.py").read_text(encoding="utf-8") == FIXED


def test_patch_whose_base_does_not_match_fails_to_apply(ctx: FunnelContext) -> None:
    edit = FileEdit(path="app.py", before=APP.replace("text", "data"), after=FIXED)
    detail = _failed(validate(_patch(_claimed(ctx), edit), ctx), Stage.APPLIES)
    assert "app.py" in detail
    assert "does not match" in detail
    assert (ctx.root / "app.py").read_text(encoding="utf-8") == APP


def test_patch_editing_an_existing_test_is_out_of_scope(ctx: FunnelContext) -> None:
    weakened = TESTS.replace('{"a": 1}', "load('a: 1')")
    edits = (
        FileEdit(path="app.py", before=APP, after=FIXED),
        FileEdit(path="tests/test_app.py", before=TESTS, after=weakened),
    )
    detail = _failed(validate(_patch(_claimed(ctx), *edits), ctx), Stage.SCOPE)
    assert "tests/test_app.py" in detail
    assert "existing tests" in detail
    assert (ctx.root / "tests/test_app.py").read_text(encoding="utf-8") == TESTS


def test_patch_producing_invalid_python_does_not_parse(ctx: FunnelContext) -> None:
    missing_colon = FIXED.replace("def load(text):", "def load(text)")
    detail = _failed(_fix_app(ctx, missing_colon), Stage.PARSES)
    assert detail.startswith("app.py:4:")


def test_patch_adding_an_undefined_name_fails_lint(ctx: FunnelContext) -> None:
    broken = FIXED.replace("yaml.safe_load(text)", "yaml.safe_load(txt)")
    detail = _failed(_fix_app(ctx, broken), Stage.LINT)
    assert "app.py: F821" in detail


def test_patch_that_leaves_the_finding_is_rejected(ctx: FunnelContext) -> None:
    detail = _failed(_fix_app(ctx, "# reviewed\n" + APP), Stage.FINDING_GONE)
    assert detail == "still present: S506 in app.py:load"


def test_patch_that_adds_a_new_finding_is_rejected(ctx: FunnelContext) -> None:
    sneaky = FIXED.replace("return text.upper()", "return eval(text).upper()")
    detail = _failed(_fix_app(ctx, sneaky), Stage.FINDING_GONE)
    assert detail == "new: S307 in app.py:shout"


def test_patch_that_breaks_a_test_is_rejected_naming_it(ctx: FunnelContext) -> None:
    assert ctx.baseline is not None
    assert ctx.baseline.passed, ctx.baseline.output
    wrong = FIXED.replace("text.upper()", "text.lower()")
    detail = _failed(_fix_app(ctx, wrong), Stage.TESTS)
    assert "tests/test_app.py::test_shout" in detail
    assert "test_load" not in detail.splitlines()[0]


def test_repo_without_tests_skips_the_test_stage(funnel: Funnel) -> None:
    ctx = funnel({"app.py": APP})
    verdict = _fix_app(ctx, FIXED)
    assert verdict.accepted, verdict.stages
    tests = verdict.stages[-1]
    assert tests.stage is Stage.TESTS
    assert tests.status is StageStatus.SKIPPED
    assert "no tests" in tests.detail
    assert verdict.tests_run == ""
