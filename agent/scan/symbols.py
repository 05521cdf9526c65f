"""Map a line of a module to the qualified name of the function or class around it."""

from __future__ import annotations

import ast
from dataclasses import dataclass

__all__ = ["MODULE_SYMBOL", "SymbolIndex"]

MODULE_SYMBOL = "<module>"
_Scope = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@dataclass(frozen=True)
class _Span:
    name: str
    start: int
    end: int


class SymbolIndex:
    """The spans of every def and class in a module, innermost first on lookup."""

    def __init__(self, tree: ast.Module) -> None:
        self._spans: list[_Span] = []
        self._collect(tree, "")

    def _collect(self, node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, _Scope):
                name = f"{prefix}{child.name}"
                start = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                self._spans.append(_Span(name, start, child.end_lineno or child.lineno))
                self._collect(child, f"{name}.")
            else:
                self._collect(child, prefix)

    def symbol_at(self, line: int) -> str:
        """The innermost symbol containing ``line``, or ``<module>``."""
        inside = [s for s in self._spans if s.start <= line <= s.end]
        if not inside:
            return MODULE_SYMBOL
        return min(inside, key=lambda s: s.end - s.start).name
