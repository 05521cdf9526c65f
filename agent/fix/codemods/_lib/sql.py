"""Turn a decomposed SQL string into a parameterised query, only when that is exact.

``["SELECT * FROM u WHERE name = '", Value(name), "' AND age > ", Value(age)]`` with
placeholder ``?`` -> ``"SELECT * FROM u WHERE name = ? AND age > ?"`` and ``(name, age)``.

A value must stand where SQL expects a value: after ``=``, ``<``, ``>`` (and their
compounds), ``LIKE``, ``LIMIT``, ``OFFSET``, or after ``(`` / ``,`` inside ``IN (...)`` or
``VALUES (...)`` (anywhere, when single-quoted). When quoted, the quotes must hold
nothing else. Left alone (None): identifiers (``FROM {t}``, ``ORDER BY {c}``), values
inside a longer literal (``'%{q}%'``), a lone ``IN ({ids})`` or any ``",".join(...)``
value (a pre-joined list), values glued to text, comments, unbalanced quotes, and for
``?`` drivers a literal ``?`` outside quotes. For ``%s`` drivers every literal ``%`` is
doubled, as the driver then formats the query itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst
from libcst.helpers import get_full_name_for_node

from agent.fix.codemods._lib.template import Part, Value, decompose, string_leaves

__all__ = ["DRIVER_NAMES", "Query", "parameterise", "placeholder_for", "py_string", "rewrite_sql"]

_DRIVERS = {
    "sqlite3": "?",
    "psycopg2": "%s",
    "psycopg": "%s",
    "pymysql": "%s",
    "MySQLdb": "%s",
    "mysql.connector": "%s",
}
# The words an import of a driver names, wherever it is in the module (``placeholder_for``).
DRIVER_NAMES = frozenset(name.split(".")[0] for name in _DRIVERS)
_VALUE_AFTER = re.compile(r"(?:[=<>]|\bI?LIKE|\bLIMIT|\bOFFSET)$", re.IGNORECASE)
_LIST_KIND = re.compile(r"\b(IN|VALUES)$", re.IGNORECASE)
_AFTER_BARE = frozenset(" \t\r\n),;")
_QUOTES = "'\"`"


@dataclass(frozen=True)
class Query:
    """The new literal text of each string segment, and the values in placeholder order."""

    texts: tuple[str, ...]
    values: tuple[cst.BaseExpression, ...]


def placeholder_for(module: cst.Module) -> str | None:
    """The one driver's placeholder; None when no known driver, or several, are imported."""
    found: set[str] = set()
    for node in _imports(module):
        found.update(d for d in _DRIVERS for name in _imported(node) if _is_driver(name, d))
    return _DRIVERS[found.pop()] if len(found) == 1 else None


def rewrite_sql(
    expr: cst.BaseExpression, placeholder: str
) -> tuple[cst.BaseExpression, cst.Tuple] | None:
    """The parameterised string (formatting kept where possible) and its parameters."""
    leaves = string_leaves(expr) if isinstance(expr, cst.ConcatenatedString) else [expr]
    segments = [decompose(leaf) for leaf in leaves]
    if any(s is None for s in segments):
        return None
    query = parameterise([s for s in segments if s is not None], placeholder)
    if query is None or not query.values:
        return None
    texts = iter(query.texts)
    if isinstance(expr, cst.ConcatenatedString):
        new: cst.BaseExpression = _replace_leaves(expr, texts)
    else:
        new = py_string(next(texts), _quote_of(expr)).with_changes(lpar=expr.lpar, rpar=expr.rpar)
    return new, cst.Tuple([cst.Element(v) for v in query.values])


def parameterise(segments: list[list[Part]], placeholder: str) -> Query | None:
    scanner = _Scanner(placeholder, len(segments))
    items = [(i, part) for i, segment in enumerate(segments) for part in segment]
    for k, (segment, part) in enumerate(items):
        following = items[k + 1] if k + 1 < len(items) else None
        if isinstance(part, str):
            ok = scanner.text(segment, part)
        else:
            ok = scanner.value(segment, part, following)
        if not ok:
            return None
    return scanner.result()


class _Scanner:
    """Walks the query once, tracking SQL quotes and parentheses, building the new text."""

    def __init__(self, placeholder: str, segments: int) -> None:
        self.placeholder = placeholder
        self.out: list[list[str]] = [[] for _ in range(segments)]
        self.values: list[cst.BaseExpression] = []
        self.quote: str | None = None
        self.opened_at = (-1, -1)  # (segment, output length) right after the opening quote
        self.parens: list[str] = []  # per open parenthesis: "IN", "VALUES" or ""
        self.close_next = False
        self.last = ""

    def preceding(self) -> str:
        return "".join("".join(chunks) for chunks in self.out)

    def text(self, segment: int, text: str) -> bool:
        if self.close_next:  # the closing quote of a value we replaced
            text, self.quote, self.close_next = text[1:], None, False
        return all(self._char(segment, ch) for ch in text)

    def _char(self, segment: int, ch: str) -> bool:
        if self.quote is not None:
            self.quote = None if ch == self.quote else self.quote
        elif ch in _QUOTES:
            self.quote = ch
            self.opened_at = (segment, len(self.out[segment]) + 1)
        elif (self.last + ch) in ("--", "/*") or (ch == "?" and self.placeholder == "?"):
            return False
        elif ch == "(":
            kind = _LIST_KIND.search(self.preceding().rstrip())
            self.parens.append(kind.group(1).upper() if kind else "")
        elif ch == ")" and self.parens:
            self.parens.pop()
        self.out[segment].append("%%" if ch == "%" and self.placeholder == "%s" else ch)
        self.last = ch
        return True

    def value(self, segment: int, value: Value, following: tuple[int, Part] | None) -> bool:
        if _is_join(value.expr):
            return False
        if self.quote is None:
            return self._bare(segment, value, following)
        return self._quoted(segment, value, following)

    def _bare(self, segment: int, value: Value, following: tuple[int, Part] | None) -> bool:
        before = self.preceding().rstrip()
        after = following[1] if following else " "
        if not isinstance(after, str) or after[0] not in _AFTER_BARE:
            return False
        sole_in_item = before.endswith("(") and after.lstrip().startswith(")")
        if sole_in_item and self.parens[-1:] == ["IN"]:
            return False  # probably a pre-joined list: IN (?) would match nothing
        return _value_position(before, self.parens, None) and self._emit(segment, value)

    def _quoted(self, segment: int, value: Value, following: tuple[int, Part] | None) -> bool:
        quote = self.quote or ""
        if quote not in "'\"" or self.opened_at != (segment, len(self.out[segment])):
            return False  # inside an identifier, or a literal holding more than the value
        if following is None or following[0] != segment or not isinstance(following[1], str):
            return False
        after = following[1]
        if not after.startswith(quote) or after.startswith(quote * 2):
            return False
        before = self.preceding()[:-1].rstrip()
        if not _value_position(before, self.parens, quote):
            return False
        self.out[segment].pop()
        self.close_next = True
        return self._emit(segment, value)

    def _emit(self, segment: int, value: Value) -> bool:
        self.out[segment].append(self.placeholder)
        self.values.append(value.expr)
        self.last = ""
        return True

    def result(self) -> Query | None:
        if self.quote is not None or self.close_next:
            return None
        return Query(tuple("".join(c) for c in self.out), tuple(self.values))


def _value_position(before: str, parens: list[str], quote: str | None) -> bool:
    if _VALUE_AFTER.search(before):
        return True
    if before.endswith(("(", ",")):
        return quote == "'" or parens[-1:] in (["IN"], ["VALUES"])
    return False


def _is_join(expr: cst.BaseExpression) -> bool:
    return (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "join"
    )


def py_string(text: str, quote: str) -> cst.SimpleString:
    """A plain literal for ``text``, in ``quote`` when it can be written without escapes."""
    for candidate in (quote, '"', "'"):
        if _fits(text, candidate):
            return cst.SimpleString(f"{candidate}{text}{candidate}")
    return cst.SimpleString(repr(text))


def _fits(text: str, quote: str) -> bool:
    allowed = "\t\n" if len(quote) == 3 else "\t"
    if "\\" in text or any(not ch.isprintable() and ch not in allowed for ch in text):
        return False
    if len(quote) == 3:
        return quote not in text and not text.endswith(quote[0])
    return quote not in text


def _quote_of(expr: cst.BaseExpression) -> str:
    if isinstance(expr, cst.SimpleString):
        return expr.quote
    return expr.end if isinstance(expr, cst.FormattedString) else '"'


def _replace_leaves(node: cst.ConcatenatedString, texts: Iterator[str]) -> cst.ConcatenatedString:
    right = node.right
    left = py_string(next(texts), _quote_of(node.left))
    if isinstance(right, cst.ConcatenatedString):
        return node.with_changes(left=left, right=_replace_leaves(right, texts))
    new_right = py_string(next(texts), _quote_of(right))
    return node.with_changes(left=left, right=new_right)


def _imports(module: cst.Module) -> list[cst.Import | cst.ImportFrom]:
    found: list[cst.Import | cst.ImportFrom] = []

    class _Collect(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> None:
            found.append(node)

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            found.append(node)

    module.visit(_Collect())
    return found


def _imported(node: cst.Import | cst.ImportFrom) -> list[str]:
    """Dotted names an import brings in: ``from mysql import connector`` -> mysql.connector."""
    if isinstance(node, cst.Import):
        return [get_full_name_for_node(a.name) or "" for a in node.names]
    base = get_full_name_for_node(node.module) if node.module and not node.relative else None
    if base is None:
        return []
    if isinstance(node.names, cst.ImportStar):
        return [base]
    return [base, *(f"{base}.{get_full_name_for_node(a.name)}" for a in node.names)]


def _is_driver(name: str, driver: str) -> bool:
    return name == driver or name.startswith(driver + ".")
