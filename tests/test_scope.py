"""The scope policy: which files a patch may touch."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.models import FileEdit, Patch
from agent.scope import scope_violations

FINDING_PATHS = {"app.py"}


def _patch(*edits: FileEdit, dependencies: tuple[str, ...] = ()) -> Patch:
    return Patch(
        finding_ids=("abc123",),
        fixer="codemod:test",
        title="Fix",
        rationale="because",
        edits=edits,
        dependencies=dependencies,
    )


def _edit(path: str, new: bool = False) -> FileEdit:
    return FileEdit(path=path, before=None if new else "old\n", after="new\n")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    return repo


@pytest.mark.parametrize(
    "edit",
    [
        _edit("app.py"),
        _edit(".env.example"),
        _edit("tests/test_app_security.py", new=True),
        _edit("tests/unit/test_new.py", new=True),
    ],
    ids=lambda e: e.path,
)
def test_allowed_edits(root: Path, edit: FileEdit) -> None:
    assert scope_violations(_patch(edit), root, FINDING_PATHS) == []


@pytest.mark.parametrize("path", ["requirements.txt", "pyproject.toml"])
def test_dependency_files_only_with_declared_dependencies(root: Path, path: str) -> None:
    edits = (_edit("app.py"), _edit(path))
    assert scope_violations(_patch(*edits, dependencies=("defusedxml",)), root, FINDING_PATHS) == []
    refused = scope_violations(_patch(*edits), root, FINDING_PATHS)
    assert len(refused) == 1
    assert refused[0].startswith(f"{path}: ")


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (_edit("tests/test_app.py"), "existing tests may not be changed"),
        (_edit("pkg/test_new.py", new=True), "existing tests may not be changed"),
        (_edit(".github/workflows/ci.yml"), "CI configuration"),
        (_edit(".github/workflows/new.yml", new=True), "CI configuration"),
        (_edit("setup.cfg"), "configuration may not be changed"),
        (_edit("pytest.ini"), "configuration may not be changed"),
        (_edit("mypy.ini"), "configuration may not be changed"),
        (_edit("/etc/passwd"), "absolute"),
        (_edit("../outside.py"), "leaves the repository"),
        (_edit("pkg/../../outside.py"), "leaves the repository"),
        (_edit("other.py"), "outside the files of the findings"),
        (_edit("pkg/new_module.py", new=True), "outside the files of the findings"),
    ],
    ids=lambda v: v.path if isinstance(v, FileEdit) else "",
)
def test_refused_edits(root: Path, edit: FileEdit, reason: str) -> None:
    refused = scope_violations(_patch(_edit("app.py"), edit), root, FINDING_PATHS)
    assert len(refused) == 1
    assert refused[0].startswith(f"{edit.path}: ")
    assert reason in refused[0]


def test_symlink_out_of_the_repo_is_refused_even_as_the_finding_file(
    root: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("x = 1\n", encoding="utf-8")
    (root / "link.py").symlink_to(outside)
    refused = scope_violations(_patch(_edit("link.py")), root, {"link.py"})
    assert refused == ["link.py: path resolves outside the repository (symlink)"]


def test_symlinked_directory_out_of_the_repo_is_refused(root: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (root / "tests").symlink_to(tmp_path / "elsewhere")
    refused = scope_violations(_patch(_edit("tests/test_new.py", new=True)), root, set())
    assert len(refused) == 1
    assert "symlink" in refused[0]


def test_every_refused_edit_is_reported(root: Path) -> None:
    patch = _patch(_edit("app.py"), _edit("setup.cfg"), _edit("other.py"))
    refused = scope_violations(patch, root, FINDING_PATHS)
    assert [r.split(":")[0] for r in refused] == ["setup.cfg", "other.py"]
