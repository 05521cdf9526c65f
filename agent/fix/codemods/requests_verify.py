"""Stop turning off TLS certificate checks (CWE-295: improper certificate validation).

``requests.get(url, verify=False)`` becomes ``requests.get(url)``, and likewise for any
``requests.<name>(...)`` or ``httpx.<name>(...)`` call, including ``httpx.Client`` and
``httpx.AsyncClient``. Only the literal ``verify=False`` is removed; a computed value
(``verify=settings.VERIFY``) and calls through a session object are left alone.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from agent.fix.codemods.base import LOCAL, CodemodSpec, HardenCommand

_HTTP_FUNC = m.Attribute(value=m.Name("requests") | m.Name("httpx"))
_VERIFY_FALSE = m.Arg(keyword=m.Name("verify"), value=m.Name("False"))


class RequestsVerify(HardenCommand):
    DESCRIPTION = "Remove verify=False from requests/httpx calls."

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not m.matches(original.func, _HTTP_FUNC) or not self.is_target(original):
            return updated
        index = _verify_false_index(updated)
        if index is None:
            return updated
        self.mark_fixed(original)
        args = _without(list(updated.args), index)
        if not args:
            return updated.with_changes(args=(), whitespace_before_args=cst.SimpleWhitespace(""))
        return updated.with_changes(args=args)


def _verify_false_index(call: cst.Call) -> int | None:
    for index, arg in enumerate(call.args):
        if m.matches(arg, _VERIFY_FALSE):
            return index
    return None


def _without(args: list[cst.Arg], index: int) -> list[cst.Arg]:
    """``args`` without ``args[index]``; a removed last argument hands its comma back."""
    removed = args.pop(index)
    if index == len(args) and args:
        args[-1] = args[-1].with_changes(comma=removed.comma)
    return args


SPEC = CodemodSpec(
    id="harden:requests-verify",
    title="Keep TLS certificate verification on",
    rationale=(
        "verify=False accepts any certificate, so anyone on the network path can read and "
        "alter the traffic (CWE-295); the default verifies the server."
    ),
    rules=frozenset({"S501", "B501"}),
    command=RequestsVerify,
    reads=LOCAL,
)
