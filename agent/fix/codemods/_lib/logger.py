"""The module logger that the errors and observability codemods log through.

API, for a codemod that wants to write ``<logger>.exception(...)`` or ``<logger>.info(...)``:

- subclass :class:`LoggingCommand` instead of ``HardenCommand``. Its ``visit_Module``
  finds the module's logger (``<name> = logging.getLogger(...)`` at the top level, or
  ``getLogger(...)`` imported from logging) and stores it in ``self.logger``; a module
  with none gets ``logger`` (or ``_log`` when ``logger`` is already bound to something
  else at module level; with both taken the file is skipped). Its ``leave_Module`` adds
  ``import logging`` (through libcst's import machinery, so ``tidy_imports`` sorts it in)
  and ``logger = logging.getLogger(__name__)`` after the imports, once a fix was made;
- ``self.where()`` names the enclosing ``Class.function`` (or the file) for log messages;
- ``self.log()`` builds the statement ``<logger>.<level>(...)`` and ``self.reported()``
  makes an ``except`` body log the exception with its traceback.

Building, recognising and editing log calls and ``except`` bodies in general lives in
``_log_calls``.

Subclasses that override ``visit_Module``/``leave_Module``/``visit_FunctionDef`` etc.
must call ``super()``.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext, SkipFile
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import GlobalScope, MetadataWrapper, ScopeProvider

from agent.fix.codemods._lib.assign import assignment
from agent.fix.codemods._lib.log_calls import add_keyword, log_call, string_literal, with_report
from agent.fix.codemods.base import HardenCommand, Reads
from agent.models import Finding

__all__ = ["LOGGER_READS", "LoggingCommand", "module_logger"]

# What a LoggingCommand reads beyond its targets: the module's global names (scope analysis)
# and whether ``getLogger`` is imported from logging anywhere in the module.
LOGGER_READS = Reads(local=True, names=frozenset({"getLogger"}))
_CANDIDATE_NAMES = ("logger", "_log")
_GET_LOGGER = m.Call(func=m.Attribute(value=m.Name("logging"), attr=m.Name("getLogger")))
_BARE_GET_LOGGER = m.Call(func=m.Name("getLogger"))
_FROM_LOGGING_GET_LOGGER = m.ImportFrom(
    module=m.Name("logging"),
    names=[m.ZeroOrMore(), m.ImportAlias(name=m.Name("getLogger"), asname=None), m.ZeroOrMore()],
)


class LoggingCommand(HardenCommand):
    """A command whose fixes log through the module logger, created when first needed."""

    def __init__(self, context: CodemodContext, targets: Sequence[Finding]) -> None:
        super().__init__(context, targets)
        self.logger = "logger"
        self._existing = True
        self._scopes: list[str] = []

    def visit_Module(self, node: cst.Module) -> bool:
        found = module_logger(node)
        if found is None:
            free = [n for n in _CANDIDATE_NAMES if n not in _global_names(node)]
            if not free:
                raise SkipFile("no free name for a module logger")
            found, self._existing = free[0], False
        self.logger = found
        return True

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        if self._existing or not self.fixed_ids:
            return updated
        AddImportsVisitor.add_needed_import(self.context, "logging")
        return updated.with_changes(body=_with_logger(list(updated.body), self.logger))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes.append(node.name.value)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self._scopes.pop()
        return updated

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes.append(node.name.value)

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        self._scopes.pop()
        return updated

    def where(self) -> str:
        """``Class.method`` around the current node, or the file name at module level."""
        return ".".join(self._scopes) or (self.context.filename or "module")

    def log(self, level: str, *args: cst.BaseExpression) -> cst.SimpleStatementLine:
        """The statement ``<logger>.<level>(args...)``."""
        return cst.SimpleStatementLine(body=[cst.Expr(log_call(self.logger, level, args))])

    def reported(
        self, body: cst.BaseSuite, message: str, deliberate: bool = False
    ) -> cst.IndentedBlock:
        """An ``except`` body made to log the exception with its traceback.

        Its first top-level log call without a traceback is upgraded (``error`` becomes
        ``exception``, other levels get ``exc_info=True``); without one,
        ``<logger>.exception(message)`` goes first and ``pass`` statements go. An error
        ignored on purpose (``deliberate``, see ``_intent``) is logged at DEBUG instead:
        ``<logger>.debug(message, exc_info=True)``.
        """
        if not deliberate:
            return with_report(body, self.log("exception", string_literal(message)))
        call = add_keyword(
            log_call(self.logger, "debug", [string_literal(message)]), "exc_info", cst.Name("True")
        )
        return with_report(body, cst.SimpleStatementLine(body=[cst.Expr(call)]))


def module_logger(module: cst.Module) -> str | None:
    """The name bound at the top level to ``logging.getLogger(...)``, if any."""
    bare = bool(m.findall(module, _FROM_LOGGING_GET_LOGGER))
    for statement in module.body:
        for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
            name = _logger_assignment(small, bare)
            if name is not None:
                return name
    return None


def _logger_assignment(small: cst.BaseSmallStatement, bare: bool) -> str | None:
    parts = assignment(small)
    if parts is None:
        return None
    target, value = parts
    makes_logger = m.matches(value, _GET_LOGGER) or (bare and m.matches(value, _BARE_GET_LOGGER))
    return target.value if makes_logger and isinstance(target, cst.Name) else None


def _global_names(module: cst.Module) -> set[str]:
    scopes = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider).values()
    globals_ = next((s for s in scopes if isinstance(s, GlobalScope)), None)
    return {a.name for a in globals_.assignments} if globals_ is not None else set()


def _with_logger(body: list[cst.BaseStatement], name: str) -> list[cst.BaseStatement]:
    """``body`` with ``name = logging.getLogger(__name__)`` after its opening imports."""
    at = next((i for i, s in enumerate(body) if not _opens_module(s, i)), len(body))
    statement = cst.parse_statement(f"{name} = logging.getLogger(__name__)")
    if at > 0:
        statement = statement.with_changes(leading_lines=(cst.EmptyLine(),))
    if at < len(body):
        body[at] = _spaced(body[at])
    return [*body[:at], statement, *body[at:]]


def _opens_module(statement: cst.BaseStatement, index: int) -> bool:
    """A docstring (first statement) or an import line."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    if index == 0 and m.matches(statement, m.SimpleStatementLine([m.Expr(m.SimpleString())])):
        return True
    return all(isinstance(s, cst.Import | cst.ImportFrom) for s in statement.body)


def _spaced(statement: cst.BaseStatement) -> cst.BaseStatement:
    """``statement`` opened by the blank lines ruff format wants after an assignment."""
    if not isinstance(statement, cst.SimpleStatementLine | cst.BaseCompoundStatement):
        return statement
    wanted = 2 if isinstance(statement, cst.FunctionDef | cst.ClassDef) else 1
    lines = list(statement.leading_lines)
    blank = next((i for i, line in enumerate(lines) if line.comment is not None), len(lines))
    missing = max(0, wanted - blank)
    return statement.with_changes(leading_lines=(*[cst.EmptyLine()] * missing, *lines))
