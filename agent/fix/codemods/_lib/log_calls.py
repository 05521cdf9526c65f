"""Log calls and ``except`` bodies as libcst nodes: recognise, build and edit them.

Kept apart from ``_logger``, which finds or adds the module logger, because codemods that
only read or rewrite existing log calls need none of that:

- :func:`log_call` builds ``<logger>.<level>(<args>)``; :func:`is_log_call` and
  :func:`has_traceback` tell what a call is and whether it records the traceback;
- :func:`reports` and :func:`reraises` tell what an ``except`` body already does, and
  :func:`with_report` makes one log the exception with its traceback;
- :func:`add_keyword`, :func:`drop_keyword` and :func:`string_literal` edit call arguments
  in the layout ruff format would give them.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
import libcst.matchers as m

__all__ = [
    "LEVELS",
    "add_keyword",
    "drop_keyword",
    "has_traceback",
    "is_log_call",
    "log_call",
    "reports",
    "reraises",
    "string_literal",
    "with_report",
]

LEVELS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal"})
_PASS_LINE = m.SimpleStatementLine([m.Pass()])


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


def with_report(body: cst.BaseSuite, report: cst.SimpleStatementLine) -> cst.IndentedBlock:
    """An ``except`` body made to log the exception with its traceback.

    Its first top-level log call without a traceback is upgraded (``error`` becomes
    ``exception``, other levels get ``exc_info=True``); without one, ``report`` goes first
    and ``pass`` statements go.
    """
    block = _indented(body)
    lines = list(block.body)
    if reports(block):
        return block
    index = next((i for i, s in enumerate(lines) if _log_of(s) is not None), None)
    if index is not None:
        lines[index] = _with_traceback(lines[index])
    else:
        lines = [report, *(s for s in lines if not m.matches(s, _PASS_LINE))]
    return block.with_changes(body=lines)


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
