"""``print(...)`` in library code -> ``logger.info(...)`` (T201, CWE-778).

Output written with print cannot be filtered by level, routed, or traced to its module,
and it mixes with a program's real output. Each print becomes a call on the module
logger (see ``_logger``) with lazy arguments, its values joined by spaces like print
joins them: ``print("a", x)`` -> ``logger.info("a %s", x)``, ``print(f"x={x}")`` ->
``logger.info("x=%s", x)``, ``print(x)`` -> ``logger.info("%s", x)``. A print to
``file=sys.stderr`` is a diagnostic and becomes ``logger.warning(...)``.

Left alone: prints inside ``if __name__ == "__main__":`` (a script's output), prints with
any other keyword (``sep``, ``end``, ``flush``, another ``file``: they shape output, not
diagnostics), ``print()`` and ``print(*args)``, and f-strings ``logging_lazy`` cannot
carry over exactly. CLI code is not this codemod's business: the scanner drops T201
findings there.

Also left alone, for a model: a print of request data (``print(request.get_json())``,
``print(request.form)``, a FastAPI body parameter; see ``_request_data``). Logging it
as it is would put whole request bodies, passwords and tokens included, into the logs at
any level, and the safe shape to log instead (the keys of a JSON object, the size of an
upload) depends on a type the codemod cannot know: ``sorted(request.get_json())`` fails on
``None`` and logs the values of a list. The finding stays open ("needs a model").
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext

from agent.fix.codemods._lib.log_calls import log_call
from agent.fix.codemods._lib.logger import LOGGER_READS, LoggingCommand
from agent.fix.codemods._lib.request_data import body_params, mentions
from agent.fix.codemods.base import CodemodSpec
from agent.fix.codemods.logging_lazy import Part, message_parts, render
from agent.models import Finding

_MAIN_GUARD = m.If(
    test=m.Comparison(
        left=m.Name("__name__"),
        comparisons=[m.ComparisonTarget(m.Equal(), m.SimpleString('"__main__"'))],
    )
    | m.Comparison(
        left=m.Name("__name__"),
        comparisons=[m.ComparisonTarget(m.Equal(), m.SimpleString("'__main__'"))],
    )
)
_TO_STDERR = m.Arg(
    keyword=m.Name("file"), value=m.Attribute(value=m.Name("sys"), attr=m.Name("stderr"))
)


class PrintToLogger(LoggingCommand):
    DESCRIPTION = "Log through the module logger instead of printing."

    def __init__(self, context: CodemodContext, targets: Sequence[Finding]) -> None:
        super().__init__(context, targets)
        self._in_main = 0
        self._bodies: list[set[str]] = [set()]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().visit_FunctionDef(node)
        self._bodies.append(self._bodies[-1] | body_params(node))

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        self._bodies.pop()
        return super().leave_FunctionDef(original, updated)

    def visit_If(self, node: cst.If) -> None:
        self._in_main += m.matches(node, _MAIN_GUARD)

    def leave_If(self, original: cst.If, updated: cst.If) -> cst.BaseStatement:
        self._in_main -= m.matches(original, _MAIN_GUARD)
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not m.matches(updated.func, m.Name("print")) or self._in_main:
            return updated
        parts = _print_parts(updated.args)
        if parts is None or not self.is_target(original) or self._prints_request(updated):
            return updated
        self.mark_fixed(original)
        level = "warning" if any(m.matches(a, _TO_STDERR) for a in updated.args) else "info"
        template, values = render(parts)
        return log_call(self.logger, level, [template, *values])

    def _prints_request(self, call: cst.Call) -> bool:
        return any(mentions(arg.value, self._bodies[-1]) for arg in call.args)


def _print_parts(args: Sequence[cst.Arg]) -> list[Part] | None:
    """The message parts of print's arguments joined by spaces; None if print is special."""
    values = [a for a in args if a.keyword is None]
    if not values or any(a.star for a in args):
        return None
    if any(a.keyword is not None and not m.matches(a, _TO_STDERR) for a in args):
        return None
    parts: list[Part] = []
    for arg in values:
        found = message_parts(arg.value, plus=False)
        if found is None:
            return None
        parts += [" ", *found] if parts else found
    return parts


SPEC = CodemodSpec(
    id="harden:print-logger",
    title="Log instead of printing",
    rationale=(
        "print output cannot be filtered by level or traced to its module and mixes with "
        "the program's output (CWE-778); the module logger can, and formats lazily."
    ),
    rules=frozenset({"T201"}),
    command=PrintToLogger,
    reads=LOGGER_READS,
)
