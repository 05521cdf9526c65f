"""The patch scope policy, checked before a patch is written anywhere.

A patch may change the file(s) of the findings it claims, add dependency lines to
requirements/pyproject when its fixer declares a dependency, add entries to
.env.example, and add new test files under tests/. It may not edit existing tests, CI,
lint or type-check configuration, or reach outside the repository.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path, PurePosixPath

from agent.models import Patch
from agent.testplan import is_test_file

__all__ = ["scope_violations"]

DEPENDENCY_FILES = frozenset({"requirements.txt", "requirements.in", "pyproject.toml"})
COMPANION_FILES = frozenset({".env.example"})
_CI_PARTS = frozenset({".github", ".gitlab-ci.yml", ".ci", ".circleci", "tox.ini", "noxfile.py"})
_CONFIG_NAMES = frozenset(
    {
        "setup.cfg",
        ".pre-commit-config.yaml",
        "mypy.ini",
        "ruff.toml",
        ".ruff.toml",
        ".flake8",
        "pytest.ini",
        ".coveragerc",
    }
)


def scope_violations(patch: Patch, root: Path, finding_paths: Collection[str]) -> list[str]:
    """Why each out-of-scope edit of ``patch`` is refused; empty when all are allowed."""
    return [
        f"{edit.path}: {reason}"
        for edit in patch.edits
        for reason in [_refusal(edit.path, edit.before is None, patch, root, finding_paths)]
        if reason
    ]


def _refusal(
    path: str, is_new: bool, patch: Patch, root: Path, finding_paths: Collection[str]
) -> str | None:
    escape = _escapes(path, root)
    if escape:
        return escape
    parts = PurePosixPath(path).parts
    if set(parts) & _CI_PARTS:
        return "CI configuration may not be changed"
    if path in finding_paths:
        return None
    if is_test_file(path):
        return None if is_new and parts[0] == "tests" else "existing tests may not be changed"
    if path in DEPENDENCY_FILES and patch.dependencies:
        return None
    if path in COMPANION_FILES:
        return None
    if PurePosixPath(path).name in _CONFIG_NAMES:
        return "lint, test or type-check configuration may not be changed"
    return "outside the files of the findings this patch fixes"


def _escapes(path: str, root: Path) -> str | None:
    pure = PurePosixPath(path)
    if pure.is_absolute() or "\\" in path:
        return "absolute or non-POSIX path"
    if ".." in pure.parts:
        return "path leaves the repository"
    resolved = (root / path).resolve()
    if not resolved.is_relative_to(root.resolve()):
        return "path resolves outside the repository (symlink)"
    return None
