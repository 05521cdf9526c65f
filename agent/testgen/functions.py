"""The public functions of a module that a generated test could target.

Public: module-level functions and methods of module-level classes whose names (and
class names) have no leading underscore; nested functions are reached through their
parent. Stubs (only a docstring, ``pass`` or ``...``), ``@overload`` and
``@abstractmethod`` declarations have no behaviour to test and are left out. A function
decorated with a web framework's route (``@app.get(...)``, ``@bp.route(...)``) is a
request handler: untested handlers are where users meet the bugs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["PublicFunction", "find_function", "public_functions"]

_Function = ast.FunctionDef | ast.AsyncFunctionDef
_ROUTE_NAMES = frozenset(
    {"route", "api_route", "get", "post", "put", "patch", "delete", "head", "options", "websocket"}
)
_DECLARATIONS = frozenset({"overload", "abstractmethod"})


@dataclass(frozen=True)
class PublicFunction:
    """A function's qualified name and lines: ``def`` line, first body line, last line."""

    symbol: str
    def_line: int
    body_start: int
    end_line: int
    is_handler: bool

    @property
    def body(self) -> range:
        return range(self.body_start, self.end_line + 1)

    @property
    def length(self) -> int:
        return self.end_line - self.def_line + 1


def public_functions(tree: ast.Module) -> list[PublicFunction]:
    """Every public, testable function and method of the module, in source order."""
    return [_describe(symbol, node) for symbol, node in _candidates(tree) if _testable(node)]


def find_function(tree: ast.Module, symbol: str) -> PublicFunction | None:
    """The function or method named ``symbol`` (``name`` or ``Class.name``), if any."""
    for name, node in _candidates(tree):
        if name == symbol:
            return _describe(name, node)
    return None


def _candidates(tree: ast.Module) -> Iterator[tuple[str, _Function]]:
    for node in tree.body:
        if isinstance(node, _Function) and _public(node.name):
            yield node.name, node
        elif isinstance(node, ast.ClassDef) and _public(node.name):
            for item in node.body:
                if isinstance(item, _Function) and _public(item.name):
                    yield f"{node.name}.{item.name}", item


def _public(name: str) -> bool:
    return not name.startswith("_")


def _testable(node: _Function) -> bool:
    declared = {_decorator_name(d) for d in node.decorator_list} & _DECLARATIONS
    return not declared and not _is_stub(node)


def _is_stub(node: _Function) -> bool:
    body = list(node.body)
    if ast.get_docstring(node) is not None:
        body = body[1:]
    return all(_is_placeholder(stmt) for stmt in body)


def _is_placeholder(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Pass):
        return True
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def _describe(symbol: str, node: _Function) -> PublicFunction:
    first = node.body[1] if ast.get_docstring(node) is not None and len(node.body) > 1 else None
    body_start = (first or node.body[0]).lineno
    return PublicFunction(
        symbol=symbol,
        def_line=node.lineno,
        body_start=body_start,
        end_line=node.end_lineno or node.lineno,
        is_handler=any(_is_route(d) for d in node.decorator_list),
    )


def _is_route(decorator: ast.expr) -> bool:
    """``@app.get("/items")``, ``@bp.route("/")``: a route registered on an app or router."""
    return (
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and decorator.func.attr in _ROUTE_NAMES
    )


def _decorator_name(decorator: ast.expr) -> str:
    """``route`` for ``@app.route("/")``, ``overload`` for ``@typing.overload``."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""
