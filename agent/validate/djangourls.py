"""Django views: the functions a project's ``urls.py`` files route to, by module.

``path("notes/<int:pk>/", views.detail)`` and ``re_path(...)`` entries whose view is
``<imported module>.<function>`` or an imported function name are resolved through the
urls module's imports (``from . import views``, ``from notes import views``,
``from .views import detail``). Class-based views and ``include()`` targets are left out;
the routes of an included urls.py are found in that file.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from agent.scan.parse import parse_python
from agent.scan.source import read_or_empty

__all__ = ["django_views"]

_ROUTERS = frozenset({"path", "re_path", "url"})


def django_views(root: Path, modules: Iterable[tuple[Path, str]]) -> dict[str, frozenset[str]]:
    """The view functions by module, from each ``(path, module)`` that is a urls.py."""
    found: dict[str, set[str]] = {}
    for path, module in modules:
        if path.name == "urls.py":
            for target, function in _views(read_or_empty(path), module):
                found.setdefault(target, set()).add(function)
    return {module: frozenset(names) for module, names in found.items()}


def _views(source: str, module: str) -> list[tuple[str, str]]:
    try:
        tree = parse_python(source)
    except (SyntaxError, ValueError):
        return []
    names = _imported(tree, module.rpartition(".")[0])
    views: list[tuple[str, str]] = []
    for node in ast.walk(tree):
        view = _view(node)
        if isinstance(view, ast.Attribute) and isinstance(view.value, ast.Name):
            target = names.get(view.value.id)
            views += [(target, view.attr)] if target else []
        elif isinstance(view, ast.Name) and view.id in names:
            target, _, function = names[view.id].rpartition(".")
            views += [(target, function)] if target else []
    return views


def _view(node: ast.AST) -> ast.expr | None:
    """The view argument of a ``path(...)``/``re_path(...)`` call, or None."""
    if not (isinstance(node, ast.Call) and len(node.args) >= 2):
        return None
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return node.args[1] if name in _ROUTERS else None


def _imported(tree: ast.Module, package: str) -> dict[str, str]:
    """Local name -> the dotted name it stands for, from the module's ``from`` imports."""
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            base = _absolute(node.module or "", node.level, package)
            for alias in node.names:
                names[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
        elif isinstance(node, ast.Import):
            names |= {a.asname or a.name: a.name for a in node.names}
    return names


def _absolute(module: str, level: int, package: str) -> str:
    if level == 0:
        return module
    parts = package.split(".") if package else []
    base = parts[: len(parts) - (level - 1)] if level > 1 else parts
    return ".".join([*base, *([module] if module else [])])
