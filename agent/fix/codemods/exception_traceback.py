"""``logger.error(...)`` inside ``except`` -> ``logger.exception(...)`` (TRY400, CWE-778).

``error()`` in an exception handler records the message but not the traceback, so the
log says something failed without saying where. ``exception()`` logs at the same ERROR
level and adds the traceback. The arguments stay; ``exc_info=True`` goes, since
``exception()`` implies it. Only calls directly inside a handler (not in a function
defined there) are changed, on any logger the scanner recognised.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst.codemod import CodemodContext

from agent.fix.codemods._lib.log_calls import drop_keyword, is_log_call
from agent.fix.codemods.base import LOCAL, CodemodSpec, HardenCommand
from agent.models import Finding


class ExceptionTraceback(HardenCommand):
    DESCRIPTION = "Log errors caught in except blocks with their traceback."

    def __init__(self, context: CodemodContext, targets: Sequence[Finding]) -> None:
        super().__init__(context, targets)
        self._handlers = [0]

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._handlers[-1] += 1

    def leave_ExceptHandler(
        self, original: cst.ExceptHandler, updated: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        self._handlers[-1] -= 1
        return updated

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._handlers.append(0)

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        self._handlers.pop()
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = updated.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "error":
            return updated
        if not self._handlers[-1] or not is_log_call(updated) or not self.is_target(original):
            return updated
        self.mark_fixed(original)
        renamed = updated.with_changes(func=func.with_changes(attr=cst.Name("exception")))
        return drop_keyword(renamed, "exc_info")


SPEC = CodemodSpec(
    id="harden:exception-traceback",
    title="Log caught errors with their traceback",
    rationale=(
        "logger.error in an except block drops the traceback, so the log cannot say "
        "where the failure happened (CWE-778); logger.exception logs the same message at "
        "the same level with the traceback."
    ),
    rules=frozenset({"TRY400"}),
    command=ExceptionTraceback,
    reads=LOCAL,
)
