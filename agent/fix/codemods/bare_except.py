"""``except:`` -> ``except Exception:`` (CWE-396: a bare except also catches Ctrl-C and exit).

A bare ``except:`` catches ``KeyboardInterrupt`` and ``SystemExit`` too, so the program
cannot be stopped and failures vanish. The handler becomes ``except Exception:`` and, unless
it already logs the exception with its traceback, it logs it first:
``logger.exception("Error in <function>")`` through the module logger (see ``_logger``;
a ``pass`` left alone in the body goes, a log call without the traceback is upgraded).
When a comment on the ``except`` or ``pass`` line says the error is ignored on purpose,
it is logged at DEBUG instead: ``logger.debug("Error in <function>", exc_info=True)``
(see ``_intent``).

A handler that re-raises with a bare ``raise`` (cleanup, then propagate) becomes
``except BaseException:``: that is the faithful rewrite, it must keep seeing Ctrl-C to
clean up after it (ruff does not report this pattern; other detectors may). A handler
that raises another exception is left alone: logging there would report the error twice,
and chaining it is a decision for the model.
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from agent.fix.codemods._lib.intent import deliberate
from agent.fix.codemods._lib.log_calls import reraises
from agent.fix.codemods._lib.logger import LOGGER_READS, LoggingCommand
from agent.fix.codemods.base import CodemodSpec

_BARE_RAISE = m.Raise(exc=None)


class BareExcept(LoggingCommand):
    DESCRIPTION = "Catch Exception instead of everything, and log what is caught."

    def leave_ExceptHandler(
        self, original: cst.ExceptHandler, updated: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        if updated.type is not None or not self._targeted(original):
            return updated
        if m.findall(original.body, _BARE_RAISE):
            return self._fixed(original, updated, "BaseException")
        if reraises(original):
            return updated
        fixed = self._fixed(original, updated, "Exception")
        body = self.reported(fixed.body, f"Error in {self.where()}", deliberate(original))
        return fixed.with_changes(body=body)

    def _targeted(self, handler: cst.ExceptHandler) -> bool:
        start = self.span(handler)[0]
        return any(f.line == start for f in self.targets)

    def _fixed(
        self, original: cst.ExceptHandler, updated: cst.ExceptHandler, caught: str
    ) -> cst.ExceptHandler:
        start = self.span(original)[0]
        self.fixed_ids.update(f.id for f in self.targets if f.line == start)
        return updated.with_changes(
            type=cst.Name(caught), whitespace_after_except=cst.SimpleWhitespace(" ")
        )


SPEC = CodemodSpec(
    id="harden:bare-except",
    title="Catch Exception instead of a bare except",
    rationale=(
        "A bare except also catches KeyboardInterrupt and SystemExit and hides the error "
        "(CWE-396); except Exception lets the program stop, and the error is now logged "
        "with its traceback."
    ),
    rules=frozenset({"E722"}),
    command=BareExcept,
    reads=LOGGER_READS,
)
