"""One walk over a module's AST, shared by every check: its nodes by type, and its imports.

``ast.walk`` is most of a check's cost (every node's children listed again on each walk),
so ``ast_findings`` walks each module once and hands the nodes to the checks, which ask for
the kinds of node they look at (``walk.of(ast.Call)``), in ``ast.walk``'s order.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from functools import cached_property
from typing import TypeVar

from agent.scan.checks._names import import_names, import_roots

__all__ = ["ModuleWalk"]

_Node = TypeVar("_Node", bound=ast.AST)


class ModuleWalk:
    """A module's tree and its nodes in ``ast.walk`` order, grouped by their type."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.nodes = list(ast.walk(tree))
        self._by_type: dict[type[ast.AST], list[ast.AST]] = defaultdict(list)
        for node in self.nodes:
            self._by_type[type(node)].append(node)

    def of(self, kind: type[_Node]) -> list[_Node]:
        """The nodes of ``kind`` (an exact node class: ast has no subclasses of them)."""
        return self._by_type.get(kind, [])  # type: ignore[return-value]

    @cached_property
    def imports(self) -> list[ast.Import | ast.ImportFrom]:
        return [n for n in self.nodes if isinstance(n, ast.Import | ast.ImportFrom)]

    @cached_property
    def imported_names(self) -> dict[str, str]:
        """Local name -> qualified name, as ``_names.imported_names`` says."""
        return import_names(self.imports)

    @cached_property
    def imported_roots(self) -> set[str]:
        return import_roots(self.imports)

    @cached_property
    def functions(self) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        kinds = ast.FunctionDef | ast.AsyncFunctionDef
        return [n for n in self.nodes if isinstance(n, kinds)]
