"""The patch scope policy, checked before a patch is written anywhere.

A patch may change the file(s) of the findings it claims, add new test modules under tests/,
add declared dependencies to requirements*/pyproject.toml ``project.dependencies``, and
add entries to .env.example. Everything else is refused with a reason naming the file:

- paths: absolute, ``..``, backslashes, through a symlink, into .git (agent.validate.policy.paths);
- protected files: CI, lint/type/test configuration (conftest.py included), and the
  ``[tool.*]`` tables of pyproject.toml;
- content: binary, oversized, grown tenfold, deleted, new scripts (agent.validate.policy.content);
- secrets: a redacted secret's placeholder added anywhere (agent.redaction.secrets);
- weakening an edited file: assertions removed or made true, new skips, xfails or
  suppression comments (agent.validate.policy.content);
- imports: production code newly importing test code (agent.validate.policy.imports);
- tampering: code reaching for the test runner or the process's exit (agent.validate.policy.tamper);
- placement: existing tests, new files outside tests/ or under tests/ but not named
  ``test_*.py``/``*_test.py`` (no config, packaging, ``sitecustomize``, ``.pth``, data or
  script files), unrelated files, and dependency files changed beyond added declared
  dependencies (agent.validate.policy.deps).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path, PurePosixPath

from agent.models import FileEdit, Patch
from agent.redaction.secrets import stray_placeholders
from agent.scan.files import is_test_file, under_tests
from agent.validate.policy.content import (
    content_refusal,
    size_of,
    suppression_refusal,
    weakening_refusal,
)
from agent.validate.policy.deps import (
    env_example_refusal,
    is_requirements_file,
    pyproject_refusal,
    requirements_refusal,
)
from agent.validate.policy.imports import importing_tests_refusal
from agent.validate.policy.paths import path_refusal
from agent.validate.policy.tamper import tamper_refusal

__all__ = ["MAX_PATCH_BYTES", "policy_violations"]

MAX_PATCH_BYTES = 1_000_000
_TEST_MODULE = re.compile(r"(?:test_[A-Za-z0-9_]+|[A-Za-z0-9_]+_test)\.py", re.ASCII)
_CI_PARTS = frozenset(
    {
        ".github",
        ".gitlab",
        ".gitlab-ci.yml",
        ".ci",
        ".circleci",
        ".buildkite",
        ".travis.yml",
        "Jenkinsfile",
        "azure-pipelines.yml",
        "bitbucket-pipelines.yml",
        ".pre-commit-config.yaml",
    }
)
_CONFIG_NAMES = frozenset(
    {
        "setup.cfg",
        "tox.ini",
        "noxfile.py",
        "pytest.ini",
        "mypy.ini",
        ".mypy.ini",
        ".flake8",
        "ruff.toml",
        ".ruff.toml",
        ".coveragerc",
        ".pylintrc",
        "pylintrc",
        ".bandit",
        "conftest.py",
        ".hardenignore",
    }
)


def policy_violations(patch: Patch, root: Path, finding_paths: Collection[str]) -> list[str]:
    """Why each out-of-scope edit of ``patch`` is refused; empty when all are allowed."""
    refused = [
        f"{edit.path}: {reason}"
        for edit in patch.edits
        for reason in [_refusal(edit, patch, root, finding_paths)]
        if reason
    ]
    return refused + _oversized(patch)


def _refusal(
    edit: FileEdit, patch: Patch, root: Path, finding_paths: Collection[str]
) -> str | None:
    return (
        path_refusal(edit.path, root)
        or _protected(edit)
        or content_refusal(edit)
        or importing_tests_refusal(edit)
        or _placeholder_refusal(edit)
        or _placement(edit, patch, finding_paths)
        or tamper_refusal(edit)
    )


def _placeholder_refusal(edit: FileEdit) -> str | None:
    """A redacted secret's placeholder written where the original code did not have it."""
    stray = stray_placeholders(edit.before, edit.after)
    if not stray:
        return None
    return (
        f"{', '.join(stray)}: a redacted secret may only stay where it stood; "
        "this patch writes its placeholder somewhere new"
    )


def _protected(edit: FileEdit) -> str | None:
    parts = PurePosixPath(edit.path).parts
    if set(parts) & _CI_PARTS:
        return "CI configuration may not be changed"
    if parts[-1] in _CONFIG_NAMES:
        return "lint, test or type-check configuration may not be changed"
    return None


def _placement(edit: FileEdit, patch: Patch, finding_paths: Collection[str]) -> str | None:
    is_new = edit.before is None
    if edit.path in finding_paths:
        return weakening_refusal(edit)
    if is_new and under_tests(edit.path):
        return _new_test_refusal(edit)
    if is_test_file(edit.path):
        return (
            "new test files belong under tests/" if is_new else "existing tests may not be changed"
        )
    if PurePosixPath(edit.path).name == "pyproject.toml":
        return pyproject_refusal(edit, patch.dependencies)
    if is_requirements_file(edit.path):
        return requirements_refusal(edit, patch.dependencies)
    if PurePosixPath(edit.path).name == ".env.example":
        return env_example_refusal(edit)
    if is_new:
        return "new files may only be added under tests/"
    return "outside the files of the findings this patch fixes"


def _new_test_refusal(edit: FileEdit) -> str | None:
    if not _TEST_MODULE.fullmatch(PurePosixPath(edit.path).name):
        return "a new file under tests/ must be a test module named test_*.py or *_test.py"
    return suppression_refusal(edit)


def _oversized(patch: Patch) -> list[str]:
    total = sum(size_of(edit.after) for edit in patch.edits)
    if total <= MAX_PATCH_BYTES:
        return []
    paths = ", ".join(edit.path for edit in patch.edits)
    return [f"{paths}: {total:,} bytes in all; a patch may write at most 1 MB"]
