"""Names in a module's AST that several checks read: dotted names and imports."""

from __future__ import annotations

import ast
from collections.abc import Iterable

__all__ = ["dotted_name", "import_names", "import_roots", "imported_names"]


def dotted_name(expr: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a name; None for anything else."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        base = dotted_name(expr.value)
        return f"{base}.{expr.attr}" if base else None
    return None


def imported_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> qualified name, for every absolute import in the module."""
    return import_names(n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom))


def import_names(imports: Iterable[ast.Import | ast.ImportFrom]) -> dict[str, str]:
    """``imported_names`` of these import statements, in the module's order."""
    names: dict[str, str] = {}
    for node in imports:
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.partition(".")[0]
                names[local] = alias.name if alias.asname else local
        elif node.module and not node.level:
            names.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
    return names


def import_roots(imports: Iterable[ast.Import | ast.ImportFrom]) -> set[str]:
    """The top-level packages these import statements import (``flask`` for
    ``from flask.x import y``)."""
    roots = set()
    for node in imports:
        if isinstance(node, ast.Import):
            roots |= {a.name.partition(".")[0] for a in node.names}
        elif node.module and not node.level:
            roots.add(node.module.partition(".")[0])
    return roots
