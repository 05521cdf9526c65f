"""Adding a keyword argument to a call, laid out like the arguments already there."""

from __future__ import annotations

import libcst as cst

__all__ = ["append_keyword", "keyword_index"]


def keyword_index(call: cst.Call, name: str) -> int | None:
    for index, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == name:
            return index
    return None


def append_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> list[cst.Arg]:
    """The call's arguments plus ``name=value``: on a line of its own (before the ``)``)
    when the arguments are one a line with a trailing comma, else after a ``, ``."""
    new = cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )
    if not call.args:
        return [new]
    *head, last = call.args
    between = _separator(call)
    closing = last.comma.whitespace_after if isinstance(last.comma, cst.Comma) else None
    if isinstance(closing, cst.ParenthesizedWhitespace) and isinstance(
        between, cst.ParenthesizedWhitespace
    ):
        last_comma = cst.Comma(whitespace_after=between.with_changes(first_line=closing.first_line))
        trailing = cst.Comma(
            whitespace_after=closing.with_changes(first_line=cst.TrailingWhitespace())
        )
        return [*head, last.with_changes(comma=last_comma), new.with_changes(comma=trailing)]
    return [*head, last.with_changes(comma=cst.Comma(whitespace_after=between)), new]


def _separator(call: cst.Call) -> cst.BaseParenthesizableWhitespace:
    """The whitespace between two arguments of ``call``: a newline if they are one a line."""
    if len(call.args) >= 2 and isinstance(call.args[-2].comma, cst.Comma):
        return call.args[-2].comma.whitespace_after
    if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        return call.whitespace_before_args
    return cst.SimpleWhitespace(" ")
