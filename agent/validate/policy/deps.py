"""The non-code files a patch may touch, and only by adding to them.

requirements*.txt / requirements*.in may gain lines naming a dependency the fixer
declares. pyproject.toml may change only in ``project.dependencies`` (compared as parsed
TOML), and only by adding declared dependencies; its ``[tool.*]`` tables are lint, type
and test configuration and never change. ``.env.example`` may gain ``NAME=`` entries.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath
from typing import Any

from agent.models import FileEdit

__all__ = [
    "env_example_refusal",
    "is_requirements_file",
    "pyproject_refusal",
    "requirements_refusal",
]

_REQUIREMENTS_NAME = re.compile(r"requirements[\w.-]*\.(?:txt|in)")
_REQUIREMENT = re.compile(
    r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[\w,\s.-]*\])?\s*(?:[<>=!~][<>=!~\w.*+,\s-]*)?$"
)
_ENV_ENTRY = re.compile(r"^\s*(?:#.*|(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=.*)?$")
_NO_DEPENDENCY = "a dependency file may change only for a dependency the fixer declares"


def is_requirements_file(path: str) -> bool:
    return bool(_REQUIREMENTS_NAME.fullmatch(PurePosixPath(path).name))


def requirements_refusal(edit: FileEdit, declared: Sequence[str]) -> str | None:
    """Why a requirements edit is refused: it removes lines or adds undeclared ones."""
    if not declared:
        return _NO_DEPENDENCY
    added = _added_lines(edit)
    if added is None:
        return "lines may only be added to a dependency file, never removed or changed"
    return _undeclared(added, declared)


def env_example_refusal(edit: FileEdit) -> str | None:
    added = _added_lines(edit)
    if added is None:
        return "entries may only be added to .env.example, never removed or changed"
    odd = [line for line in added if not _ENV_ENTRY.match(line)]
    return f"only NAME= entries may be added to .env.example, not {odd[0]!r}" if odd else None


def pyproject_refusal(edit: FileEdit, declared: Sequence[str]) -> str | None:
    """Why a pyproject.toml edit is refused; only added declared dependencies pass."""
    before, after = _toml(edit.before or ""), _toml(edit.after)
    if before is None or after is None:
        return "the edit leaves pyproject.toml unparsable or it was already"
    if before.get("tool") != after.get("tool"):
        return "[tool.*] configuration (lint, type check, tests) may not be changed"
    old, new = _dependencies(before), _dependencies(after)
    if _without_dependencies(before) != _without_dependencies(after):
        return "only project.dependencies may change in pyproject.toml"
    if old == new:
        return None
    if not declared:
        return _NO_DEPENDENCY
    if Counter(old) - Counter(new):
        return "project.dependencies may only gain entries, never lose or change them"
    return _undeclared(list((Counter(new) - Counter(old)).elements()), declared)


def _added_lines(edit: FileEdit) -> list[str] | None:
    """The non-blank lines ``edit`` adds, or None when it removes or changes any."""
    old = Counter(line.strip() for line in (edit.before or "").splitlines() if line.strip())
    new = Counter(line.strip() for line in edit.after.splitlines() if line.strip())
    return None if old - new else list((new - old).elements())


def _undeclared(requirements: Iterable[str], declared: Sequence[str]) -> str | None:
    names = {_normalised(d) for d in declared}
    for requirement in requirements:
        match = _REQUIREMENT.match(requirement)
        if match is None or _normalised(match.group(1)) not in names:
            return f"adds {requirement!r}, not a dependency the fixer declares"
    return None


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _toml(text: str) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def _project(data: dict[str, Any]) -> dict[str, Any]:
    project = data.get("project", {})
    return project if isinstance(project, dict) else {"": project}


def _dependencies(data: dict[str, Any]) -> list[str]:
    deps = _project(data).get("dependencies", [])
    return [str(d) for d in deps] if isinstance(deps, list) else [repr(deps)]


def _without_dependencies(data: dict[str, Any]) -> dict[str, Any]:
    project = {k: v for k, v in _project(data).items() if k != "dependencies"}
    return {**data, "project": project}
