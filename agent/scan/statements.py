"""Map a line of a module to the first line of the statement it belongs to.

Detectors point at different lines of one problem: ruff reports a hard-coded password
default (S107) at the parameter, bandit (B107) at the ``def``. Both lines belong to the
same statement header, so both anchor to the same line and merge into one finding. A
compound statement (def, class, if, for, while, with, try) anchors only its header, from
its first line (decorators included) to the line before its body; a simple statement
anchors all its lines.
"""

from __future__ import annotations

import ast

__all__ = ["StatementIndex"]


class StatementIndex:
    """The innermost statement (or statement header) around each line."""

    def __init__(self, tree: ast.Module) -> None:
        self._spans: list[tuple[int, int]] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.stmt):
                self._spans.append(_span(node))

    def anchor(self, line: int) -> int:
        """The first line of the innermost statement (header) holding ``line``."""
        inside = [s for s in self._spans if s[0] <= line <= s[1]]
        return min(inside, key=lambda s: s[1] - s[0])[0] if inside else line


def _span(node: ast.stmt) -> tuple[int, int]:
    decorators = getattr(node, "decorator_list", [])
    start = min([node.lineno, *(d.lineno for d in decorators)])
    body = getattr(node, "body", None)
    if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
        return start, max(start, body[0].lineno - 1)
    return start, node.end_lineno or node.lineno
