"""Tidy the imports libcst's import visitors leave behind, so a fix's diff reads cleanly.

``AddImportsVisitor`` appends a new ``import x`` after the module's last top-level import
(often after a relative import), and ``RemoveImportsVisitor`` drops a removed import
together with the blank lines before it. :func:`tidy_imports` compares the fixed module
with the original and repairs both, on the libcst tree (statements and their
``leading_lines``), touching nothing else:

- every plain ``import x`` of a stdlib module (one name, no alias) that the fix added at
  the top level moves into the module's first block of stdlib imports, where ruff's
  isort rules (default profile) put it: among the ``import a`` lines in alphabetical
  order, before the ``from a import b`` lines. A module without such a block gets a new
  one before its first import (after the docstring and ``from __future__`` imports), set
  off from what follows by a blank line;
- when the original had a blank line between the module docstring and the first
  statement, so does the result (removing the first import takes its blank lines along).

A module laid out in a way this cannot handle safely (a new import below other code, or
one carrying comments) comes back unchanged.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TypeAlias

import libcst as cst
from libcst.helpers import get_full_name_for_node

from agent.fix.parsed import parse_cached

__all__ = ["tidy_imports"]

Statement: TypeAlias = cst.SimpleStatementLine | cst.BaseCompoundStatement


def tidy_imports(before: str, after: str, path: str = "") -> str:
    """Return ``after`` with its new stdlib imports sorted in and the docstring gap kept
    (``before``, the text of ``path``, is parsed once per run: ``parse_cached``)."""
    try:
        old, new = parse_cached(path, before), cst.parse_module(after)
    except cst.ParserSyntaxError:
        return after
    body: list[Statement] | None = list(new.body)
    added = set(_plain_imports(new.body)) - set(_plain_imports(old.body))
    if added:
        body = _regroup(list(new.body), added)
    if body is None:
        return after
    return new.with_changes(body=_keep_docstring_gap(old.body, body)).code


def _regroup(body: list[Statement], added: set[str]) -> list[Statement] | None:
    """Move the imports of ``added`` into place; None when the layout is not safe to edit."""
    start = 1 if _is_docstring(body[0]) else 0
    end = next((i for i in range(start, len(body)) if not _is_import(body[i])), len(body))
    where = [i for i, s in enumerate(body) if _plain_name(s) in added]
    moved = [body[i] for i in where]
    if len(where) != len(added) or max(where) >= end or any(s.leading_lines for s in moved):
        return None
    rest = [s for i, s in enumerate(body) if i not in where]
    moved.sort(key=lambda s: _sort_key(_plain_name(s) or ""))
    return _insert(rest, moved, start, end - len(moved))


def _insert(body: list[Statement], new: list[Statement], start: int, end: int) -> list[Statement]:
    """Put ``new`` into the first stdlib import block of ``body[start:end]``, or open one."""
    first = next((i for i in range(start, end) if not _is_future(body[i])), end)
    block = next((i for i in range(first, end) if _is_stdlib(body[i])), None)
    if block is None:
        return _new_block(body, new, first, first > start)
    for statement in new:
        body = _into_block(body, statement, block, end)
        end += 1
    return body


def _into_block(body: list[Statement], new: Statement, block: int, end: int) -> list[Statement]:
    """Insert ``new`` into the block of stdlib imports starting at ``body[block]``."""
    stop = block + 1
    while stop < end and _is_stdlib(body[stop]) and not _has_blank(body[stop]):
        stop += 1
    name = _plain_name(new) or ""
    at = next((i for i in range(block, stop) if _sorts_after(body[i], name)), stop)
    if at == block:
        gap = _blank_count(body[at])
        lines = body[at].leading_lines
        new = new.with_changes(leading_lines=lines[:gap])
        body[at] = body[at].with_changes(leading_lines=lines[gap:])
    return [*body[:at], new, *body[at:]]


def _new_block(
    body: list[Statement], new: list[Statement], at: int, after_future: bool
) -> list[Statement]:
    """Open a stdlib block of ``new`` at ``body[at]``, a blank line before what follows."""
    if after_future:
        new[0] = new[0].with_changes(leading_lines=(cst.EmptyLine(),))
    if at < len(body) and not _blank_count(body[at]):
        lines = (cst.EmptyLine(), *body[at].leading_lines)
        body[at] = body[at].with_changes(leading_lines=lines)
    return [*body[:at], *new, *body[at:]]


def _keep_docstring_gap(before: Sequence[Statement], after: list[Statement]) -> list[Statement]:
    """Keep a blank line after the docstring if there was one: a dropped import took it."""
    if _docstring_gap(before) < 1 or _docstring_gap(after) != 0:
        return after
    lines = (cst.EmptyLine(), *after[1].leading_lines)
    return [after[0], after[1].with_changes(leading_lines=lines), *after[2:]]


def _docstring_gap(body: Sequence[Statement]) -> int:
    """Blank lines between the module docstring and the next statement (-1: no such pair)."""
    if len(body) < 2 or not _is_docstring(body[0]):
        return -1
    return _blank_count(body[1])


def _blank_count(statement: Statement) -> int:
    """How many blank lines open the lines before ``statement`` (ahead of any comment)."""
    count = 0
    for line in statement.leading_lines:
        if line.comment is not None:
            break
        count += 1
    return count


def _has_blank(statement: Statement) -> bool:
    return any(line.comment is None for line in statement.leading_lines)


def _is_docstring(statement: Statement) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    expr = statement.body[0]
    return isinstance(expr, cst.Expr) and isinstance(
        expr.value, cst.SimpleString | cst.ConcatenatedString
    )


def _import_of(statement: Statement) -> cst.Import | cst.ImportFrom | None:
    """The import a one-statement line holds, if that is all it holds."""
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        small = statement.body[0]
        if isinstance(small, cst.Import | cst.ImportFrom):
            return small
    return None


def _is_import(statement: Statement) -> bool:
    return _import_of(statement) is not None


def _modules(statement: Statement) -> list[str]:
    """The absolute modules a top-level import line names (empty for relative imports)."""
    node = _import_of(statement)
    if isinstance(node, cst.Import):
        return [get_full_name_for_node(alias.name) or "" for alias in node.names]
    if node is None or node.relative or node.module is None:
        return []
    return [get_full_name_for_node(node.module) or ""]


def _is_future(statement: Statement) -> bool:
    return _modules(statement) == ["__future__"]


def _is_stdlib(statement: Statement) -> bool:
    """An import of stdlib modules only (``__future__`` is a section of its own)."""
    tops = {name.partition(".")[0] for name in _modules(statement)}
    return bool(tops) and "__future__" not in tops and tops <= sys.stdlib_module_names


def _plain_name(statement: Statement) -> str | None:
    """``x`` for a line ``import x`` of one unaliased, undotted stdlib module."""
    node = _import_of(statement)
    if not isinstance(node, cst.Import) or len(node.names) != 1:
        return None
    alias = node.names[0]
    if alias.asname is not None or not isinstance(alias.name, cst.Name):
        return None
    name = alias.name.value
    return name if name in sys.stdlib_module_names else None


def _plain_imports(body: Sequence[Statement]) -> list[str]:
    return [name for name in map(_plain_name, body) if name is not None]


def _sorts_after(statement: Statement, name: str) -> bool:
    """Whether isort puts ``statement`` after ``import name`` in the same section."""
    node = _import_of(statement)
    if isinstance(node, cst.ImportFrom):
        return True
    return _sort_key(_modules(statement)[0]) > _sort_key(name)


def _sort_key(name: str) -> tuple[str, str]:
    """isort's module order: case-insensitive, ties broken by case."""
    return name.lower(), name
