"""Python text parsed into ``ast`` trees, safely from several threads at once.

CPython 3.11 and 3.12 count the depth of the tree they are building in one counter per
interpreter, not per call. When two threads parse at once (harden's eval runs its cases
in threads, a run with ``--jobs`` fixes in threads) and the interpreter switches between
them mid-parse, the counter no longer matches and ``ast.parse`` fails with
``SystemError: AST constructor recursion depth mismatch`` (python/cpython#106905, seen by
pytest#10763 and databrickslabs/ucx#2976). Every parse of harden's goes through one lock
here (``tests/test_parse_threads.py`` keeps it so); a parse takes milliseconds, so the
lock costs nothing a run would notice.
"""

from __future__ import annotations

import ast
import threading
from typing import Any

__all__ = ["literal", "parse_expression", "parse_python"]

_PARSING = threading.RLock()  # a finalizer that parses, run mid-parse, must not deadlock


def parse_python(text: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse(text, filename)``: raises SyntaxError (or ValueError) as it does."""
    with _PARSING:
        return ast.parse(text, filename=filename)


def parse_expression(text: str) -> ast.expr:
    """The expression ``text`` is (``ast.parse(text, mode="eval").body``)."""
    with _PARSING:
        return ast.parse(text, mode="eval").body


def literal(text: str) -> Any:
    """``ast.literal_eval(text)``, which parses ``text`` first."""
    with _PARSING:
        return ast.literal_eval(text)
