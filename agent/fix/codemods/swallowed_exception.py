"""Log exceptions that a broad handler swallows (CWE-390: an error detected, then ignored).

``except Exception: pass`` (S110/B110), ``except Exception: continue`` (S112/B112) and any
``except Exception:`` that neither logs nor re-raises (BLE001) hide failures. The handler
logs the exception with its traceback through the module logger (see ``_logger``):
``pass`` is replaced by ``logger.exception("Ignored error in <function>")``, ``continue``
is kept after ``logger.exception("Skipped after an error in <function>")``, any other body
gets ``logger.exception("Error in <function>")`` first; a log call already there without
the traceback is upgraded instead (``error`` -> ``exception``, else ``exc_info=True``). A
name bound with ``as exc`` is kept.

Left for a model, as handled rather than swallowed: a handler whose whole body returns
a fixed fallback value (``except Exception: return False``, BLE001), and a handler that
only passes after a ``try`` that reassigns a name the block set to a default just before
(``ts = None`` / ``try: ts = parse(raw)`` / ``except Exception: pass``; the code after it
checks the default). The error became a value the code deals with; what the detectors
ask there is a narrower ``except`` clause, which takes knowing what the call raises, and
logging every expected failure (a malformed signature, a missing file) is not a fix a
maintainer wants.

An error ignored on purpose is not an ERROR: a handler whose ``except``/``pass`` line
carries a comment saying why logs at DEBUG with the traceback instead:
``logger.debug("Ignored error in <function>", exc_info=True)`` (see ``_intent``).
Narrow handlers (``except KeyError: pass``) are not reported by the detectors, so they
stay as they are.

Handlers in an ``if __name__ == "__main__":`` block are fixed too: a script's swallowed
error is as lost as a library's, and an unconfigured logger still prints it to stderr.
Left alone: handlers that raise another exception (the error is reported by whoever
catches it; chaining is the model's call). A targeted handler that already logs the
traceback, because an earlier codemod of the same run fixed it, counts as fixed.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext

from agent.fix.codemods._lib.intent import deliberate, falls_back, keeps_default, only_passes
from agent.fix.codemods._lib.log_calls import reports, reraises
from agent.fix.codemods._lib.logger import LOGGER_READS, LoggingCommand
from agent.fix.codemods.base import CodemodSpec
from agent.models import Finding


class SwallowedException(LoggingCommand):
    DESCRIPTION = "Log exceptions that broad handlers swallow."

    def __init__(self, context: CodemodContext, targets: Sequence[Finding]) -> None:
        super().__init__(context, targets)
        self._defaulted: set[int] = set()  # ids of try statements that keep a default
        self._tries: list[cst.Try] = []

    def visit_Module(self, node: cst.Module) -> bool:
        self._note_defaults(node.body)
        return super().visit_Module(node)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._note_defaults(node.body)

    def _note_defaults(self, body: Sequence[cst.BaseStatement]) -> None:
        for index, statement in enumerate(body):
            if isinstance(statement, cst.Try) and keeps_default(statement, body[:index]):
                self._defaulted.add(id(statement))

    def visit_Try(self, node: cst.Try) -> None:
        self._tries.append(node)

    def leave_Try(self, original: cst.Try, updated: cst.Try) -> cst.BaseStatement:
        self._tries.pop()
        return updated

    def _handled(self, handler: cst.ExceptHandler) -> bool:
        """The error becomes a fallback value or leaves a default for the code after."""
        defaulted = bool(self._tries) and id(self._tries[-1]) in self._defaulted
        return falls_back(handler) or (defaulted and only_passes(handler))

    def leave_ExceptHandler(
        self, original: cst.ExceptHandler, updated: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        start = self.span(original)[0]
        hits = {f.id for f in self.targets if f.line == start}
        if not hits or reraises(original) or self._handled(original):
            return updated
        self.fixed_ids.update(hits)
        if reports(updated.body):
            return updated
        body = self.reported(updated.body, self._message(updated), deliberate(original))
        return updated.with_changes(body=body)

    def _message(self, handler: cst.ExceptHandler) -> str:
        statements = list(m.findall(handler.body, m.Pass() | m.Continue()))
        if len(statements) == 1 and isinstance(statements[0], cst.Continue):
            return f"Skipped after an error in {self.where()}"
        if statements and all(isinstance(s, cst.Pass) for s in statements):
            return f"Ignored error in {self.where()}"
        return f"Error in {self.where()}"


SPEC = CodemodSpec(
    id="harden:swallowed-exception",
    title="Log exceptions instead of swallowing them",
    rationale=(
        "A broad except that passes, continues or returns without a word hides the error "
        "(CWE-390); logging it with its traceback keeps the behaviour and makes the "
        "failure visible."
    ),
    rules=frozenset({"S110", "S112", "BLE001"}),
    command=SwallowedException,
    reads=LOGGER_READS,
)
