"""Let logging format its own messages (G001-G004: eager formatting in a log call).

``logger.info(f"user {uid} did {x!r}")`` becomes ``logger.info("user %s did %r", uid, x)``;
the same for ``"..." % (a, b)``, ``"...".format(a, b)`` (positional and simple named
fields) and ``"a" + x`` concatenations, on ``logging.<level>``, ``logger.<level>``,
``log.<level>``, ``self.logger.<level>``, ``.exception`` and ``logger.log(level, ...)``.
The message is then built only when a handler emits it, and log aggregators can group
records by their constant template. Literal ``%`` becomes ``%%``.

Format specs are carried over only where ``%`` means exactly the same: conversions
``!r``/``!s``/``!a`` and specs of sign, ``#``, ``0``, width, precision and one of the types
``eEfFgG`` (``dxXo`` without precision). Left alone: other specs (alignment, grouping,
``%``, nested fields), ``{x=}``, ``{0.attr}``/``{x[0]}`` fields, a ``.format`` argument
used twice (unless a plain name) or not at all, ``*args``/``**kwargs``, bytes, and calls
that already pass arguments after the message. ``message_parts`` and ``render`` are
shared with ``print_logger``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
import libcst.matchers as m

from agent.fix.codemods._lib.log_calls import LEVELS, string_literal
from agent.fix.codemods.base import LOCAL, CodemodSpec, HardenCommand
from agent.scan.parse import literal

__all__ = ["Field", "Part", "message_parts", "render"]

_SPEC = re.compile(r"(?P<flags>[+ ]?#?0?\d*)(?P<precision>\.\d+)?(?P<type>[eEfFgGdxXo])")
_FORMAT_CALL = m.Call(func=m.Attribute(attr=m.Name("format")))
_PLUS = m.BinaryOperation(operator=m.Add(), lpar=[])
_STR_CALL = m.Call(func=m.Name("str"), args=[m.Arg(keyword=None, star="")])
_PLACEHOLDER = re.compile(r"%(?:\((?P<key>[^)]*)\))?[#0\- +]*(?P<width>\*|\d+)?(?:\.(\*|\d+))?.")


@dataclass(frozen=True)
class Field:
    """A value of the message and its ``%`` placeholder (``%s``, ``%r``, ``%.2f``)."""

    value: cst.BaseExpression
    placeholder: str = "%s"


Part = str | Field


class LazyLogging(HardenCommand):
    DESCRIPTION = "Pass log message arguments to logging instead of formatting them."

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        index = _message_index(updated)
        if index is None or not self.is_target(original):
            return updated
        lazy = _lazy(updated.args[index].value)
        if lazy is None:
            return updated
        self.mark_fixed(original)
        return updated.with_changes(args=_splice(updated.args, index, *lazy))


def _message_index(call: cst.Call) -> int | None:
    """Where a log call's message is, if it is the last positional argument."""
    if not isinstance(call.func, cst.Attribute) or any(a.star for a in call.args):
        return None
    method = call.func.attr.value
    index = 1 if method == "log" else 0 if method in LEVELS else None
    positional = [a for a in call.args if a.keyword is None]
    return index if index is not None and len(positional) == index + 1 else None


def _lazy(message: cst.BaseExpression) -> tuple[cst.SimpleString, list[cst.BaseExpression]] | None:
    if isinstance(message, cst.BinaryOperation) and isinstance(message.operator, cst.Modulo):
        return _percent_operation(message)
    if m.matches(message, _FORMAT_CALL) and isinstance(message, cst.Call):
        parts = _format_call(message)
    else:
        parts = message_parts(message)
    if parts is None or not any(isinstance(p, str) for p in parts):
        return None
    return render(parts)


def message_parts(node: cst.BaseExpression, plus: bool = True) -> list[Part] | None:
    """The literal text and the values an f-string, literal or ``+`` chain is made of.

    A value that is none of these is one ``%s`` field (``str(x)`` is ``x``); None when a
    piece cannot be carried over exactly.
    """
    if isinstance(node, cst.SimpleString):
        return [node.evaluated_value] if isinstance(node.evaluated_value, str) else None
    if isinstance(node, cst.FormattedString):
        return _fstring_parts(node)
    if isinstance(node, cst.ConcatenatedString):
        return _joined(message_parts(node.left, False), message_parts(node.right, False))
    if plus and m.matches(node, _PLUS) and isinstance(node, cst.BinaryOperation):
        return _joined(message_parts(node.left), message_parts(node.right))
    if m.matches(node, _STR_CALL) and isinstance(node, cst.Call):
        node = node.args[0].value
    return [Field(node)]


def _joined(left: list[Part] | None, right: list[Part] | None) -> list[Part] | None:
    return None if left is None or right is None else [*left, *right]


def _fstring_parts(node: cst.FormattedString) -> list[Part] | None:
    prefix = node.prefix.lower().replace("f", "")
    if "b" in prefix:
        return None
    quote = node.start[len(node.prefix) :]
    parts: list[Part] = []
    for piece in node.parts:
        part = (
            _text(piece.value, prefix, quote)
            if isinstance(piece, cst.FormattedStringText)
            else (_fstring_field(piece))
        )
        if part is None:
            return None
        parts.append(part)
    return parts


def _text(source: str, prefix: str, quote: str) -> str | None:
    """The value of an f-string's literal text, written ``source`` inside the string."""
    try:
        value = literal(f"{prefix}{quote}{source}{quote}")
    except (SyntaxError, ValueError):
        return None
    return str(value).replace("{{", "{").replace("}}", "}")


def _fstring_field(piece: cst.BaseFormattedStringContent) -> Field | None:
    if not isinstance(piece, cst.FormattedStringExpression) or piece.equal is not None:
        return None
    spec_parts = piece.format_spec or ()
    if not all(isinstance(p, cst.FormattedStringText) for p in spec_parts):
        return None
    spec = "".join(p.value for p in spec_parts if isinstance(p, cst.FormattedStringText))
    placeholder = percent_placeholder(piece.conversion, spec)
    return None if placeholder is None else Field(_as_argument(piece.expression), placeholder)


def percent_placeholder(conversion: str | None, spec: str) -> str | None:
    """The ``%`` placeholder that formats exactly like ``{x!conversion:spec}``, if any."""
    if not spec:
        return f"%{conversion or 's'}" if conversion in (None, "s", "r", "a") else None
    if conversion is not None:
        return None
    if spec == "s":
        return "%s"
    match = _SPEC.fullmatch(spec)
    if match is None or (match["precision"] and match["type"] in "dxXo"):
        return None
    return f"%{spec}"


def _as_argument(node: cst.BaseExpression) -> cst.BaseExpression:
    """An expression from inside an f-string, fit to stand as a call argument."""
    if isinstance(node, cst.Tuple) and not node.lpar:
        node = node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return node.visit(_DoubleQuotes())  # type: ignore[return-value]


class _DoubleQuotes(cst.CSTTransformer):
    """'k' -> "k": ruff format's quotes, which f-string expressions could not use."""

    def leave_SimpleString(
        self, original: cst.SimpleString, updated: cst.SimpleString
    ) -> cst.SimpleString:
        body = updated.value[len(updated.prefix) :]
        if body.startswith("'''") or not body.startswith("'") or '"' in body or "\\" in body:
            return updated
        return updated.with_changes(value=f'{updated.prefix}"{body[1:-1]}"')


def _format_call(call: cst.Call) -> list[Part] | None:
    """The parts of ``"...".format(args)``, each argument used once (or a plain name)."""
    template = _literal_value(cst.ensure_type(call.func, cst.Attribute).value)
    if template is None or any(a.star for a in call.args):
        return None
    positional = [a.value for a in call.args if a.keyword is None]
    named = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return None
    return _format_fields(fields, positional, named)


def _format_fields(
    fields: Sequence[tuple[str, str | None, str | None, str | None]],
    positional: list[cst.BaseExpression],
    named: dict[str, cst.BaseExpression],
) -> list[Part] | None:
    parts: list[Part] = []
    used: list[cst.BaseExpression] = []
    auto = 0
    for text, name, spec, conversion in fields:
        parts.append(text)
        if name is None:
            continue
        if name == "":
            name, auto = str(auto), auto + 1
        value = (
            positional[int(name)]
            if name.isdigit() and int(name) < len(positional)
            else (named.get(name))
        )
        placeholder = percent_placeholder(conversion, spec or "")
        if value is None or placeholder is None or "{" in (spec or ""):
            return None
        used.append(value)
        parts.append(Field(value, placeholder))
    return parts if _each_used_once(used, [*positional, *named.values()]) else None


def _each_used_once(used: list[cst.BaseExpression], given: list[cst.BaseExpression]) -> bool:
    """Every argument used, and none twice unless evaluating it twice is harmless."""
    once = all(sum(u is g for u in used) == 1 or isinstance(g, cst.Name) for g in given)
    return once and all(any(u is g for u in used) for g in given)


def _percent_operation(
    node: cst.BinaryOperation,
) -> tuple[cst.SimpleString, list[cst.BaseExpression]] | None:
    """``"..." % values`` -> the template as it is and the values as arguments."""
    template = _literal_value(node.left)
    if template is None or not isinstance(node.left, cst.SimpleString):
        return None
    placeholders = [p for p in _PLACEHOLDER.finditer(template) if not p[0].endswith("%")]
    if any(p["width"] == "*" for p in placeholders):
        return None
    right = node.right
    if isinstance(right, cst.Tuple):
        values = [e.value for e in right.elements]
        if any(isinstance(e, cst.StarredElement) for e in right.elements):
            return None
        return (node.left, values) if len(values) == len(placeholders) else None
    named = bool(placeholders) and all(p["key"] is not None for p in placeholders)
    return (node.left, [right]) if named or len(placeholders) == 1 else None


def _literal_value(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def render(parts: Sequence[Part]) -> tuple[cst.SimpleString, list[cst.BaseExpression]]:
    """The ``%`` template and the arguments of ``parts`` (``%`` doubled when there are any)."""
    values = [p.value for p in parts if isinstance(p, Field)]
    percent = "%%" if values else "%"
    text = "".join(p.replace("%", percent) if isinstance(p, str) else p.placeholder for p in parts)
    return string_literal(text), values


def _splice(
    args: Sequence[cst.Arg],
    index: int,
    template: cst.SimpleString,
    values: list[cst.BaseExpression],
) -> list[cst.Arg]:
    """``args`` with the message at ``index`` replaced by ``template, *values``."""
    message = args[index]
    space = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    new = [message.with_changes(value=template), *(cst.Arg(value=v) for v in values)]
    new = [a.with_changes(comma=space) for a in new[:-1]] + [
        new[-1].with_changes(comma=message.comma)
    ]
    return [*args[:index], *new, *args[index + 1 :]]


SPEC = CodemodSpec(
    id="harden:logging-lazy",
    title="Let logging format log messages",
    rationale=(
        "A message formatted before the call is built even when the level is off, and "
        "every record gets a different text; passing the values as arguments defers the "
        "work and keeps one template per message."
    ),
    rules=frozenset({"G001", "G002", "G003", "G004"}),
    command=LazyLogging,
    reads=LOCAL,
)
