"""Share one HTTP session across a loop instead of a new connection per call (HP101).

``requests.get(url)`` builds a throw-away ``Session`` and opens a new TCP (and TLS)
connection on every call. In a loop, the outermost loop statement of the function (or a
statement whose comprehension makes the calls) is wrapped in
``with requests.Session() as session:`` (``with httpx.Client() as client:``) and the
targeted calls become ``session.get(...)`` with all their arguments. The ``with`` closes
the connections when the loop ends, however it ends. A shared session also keeps the
cookies servers set, as a browser does.

Left alone, for the model: the name ``session``/``client`` already used in the function;
calls of both libraries in one loop; calls inside a generator expression, lambda or
nested def (they may run after the ``with`` has closed); ``stream=`` (the response would outlive its
connection); ``*args``; ``requests.get`` with ``params`` passed by position (older
``Session.get`` takes it by keyword only); and httpx options that only a ``Client``
takes (``verify``, ``cert``, ``proxy``, ``trust_env``, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext

from agent.fix.codemods.base import CodemodSpec, HardenCommand, Reads
from agent.models import Finding

_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
_SHARED = {"requests": ("Session", "session"), "httpx": ("Client", "client")}
_CLIENT_ONLY = frozenset({"verify", "cert", "proxy", "proxies", "mounts", "transport", "trust_env"})
_MODULE_CALL = m.Call(func=m.Attribute(value=m.Name(), attr=m.Name()))
_DEFERRED = m.GeneratorExp() | m.Lambda() | m.FunctionDef()

Loop = cst.For | cst.While


@dataclass(frozen=True)
class _Plan:
    """What to do with one statement: the calls to rewrite and the session to share."""

    calls: frozenset[int]
    alias: str
    module: str

    @property
    def name(self) -> str:
        return _SHARED[self.module][1]


class HttpSession(HardenCommand):
    DESCRIPTION = "Share one requests.Session()/httpx.Client() across a loop of HTTP calls."

    def __init__(self, context: CodemodContext, targets: Sequence[Finding]) -> None:
        super().__init__(context, targets)
        self.aliases: dict[str, str] = {}
        self.functions: list[cst.FunctionDef] = []
        self.depth: list[int] = []
        self.plans: dict[int, _Plan] = {}
        self.plan: _Plan | None = None

    def visit_Module(self, node: cst.Module) -> None:
        self.aliases = _http_aliases(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(node)
        self.depth.append(0)

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.functions.pop()
        self.depth.pop()
        return updated

    def visit_For(self, node: cst.For) -> None:
        self._enter(node)

    def visit_While(self, node: cst.While) -> None:
        self._enter(node)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if self.depth and self.depth[-1] == 0:
            self._plan(node)

    def leave_For(self, original: cst.For, updated: cst.For) -> cst.BaseStatement:
        return self._leave_loop(original, updated)

    def leave_While(self, original: cst.While, updated: cst.While) -> cst.BaseStatement:
        return self._leave_loop(original, updated)

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.BaseStatement:
        return self._wrap(original, updated)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if self.plan is None or id(original) not in self.plan.calls:
            return updated
        self.mark_fixed(original)
        verb = cst.ensure_type(updated.func, cst.Attribute).attr
        return updated.with_changes(func=cst.Attribute(cst.Name(self.plan.name), verb))

    def _enter(self, loop: Loop) -> None:
        if not self.depth:
            return
        if self.depth[-1] == 0:
            self._plan(loop)
        self.depth[-1] += 1

    def _leave_loop(self, original: Loop, updated: Loop) -> cst.BaseStatement:
        if not self.depth:
            return updated
        self.depth[-1] -= 1
        return self._wrap(original, updated) if self.depth[-1] == 0 else updated

    def _plan(self, statement: cst.BaseStatement) -> None:
        """Decide, on the original statement, whether and how to share a session."""
        calls = self._targeted_calls(statement)
        modules = {self.aliases[_receiver(c)] for c in calls}
        if not calls or len(modules) != 1:
            return
        module = modules.pop()
        deferred = {id(c) for d in m.findall(statement, _DEFERRED) for c in m.findall(d, m.Call())}
        if any(id(c) in deferred or not _portable(c, module) for c in calls):
            return
        if m.findall(self.functions[-1], m.Name(_SHARED[module][1])):
            return
        self.plan = _Plan(frozenset(id(c) for c in calls), _receiver(calls[0]), module)
        self.plans[id(statement)] = self.plan

    def _targeted_calls(self, statement: cst.BaseStatement) -> list[cst.Call]:
        lines = {f.line for f in self.targets}
        calls = [cst.ensure_type(n, cst.Call) for n in m.findall(statement, _MODULE_CALL)]
        return [
            call
            for call in calls
            if _receiver(call) in self.aliases
            and cst.ensure_type(call.func, cst.Attribute).attr.value in _VERBS
            and self.span(call)[0] in lines
        ]

    def _wrap(
        self, original: cst.BaseStatement, updated: Loop | cst.SimpleStatementLine
    ) -> cst.BaseStatement:
        plan = self.plans.pop(id(original), None)
        if plan is None:
            return updated
        self.plan = None
        shared = cst.Call(cst.Attribute(cst.Name(plan.alias), cst.Name(_SHARED[plan.module][0])))
        item = cst.WithItem(item=shared, asname=cst.AsName(name=cst.Name(plan.name)))
        inner = updated.with_changes(leading_lines=[])
        return cst.With(
            items=[item], body=cst.IndentedBlock(body=[inner]), leading_lines=updated.leading_lines
        )


def _http_aliases(module: cst.Module) -> dict[str, str]:
    """Local name -> module, for every ``import requests``/``import httpx [as x]``."""
    aliases: dict[str, str] = {}
    for node in m.findall(module, m.Import()):
        for alias in cst.ensure_type(node, cst.Import).names:
            name = alias.name
            if isinstance(name, cst.Name) and name.value in _SHARED:
                asname = alias.asname.name if alias.asname else name
                aliases[cst.ensure_type(asname, cst.Name).value] = name.value
    return aliases


def _receiver(call: cst.Call) -> str:
    func = cst.ensure_type(call.func, cst.Attribute)
    return cst.ensure_type(func.value, cst.Name).value


def _portable(call: cst.Call, module: str) -> bool:
    """Whether the call means the same on a shared session/client."""
    if any(arg.star for arg in call.args):
        return False
    keywords = {arg.keyword.value for arg in call.args if arg.keyword is not None}
    if module == "httpx":
        return not keywords & _CLIENT_ONLY
    verb = cst.ensure_type(call.func, cst.Attribute).attr.value
    positional = [arg for arg in call.args if arg.keyword is None]
    return "stream" not in keywords and not (verb == "get" and len(positional) > 1)


SPEC = CodemodSpec(
    id="harden:http-session",
    title="Share one HTTP session across the loop",
    rationale=(
        "requests.get() and friends open a new connection (TCP and TLS handshakes) on "
        "every call; one Session/Client shared across the loop reuses its connections "
        "and closes them when the loop ends."
    ),
    rules=frozenset({"HP101"}),
    command=HttpSession,
    reads=Reads(local=True, names=frozenset(_SHARED)),
)
