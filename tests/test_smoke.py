"""The import smoke stage of the funnel on real repos, in the real sandbox (issue 15 §1)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from agent import config
from agent.models import FileEdit, Patch, RuntimeEvidence, Stage, StageStatus, Verdict
from agent.sandbox.suite import find_suite
from agent.scan import scan
from agent.scan.files import select_files
from agent.validate.funnel import FunnelContext, validate
from agent.validate.smoke import entry_modules, module_name
from tests.conftest import GitRepo, commit_all, git

APP = """\
import yaml


def load(text):
    return yaml.load(text, Loader=yaml.Loader)
"""
SAFE = "yaml.safe_load(text)"
UNSAFE = "yaml.load(text, Loader=yaml.Loader)"


def _context(make_repo: GitRepo, tmp_path: Path, files: dict[str, str]) -> FunnelContext:
    root = make_repo(files)
    tracked = git(root, "ls-files").splitlines()
    findings = scan(root, select_files(tracked, root, ()), config.DEFAULT_IGNORE).findings
    (tmp_path / "work").mkdir()
    return FunnelContext(
        root=root,
        findings=findings,
        plan=find_suite(None, sys.executable, tracked),
        baseline=None,
        python=sys.executable,
        timeout_s=60,
        ignore=config.DEFAULT_IGNORE,
        workdir=tmp_path / "work",
    )


def _fix(ctx: FunnelContext, before: str, after: str, path: str = "app.py") -> Verdict:
    claimed = next(f for f in ctx.findings if f.rule == "S506")
    edit = FileEdit(path=path, before=before, after=after)
    patch = Patch(
        finding_ids=(claimed.id,), fixer="test", title="safe", rationale="r", edits=(edit,)
    )
    verdict = validate(patch, ctx)
    git(ctx.root, "checkout", "-q", "--", ".")  # as the branch resets a worktree
    return verdict


def _smoke(verdict: Verdict) -> tuple[StageStatus, str]:
    stage = next(s for s in verdict.stages if s.stage is Stage.SMOKE)
    return stage.status, stage.detail


def test_imports_run_once_per_module_and_state_and_a_commit_is_the_next_base(
    make_repo: GitRepo, tmp_path: Path
) -> None:
    ctx = _context(make_repo, tmp_path, {"app.py": APP})
    fixed = APP.replace(UNSAFE, SAFE)
    first = _fix(ctx, APP, fixed)
    assert first.accepted and first.evidence is RuntimeEvidence.SMOKE
    assert _smoke(first)[1].startswith("app import(s) as on the base")
    assert len(ctx.smoke.base) == 2  # app on the base, app with the patch
    missing = APP.replace("import yaml\n", "import yaml_compat\n")
    broken = _fix(ctx, APP, missing.replace(UNSAFE, "yaml_compat.load(text)"))
    assert len(ctx.smoke.base) == 3  # the same base: only the patched import ran
    status, detail = _smoke(broken)
    assert status is StageStatus.FAILED and broken.failed_stage == broken.stages[-1]
    assert detail.endswith("ModuleNotFoundError: No module named 'yaml_compat'")
    (ctx.root / "app.py").write_text(fixed, encoding="utf-8")
    commit_all(ctx.root, "the first fix, as the branch commits it")
    later = _fix(ctx, fixed, fixed + "\n\ndef extra():\n    return 1\n")
    assert later.accepted and _smoke(later)[0] is StageStatus.PASSED
    assert len(ctx.smoke.base) == 4  # the committed state was known: no base import ran


def test_a_module_that_fails_on_the_base_is_not_held_against_the_patch(
    make_repo: GitRepo, tmp_path: Path
) -> None:
    app = "import yaml_never_installed\n" + APP
    ctx = _context(make_repo, tmp_path, {"app.py": app, "util.py": "VALUE = 1\n"})
    verdict = _fix(ctx, app, app.replace(UNSAFE, SAFE))
    status, detail = _smoke(verdict)
    assert verdict.accepted and status is StageStatus.SKIPPED
    assert "no module imports on the base" in detail and "yaml_never_installed" in detail
    assert verdict.evidence is RuntimeEvidence.NONE  # nothing ran the patched code


def test_files_an_import_creates_are_removed_so_each_import_starts_alike(
    make_repo: GitRepo, tmp_path: Path
) -> None:
    """Without the clean-up the patched import would find the base's table and fail."""
    app = APP + 'import sqlite3\nsqlite3.connect("app.db").execute("CREATE TABLE notes (x)")\n'
    ctx = _context(make_repo, tmp_path, {"app.py": app})
    verdict = _fix(ctx, app, app.replace(UNSAFE, SAFE))
    assert verdict.accepted, verdict.stages
    assert _smoke(verdict)[0] is StageStatus.PASSED
    assert not (ctx.root / "app.db").exists()


def test_an_import_that_rewrites_a_code_file_rejects_the_patch(
    make_repo: GitRepo, tmp_path: Path
) -> None:
    ctx = _context(make_repo, tmp_path, {"app.py": APP, "conftest.py": "X = 1\n"})
    planted = 'from pathlib import Path\nPath("conftest.py").write_text("X = 2\\n")\n'
    verdict = _fix(ctx, APP, APP.replace(UNSAFE, SAFE) + planted)
    status, detail = _smoke(verdict)
    assert status is StageStatus.FAILED
    assert detail == "an import changed files of the worktree: conftest.py"


def test_entry_modules_and_module_names(tmp_path: Path) -> None:
    files = {
        "app.py": "",
        "manage.py": 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_cfg.settings")\n',
        "tool/__init__.py": "",
        "tool/__main__.py": "",
        "web/__init__.py": "",
        "web/wsgi.py": "",
        "scripts/run-me.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert entry_modules(tmp_path) == ["app", "site_cfg.settings", "tool.__main__", "web.wsgi"]
    assert module_name("web/__init__.py", tmp_path) == "web"
    assert module_name("web/wsgi.py", tmp_path) == "web.wsgi"
    assert module_name("scripts/run-me.py", tmp_path) is None


@pytest.mark.parametrize("layout", ["src"])
def test_module_names_under_src(tmp_path: Path, layout: str) -> None:
    (tmp_path / layout / "pkg").mkdir(parents=True)
    assert module_name(f"{layout}/pkg/core.py", tmp_path) == "pkg.core"
    assert module_name("setup.py", tmp_path) == "setup"


def test_a_patch_that_only_adds_a_test_file_imports_nothing(
    make_repo: GitRepo, tmp_path: Path
) -> None:
    ctx = _context(make_repo, tmp_path, {"app.py": APP})
    claimed = next(f for f in ctx.findings if f.rule == "S506")
    test = FileEdit(path="tests/test_app.py", before=None, after="def test_x():\n    pass\n")
    patch = Patch(finding_ids=(claimed.id,), fixer="t", title="t", rationale="r", edits=(test,))
    stages = {s.stage: s for s in validate(patch, ctx).stages}
    assert stages[Stage.SMOKE].status is StageStatus.SKIPPED
    assert stages[Stage.SMOKE].detail == "no module changed (test files aside)"
    assert ctx.smoke.base == {}
