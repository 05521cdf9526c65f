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
- :func:`log_call` builds ``<logger>.<level>(<args>)``; :func:`is_log_call`,
  :func:`has_traceback` and :func:`reraises` tell what an ``except`` body already does.

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

from agent.fix.codemods._assign import assignment
from agent.fix.codemods.base import HardenCommand
from agent.models import Finding

__all__ = [
    "LEVELS",
    "LoggingCommand",
    "add_keyword",
    "drop_keyword",
    "has_traceback",
    "is_log_call",
    "log_call",
    "module_logger",
    "reports",
    "reraises",
    "string_literal",
]

LEVELS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal"})
_CANDIDATE_NAMES = ("logger", "_log")
_GET_LOGGER = m.Call(func=m.Attribute(value=m.Name("logging"), attr=m.Name("getLogger")))
_BARE_GET_LOGGER = m.Call(func=m.Name("getLogger"))
_PASS_LINE = m.SimpleStatementLine([m.Pass()])
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

    def reported(self, body: cst.BaseSuite, message: str) -> cst.IndentedBlock:
        """An ``except`` body made to log the exception with its traceback.

        Its first top-level log call without a traceback is upgraded (``error`` becomes
        ``exception``, other levels get ``exc_info=True``); without one,
        ``<logger>.exception(message)`` goes first and ``pass`` statements go.
        """
        block = _indented(body)
        lines = list(block.body)
        if reports(block):
            return block
        index = next((i for i, s in enumerate(lines) if _log_of(s) is not None), None)
        if index is not None:
            lines[index] = _with_traceback(lines[index])
        else:
            first = self.log("exception", string_literal(message))
            lines = [first, *(s for s in lines if not m.matches(s, _PASS_LINE))]
        return block.with_changes(body=lines)


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


def log_call(logger: str, level: str, args: Sequence[cst.BaseExpression]) -> cst.Call:
    return cst.Call(
        func=cst.Attribute(value=cst.Name(logger), attr=cst.Name(level)),
        args=[cst.Arg(value=a) for a in args],
    )


def is_log_call(node: cst.CSTNode) -> bool:
    """``logging.x(...)``, ``logger.x(...)``, ``self.log.x(...)``: x a level or ``log``."""
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
        return False
    if node.func.attr.value not in LEVELS | {"log"}:
        return False
    owner = node.func.value
    name = owner.attr.value if isinstance(owner, cst.Attribute) else getattr(owner, "value", "")
    return isinstance(name, str) and "log" in name.lower()


def has_traceback(call: cst.Call) -> bool:
    """Whether a log call records the traceback: ``.exception()`` or a true ``exc_info``."""
    if isinstance(call.func, cst.Attribute) and call.func.attr.value == "exception":
        return True
    return any(
        a.keyword is not None
        and a.keyword.value == "exc_info"
        and not m.matches(a.value, m.Name("False") | m.Name("None"))
        for a in call.args
    )


class _RaiseFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_Raise(self, node: cst.Raise) -> None:
        self.found = True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


def reraises(handler: cst.ExceptHandler) -> bool:
    """Whether a ``raise`` (of any kind) runs inside the handler, outside nested defs."""
    finder = _RaiseFinder()
    handler.body.visit(finder)
    return finder.found


def _indented(body: cst.BaseSuite) -> cst.IndentedBlock:
    """``body`` as an indented block (``except: pass`` on one line becomes two lines)."""
    if isinstance(body, cst.IndentedBlock) or not isinstance(body, cst.SimpleStatementSuite):
        return cst.ensure_type(body, cst.IndentedBlock)
    lines = [
        cst.SimpleStatementLine([s.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)])
        for s in body.body
    ]
    return cst.IndentedBlock(header=body.trailing_whitespace, body=lines)


def _log_of(statement: cst.BaseStatement) -> cst.Call | None:
    """The log call a statement line consists of, if it is one."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    expr = statement.body[0]
    if isinstance(expr, cst.Expr) and isinstance(expr.value, cst.Call) and is_log_call(expr.value):
        return expr.value
    return None


def reports(body: cst.BaseSuite) -> bool:
    """Whether an ``except`` body logs the exception's traceback in a top-level statement."""
    calls = (_log_of(s) for s in _indented(body).body)
    return any(call is not None and has_traceback(call) for call in calls)


def _with_traceback(statement: cst.BaseStatement) -> cst.BaseStatement:
    """A log statement made to record the traceback (``error`` becomes ``exception``)."""
    call = _log_of(statement)
    if call is None or not isinstance(call.func, cst.Attribute):
        return statement
    if call.func.attr.value == "error":
        new = call.with_changes(func=call.func.with_changes(attr=cst.Name("exception")))
    else:
        new = add_keyword(call, "exc_info", cst.Name("True"))
    return cst.ensure_type(statement.deep_replace(call, new), cst.SimpleStatementLine)


def add_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """``call`` with ``name=value`` appended, after a trailing comma if it has one."""
    new = cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )
    if not call.args:
        return call.with_changes(args=[new])
    *head, last = call.args
    if isinstance(last.comma, cst.Comma):  # f(a,\n) -> f(a,\n name=value,\n)
        new = new.with_changes(comma=last.comma)
        last = last.with_changes(comma=_separator(call))
    else:
        last = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return call.with_changes(args=[*head, last, new])


def _separator(call: cst.Call) -> cst.Comma:
    """The comma between two arguments of ``call``, one a line if that is its layout."""
    if len(call.args) >= 2 and isinstance(call.args[-2].comma, cst.Comma):
        return call.args[-2].comma
    if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=call.whitespace_before_args)
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def drop_keyword(call: cst.Call, name: str) -> cst.Call:
    """``call`` without its ``name=`` argument; the comma layout of the rest is kept."""
    args = list(call.args)
    index = next((i for i, a in enumerate(args) if a.keyword and a.keyword.value == name), None)
    if index is None:
        return call
    dropped = args.pop(index)
    if index == len(args) and args:
        args[-1] = args[-1].with_changes(comma=dropped.comma)
    return call.with_changes(args=args)


def string_literal(text: str) -> cst.SimpleString:
    """A literal for ``text`` in the quotes ruff format picks (double unless more escapes)."""
    quote = "'" if text.count('"') > text.count("'") else '"'
    escaped = "".join(_escape(ch, quote) for ch in text)
    return cst.SimpleString(f"{quote}{escaped}{quote}")


def _escape(ch: str, quote: str) -> str:
    if ch in ("\\", quote):
        return "\\" + ch
    if ch.isprintable():
        return ch
    return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(ch) or ch.encode("unicode_escape").decode(
        "ascii"
    )
