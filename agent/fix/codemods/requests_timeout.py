"""Give HTTP calls a timeout (CWE-400: a hung server blocks the caller forever).

``requests.get(url)`` becomes ``requests.get(url, timeout=10)`` and ``timeout=None``
becomes ``timeout=10``; the same for ``post``, ``put``, ``patch``, ``delete``, ``head``,
``options`` and ``request``, on ``requests`` and ``httpx``. A call that passes ``**kwargs``
is left alone (the timeout may be inside), as are calls through a session or a name
imported with ``from requests import get``.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from agent.fix.codemods.base import LOCAL, CodemodSpec, HardenCommand

_MODULES = ("requests", "httpx")
_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
_HTTP_CALL = m.Attribute(
    value=m.OneOf(*(m.Name(n) for n in _MODULES)),
    attr=m.OneOf(*(m.Name(n) for n in _METHODS)),
)
_TIMEOUT = "10"


class RequestsTimeout(HardenCommand):
    DESCRIPTION = "Add timeout=10 to requests/httpx calls without a timeout."

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not m.matches(original.func, _HTTP_CALL) or not self.is_target(original):
            return updated
        if any(arg.star == "**" for arg in updated.args):
            return updated
        timeout = _keyword_index(updated, "timeout")
        if timeout is None:
            self.mark_fixed(original)
            return updated.with_changes(args=_append_timeout(updated))
        if not m.matches(updated.args[timeout].value, m.Name("None")):
            return updated
        self.mark_fixed(original)
        args = list(updated.args)
        args[timeout] = args[timeout].with_changes(value=cst.Integer(_TIMEOUT))
        return updated.with_changes(args=args)


def _keyword_index(call: cst.Call, name: str) -> int | None:
    for index, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == name:
            return index
    return None


def _append_timeout(call: cst.Call) -> list[cst.Arg]:
    """The call's arguments plus ``timeout=10``, laid out like the arguments before it."""
    new = cst.Arg(
        keyword=cst.Name("timeout"),
        value=cst.Integer(_TIMEOUT),
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )
    if not call.args:
        return [new]
    *head, last = call.args
    between = _separator(call)
    closing = last.comma.whitespace_after if isinstance(last.comma, cst.Comma) else None
    if isinstance(closing, cst.ParenthesizedWhitespace) and isinstance(
        between, cst.ParenthesizedWhitespace
    ):  # one argument a line with a trailing comma: the new line goes before the ")"
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


SPEC = CodemodSpec(
    id="harden:requests-timeout",
    title="Add a timeout to HTTP requests",
    rationale=(
        "An HTTP call without a timeout waits forever on a server that stops answering, "
        "tying up the worker (CWE-400); timeout=10 bounds the wait."
    ),
    rules=frozenset({"S113", "B113"}),
    command=RequestsTimeout,
    reads=LOCAL,
)
