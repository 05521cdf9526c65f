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

from agent.fix.codemods._lib.keyword_args import append_keyword, keyword_index
from agent.fix.codemods.base import CodemodSpec, HardenCommand

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
        timeout = keyword_index(updated, "timeout")
        if timeout is None:
            self.mark_fixed(original)
            return updated.with_changes(
                args=append_keyword(updated, "timeout", cst.Integer(_TIMEOUT))
            )
        if not m.matches(updated.args[timeout].value, m.Name("None")):
            return updated
        self.mark_fixed(original)
        args = list(updated.args)
        args[timeout] = args[timeout].with_changes(value=cst.Integer(_TIMEOUT))
        return updated.with_changes(args=args)


SPEC = CodemodSpec(
    id="harden:requests-timeout",
    title="Add a timeout to HTTP requests",
    rationale=(
        "An HTTP call without a timeout waits forever on a server that stops answering, "
        "tying up the worker (CWE-400); timeout=10 bounds the wait."
    ),
    rules=frozenset({"S113", "B113"}),
    command=RequestsTimeout,
)
