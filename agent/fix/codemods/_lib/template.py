"""Decompose a string-building expression into literal text and interpolated values.

Shared by the codemods that rebuild a command or a query from its pieces::

    f"ls -la {path}"                  -> ["ls -la ", Value(path)]
    "id = %s AND n > %d" % (a, b)     -> ["id = ", Value(a), " AND n > ", Value(b, numeric=True)]
    "SELECT " + col + " FROM t"       -> ["SELECT ", Value(col), " FROM t"]
    "{} {name}".format(a, name=b)     -> [Value(a), " ", Value(b)]

``decompose`` returns None whenever the result would not be exact: format specs or
conversions (``{x!r}``, ``{x:>5}``, ``%r``, ``%5s``), ``%(name)s`` mappings, starred
arguments, ``.format`` arguments used twice or not at all, bytes literals.
"""

from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass

import libcst as cst

from agent.scan.parse import parse_expression

__all__ = ["Part", "Value", "decompose", "literal_text", "string_leaves"]


@dataclass(frozen=True)
class Value:
    """An interpolated expression; ``numeric`` when it was formatted with ``%d``."""

    expr: cst.BaseExpression
    numeric: bool = False


Part = str | Value

_STRING_NODES = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
_PERCENT = re.compile(r"(%.)", re.DOTALL)


def decompose(expr: cst.BaseExpression) -> list[Part] | None:
    """The ordered parts of ``expr``, adjacent literal text merged; None if not exact."""
    parts = _parts(expr)
    return None if parts is None else _merge(parts)


def literal_text(expr: cst.BaseExpression) -> str | None:
    """The value of a plain (not f-) string literal, or None."""
    if isinstance(expr, cst.SimpleString | cst.ConcatenatedString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


def string_leaves(node: cst.ConcatenatedString) -> list[cst.SimpleString | cst.FormattedString]:
    """The literals of an implicit concatenation, in source order."""
    right = node.right
    rest = string_leaves(right) if isinstance(right, cst.ConcatenatedString) else [right]
    return [node.left, *rest]


def _parts(expr: cst.BaseExpression) -> list[Part] | None:
    if isinstance(expr, cst.SimpleString):
        text = literal_text(expr)
        return None if text is None else [text]
    if isinstance(expr, cst.ConcatenatedString):
        return _joined([_parts(leaf) for leaf in string_leaves(expr)])
    if isinstance(expr, cst.FormattedString):
        return _fstring_parts(expr)
    if isinstance(expr, cst.BinaryOperation) and _is_op(expr, cst.Add):
        return _concat_parts(expr)
    if isinstance(expr, cst.BinaryOperation) and _is_op(expr, cst.Modulo):
        return _percent_parts(expr)
    if isinstance(expr, cst.Call):
        return _format_parts(expr)
    return None


def _joined(pieces: list[list[Part] | None]) -> list[Part] | None:
    out: list[Part] = []
    for piece in pieces:
        if piece is None:
            return None
        out.extend(piece)
    return out


def _fstring_parts(node: cst.FormattedString) -> list[Part] | None:
    exprs = [p for p in node.parts if isinstance(p, cst.FormattedStringExpression)]
    if any(e.conversion or e.format_spec is not None or e.equal for e in exprs):
        return None
    tree = parse_expression(cst.Module(body=[]).code_for_node(node))
    if not isinstance(tree, ast.JoinedStr):
        return None
    found = iter(exprs)
    out: list[Part] = []
    for item in tree.values:
        if isinstance(item, ast.Constant) and isinstance(item.value, str):
            out.append(item.value)
        elif isinstance(item, ast.FormattedValue):
            out.append(Value(next(found).expression))
        else:
            return None
    return out


def _concat_parts(node: cst.BinaryOperation) -> list[Part] | None:
    operands = _add_operands(node)
    if not any(isinstance(o, _STRING_NODES) for o in operands):
        return None  # maybe numeric addition: we cannot tell it builds a string
    return _joined([_operand(o) for o in operands])


def _add_operands(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """Flatten an unparenthesised ``a + b + c`` chain."""
    if isinstance(expr, cst.BinaryOperation) and _is_op(expr, cst.Add) and not expr.lpar:
        return [*_add_operands(expr.left), *_add_operands(expr.right)]
    return [expr]


def _operand(expr: cst.BaseExpression) -> list[Part] | None:
    if isinstance(expr, _STRING_NODES) or _is_format_call(expr):
        return _parts(expr)
    if isinstance(expr, cst.BinaryOperation) and _is_op(expr, cst.Modulo):
        return _parts(expr) if literal_text(expr.left) is not None else [Value(expr)]
    return [Value(expr)]


def _is_op(expr: cst.BaseExpression, operator: type[cst.BaseBinaryOp]) -> bool:
    return isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, operator)


def _percent_parts(node: cst.BinaryOperation) -> list[Part] | None:
    template = literal_text(node.left)
    if template is None or isinstance(node.right, cst.Dict):
        return None
    right = node.right
    if isinstance(right, cst.Tuple):
        if any(isinstance(e, cst.StarredElement) for e in right.elements):
            return None
        return _fill_percent(template, [e.value for e in right.elements])
    return _fill_percent(template, [right])


def _fill_percent(template: str, values: list[cst.BaseExpression]) -> list[Part] | None:
    out: list[Part] = []
    remaining = iter(values)
    for chunk in _PERCENT.split(template):
        if chunk == "%%":
            out.append("%")
        elif chunk in ("%s", "%d"):
            value = next(remaining, None)
            if value is None:
                return None
            out.append(Value(value, numeric=chunk == "%d"))
        elif "%" in chunk:
            return None
        else:
            out.append(chunk)
    return out if next(remaining, None) is None else None


def _is_format_call(expr: cst.BaseExpression) -> bool:
    return (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "format"
        and literal_text(expr.func.value) is not None
    )


def _format_parts(call: cst.Call) -> list[Part] | None:
    if not _is_format_call(call) or any(a.star for a in call.args):
        return None
    func = call.func
    template = literal_text(func.value) if isinstance(func, cst.Attribute) else None
    if template is None:
        return None
    positional = [a.value for a in call.args if a.keyword is None]
    named = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    return _fill_format(template, positional, named)


def _fill_format(
    template: str, positional: list[cst.BaseExpression], named: dict[str, cst.BaseExpression]
) -> list[Part] | None:
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return None
    used = [(name, spec, conv) for _, name, spec, conv in fields if name is not None]
    if any(spec or conv is not None for _, spec, conv in used):
        return None
    keys = _field_keys([name for name, _, _ in used])
    values = {**{str(i): v for i, v in enumerate(positional)}, **named}
    if keys is None or sorted(keys) != sorted(values):
        return None  # every argument used exactly once, or we would drop or repeat it
    found = iter(keys)
    out: list[Part] = []
    for text, name, _, _ in fields:
        out.append(text)
        if name is not None:
            out.append(Value(values[next(found)]))
    return out


def _field_keys(names: list[str]) -> list[str] | None:
    """Field keys with ``{}`` numbered in order; None when auto and manual numbering mix."""
    if not all(n == "" or n.isdigit() or n.isidentifier() for n in names):
        return None
    if "" in names and any(n.isdigit() for n in names):
        return None
    auto = iter(range(len(names)))
    return [str(next(auto)) if n == "" else n for n in names]


def _merge(parts: list[Part]) -> list[Part]:
    out: list[Part] = []
    for part in parts:
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] += part
        elif part != "":
            out.append(part)
    return out
