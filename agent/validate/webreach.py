"""The web routes a patch reaches, across the worktree (for agent.validate.websmoke).

In each changed module, the routes its change touches (agent.validate.webroutes); in every
other module that imports a changed one, the routes that call a changed function; Django
views count as routes where a ``urls.py`` routes to them (agent.validate.djangourls). At
most ``_SCAN_LIMIT`` Python files are read, test files and virtual envs left out.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from pathlib import Path

from agent.models import Patch
from agent.scan.files import is_test_file
from agent.scan.parse import parse_python
from agent.scan.source import read_or_empty
from agent.validate.djangourls import django_views
from agent.validate.smoke import module_name
from agent.validate.webroutes import Route, calling_routes, changed_functions, touched_routes

__all__ = ["reached_routes"]

_SCAN_LIMIT = 400
_SKIP_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", ".harden"})
_NONE: frozenset[str] = frozenset()


def reached_routes(patch: Patch, root: Path) -> list[Route]:
    """The routes the patch's changes reach: in the changed modules, then callers elsewhere."""
    found: list[Route] = []
    changed: dict[str, frozenset[str]] = {}
    files = list(_modules(root))
    views = django_views(root, files)
    for edit in patch.edits:
        module = _module(edit.path, root)
        if module is not None:
            found += touched_routes(module, edit.before, edit.after, views.get(module, _NONE))
            changed[module] = changed_functions(edit.before, edit.after)
    for path, module in _callers(files, changed):
        names = changed[_imported(path, changed)]
        found += calling_routes(module, read_or_empty(path), names, views.get(module, _NONE))
    return list({(r.module, r.function): r for r in found}.values())


def _module(path: str, root: Path) -> str | None:
    if not path.endswith(".py") or is_test_file(path):
        return None
    return module_name(path, root)


def _callers(
    files: list[tuple[Path, str]], changed: dict[str, frozenset[str]]
) -> Iterator[tuple[Path, str]]:
    """Other modules that import one of the changed modules."""
    if not any(changed.values()):
        return
    for path, module in files:
        if module not in changed and _imported(path, changed):
            yield path, module


def _modules(root: Path) -> Iterator[tuple[Path, str]]:
    """The worktree's Python files (tests aside) and their module names."""
    for path in _python_files(root):
        module = module_name(path.relative_to(root).as_posix(), root)
        if module:
            yield path, module


def _imported(path: Path, changed: dict[str, frozenset[str]]) -> str:
    """The changed module ``path`` imports (matched by its last name), or ''."""
    names = _import_names(read_or_empty(path))
    return next((m for m in changed if m.rsplit(".", 1)[-1] in names), "")


def _import_names(source: str) -> set[str]:
    """The last names of the modules ``source`` imports and of the names it imports from
    them (``from . import db, feeds`` gives db and feeds; ``import a.b`` gives b)."""
    try:
        tree = parse_python(source)
    except (SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names |= {a.name for a in node.names} | {(node.module or "").rsplit(".", 1)[-1]}
        elif isinstance(node, ast.Import):
            names |= {a.name.rsplit(".", 1)[-1] for a in node.names}
    return names - {""}


def _python_files(root: Path) -> Iterator[Path]:
    count = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(files):
            rel = (Path(folder) / name).relative_to(root).as_posix()
            if name.endswith(".py") and not is_test_file(rel) and count < _SCAN_LIMIT:
                count += 1
                yield Path(folder) / name
