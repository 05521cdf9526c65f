"""HO101 (a request handler that logs nothing) and which print() calls are a CLI's output.

HO101: a web request handler whose body makes no logging call, so a failing or slow request
leaves nothing to find it by. Handlers are:

- Flask and FastAPI routes: a function decorated with ``@<name>.route(...)``, or with
  ``@<name>.get/post/put/patch/delete(...)`` in a module that imports flask or fastapi
  (``<name>`` is a plain name: ``app``, ``bp``, ``router``);
- Django views: a module-level function in a ``views.py`` whose first parameter is
  ``request``.

A logging call is ``<x>.debug/info/warning/warn/error/exception/critical/log(...)`` where
``<x>`` is ``logging``, a name ending in ``log``/``logger`` (``log``, ``_logger``,
``app.logger``), or a name bound from ``getLogger``/``get_logger``/``LoggerAdapter``.
Handlers that make no call at all (``return "ok"``) have nothing worth logging and are
skipped, as are test files.

``drop`` removes ruff's T201 (``print``) where printing is the program's output, not a
diagnostic: anywhere in ``cli.py``, ``__main__.py`` or ``manage.py``; inside the
``if __name__ == "__main__":`` block, a function named ``main`` or a function that block
calls by name; inside a function decorated with ``@<x>.command``/``@<x>.group`` (click,
typer); and, in a module importing argparse, click or typer, inside a function that calls
``parse_args``/``parse_known_args``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import PurePosixPath

from agent.models import Priority
from agent.scan.checks._names import dotted_name
from agent.scan.checks._walk import ModuleWalk
from agent.scan.files import is_test_file
from agent.scan.raw import RawFinding

__all__ = ["DROPS", "PRIORITIES", "drop", "findings"]

PRIORITIES = frozenset({Priority.OBSERVABILITY})

_RULE = "HO101"
DROPS = frozenset({"T201"})
_Function = ast.FunctionDef | ast.AsyncFunctionDef

_ROUTE_VERBS = frozenset({"get", "post", "put", "patch", "delete"})
_WEB_FRAMEWORKS = frozenset({"flask", "fastapi"})
_LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
)
_LOGGER_FACTORIES = frozenset({"getLogger", "get_logger", "LoggerAdapter"})

_CLI_MODULES = frozenset({"cli.py", "__main__.py", "manage.py"})
_CLI_FRAMEWORKS = frozenset({"argparse", "click", "typer"})
_COMMAND_DECORATORS = frozenset({"command", "group"})
_ARG_PARSERS = frozenset({"parse_args", "parse_known_args"})


def findings(path: str, walk: ModuleWalk) -> list[RawFinding]:
    if is_test_file(path):
        return []
    loggers = _logger_names(walk)
    web = bool(walk.imported_roots & _WEB_FRAMEWORKS)
    django = PurePosixPath(path).name == "views.py"
    return [
        _finding(path, function)
        for function in _handlers(walk, web, django)
        if _makes_calls(function) and not _logs(function, loggers)
    ]


def drop(path: str, walk: ModuleWalk, raw: RawFinding) -> bool:
    """Whether ``raw`` is a T201 on a print that is a command-line program's output."""
    if raw.rule != "T201":
        return False
    if PurePosixPath(path).name in _CLI_MODULES:
        return True
    main_block = _main_block(walk.tree)
    if main_block is not None and _spans(main_block, raw.line):
        return True
    entry = {"main", *_called_names(main_block)}
    parses = bool(walk.imported_roots & _CLI_FRAMEWORKS)
    return any(
        function.name in entry or _is_command(function) or (parses and _parses_args(function))
        for function in _enclosing_functions(walk, raw.line)
    )


# HO101


def _handlers(walk: ModuleWalk, web: bool, django: bool) -> Iterator[_Function]:
    yield from (f for f in walk.functions if any(_is_route(d, web) for d in f.decorator_list))
    if django:
        functions = (
            n for n in walk.tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        )
        yield from (f for f in functions if _first_param(f) == "request")


def _is_route(decorator: ast.expr, web: bool) -> bool:
    if not isinstance(decorator, ast.Call):
        return False
    func = decorator.func
    if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
        return False
    return func.attr == "route" or (web and func.attr in _ROUTE_VERBS)


def _first_param(function: _Function) -> str | None:
    params = [*function.args.posonlyargs, *function.args.args]
    return params[0].arg if params else None


def _makes_calls(function: _Function) -> bool:
    return any(isinstance(n, ast.Call) for stmt in function.body for n in ast.walk(stmt))


def _logs(function: _Function, loggers: set[str]) -> bool:
    return any(
        isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr in _LOG_METHODS
        and _is_logger(n.func.value, loggers)
        for stmt in function.body
        for n in ast.walk(stmt)
    )


def _is_logger(expr: ast.expr, loggers: set[str]) -> bool:
    dotted = dotted_name(expr)
    if dotted is None:
        return False
    last = dotted.rpartition(".")[2].lower()
    return dotted in loggers or last == "logging" or last.endswith(("log", "logger"))


def _logger_names(walk: ModuleWalk) -> set[str]:
    """Names assigned from a logger factory: ``audit = logging.getLogger("audit")``."""
    names = set()
    for node in walk.of(ast.Assign):
        if _is_logger_factory(node.value):
            names |= {d for t in node.targets if (d := dotted_name(t))}
    return names


def _is_logger_factory(value: ast.expr) -> bool:
    if not isinstance(value, ast.Call):
        return False
    dotted = dotted_name(value.func) or ""
    return dotted.rpartition(".")[2] in _LOGGER_FACTORIES


def _finding(path: str, function: _Function) -> RawFinding:
    message = (
        f"request handler {function.name}() logs nothing: a failed or slow request leaves "
        "no trace, and its log lines cannot be tied together by a correlation id"
    )
    return RawFinding(
        tool="harden",
        rule=_RULE,
        path=path,
        line=function.lineno,
        column=function.col_offset + 1,
        end_line=function.lineno,
        message=message,
    )


# T201 in command-line code


def _main_block(tree: ast.Module) -> ast.If | None:
    """The module's ``if __name__ == "__main__":`` statement, if it has one."""
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare):
            names = [node.test.left, *node.test.comparators]
            dunder = any(isinstance(n, ast.Name) and n.id == "__name__" for n in names)
            main = any(isinstance(n, ast.Constant) and n.value == "__main__" for n in names)
            if dunder and main:
                return node
    return None


def _called_names(block: ast.If | None) -> set[str]:
    if block is None:
        return set()
    calls = (n for stmt in block.body for n in ast.walk(stmt) if isinstance(n, ast.Call))
    return {c.func.id for c in calls if isinstance(c.func, ast.Name)}


def _enclosing_functions(walk: ModuleWalk, line: int) -> Iterator[_Function]:
    yield from (f for f in walk.functions if _spans(f, line))


def _spans(node: ast.stmt, line: int) -> bool:
    return node.lineno <= line <= (node.end_lineno or node.lineno)


def _is_command(function: _Function) -> bool:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in _COMMAND_DECORATORS:
            return True
    return False


def _parses_args(function: _Function) -> bool:
    return any(
        isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr in _ARG_PARSERS
        for n in ast.walk(function)
    )
