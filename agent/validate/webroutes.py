"""The web routes a patch touches, found statically (for the web smoke, agent.validate.websmoke).

A route is a function decorated as one: ``@app.route("/x")``, ``@bp.get("/x")``,
``@router.post("/x/{id}")`` (Flask, FastAPI, Starlette routers): a decorator call on an
attribute whose first argument is a string starting with ``/``; or a Django view, a function
a ``urls.py`` routes to (agent.validate.djangourls). A patch touches a route
when it changes the route's function, a function the route calls within the module (two
levels deep), a function of another module the route calls by name, or app-wide code of the
route's module: a request hook (``before_request``, ``after_request``, a middleware ...) or
code outside any function (the app's configuration). The inputs a route reads are found by
agent.validate.webinputs.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterator
from dataclasses import dataclass

from agent.scan.parse import parse_python
from agent.validate.webinputs import Route, body_models, route_inputs

__all__ = ["Route", "calling_routes", "changed_functions", "module_routes", "touched_routes"]

_ROUTE_DECORATORS = frozenset({"route", "get", "post", "put", "patch", "delete", "api_route"})
_HOOKS = frozenset(
    {
        "before_request",
        "after_request",
        "before_app_request",
        "after_app_request",
        "teardown_request",
        "context_processor",
        "url_value_preprocessor",
        "middleware",
        "errorhandler",
    }
)
_FUNCTION = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class _Module:
    routes: dict[str, Route]
    calls: dict[str, frozenset[str]]  # function -> the names it calls
    spans: dict[str, tuple[int, int]]  # function -> its first and last line, decorators in
    hooks: frozenset[str]  # request hooks and middleware


def module_routes(module: str, source: str, views: frozenset[str] = frozenset()) -> list[Route]:
    """The routes ``source`` (the module ``module``) declares, and its functions named in
    ``views`` (Django views a urls.py routes to); none if it does not parse."""
    parsed = _parse(module, source, views)
    return list(parsed.routes.values()) if parsed else []


def touched_routes(
    module: str, before: str | None, after: str, views: frozenset[str] = frozenset()
) -> list[Route]:
    """The routes of ``module`` that a change from ``before`` to ``after`` reaches."""
    parsed = _parse(module, after, views)
    if parsed is None or not parsed.routes:
        return []
    changed, outside = _changed(before, after, parsed)
    old = _parse(module, before) if before else None
    if before is not None and old is not None:
        more, elsewhere = _changed(after, before, old)
        changed |= more
        outside = outside or elsewhere
    if outside or changed & parsed.hooks:
        return list(parsed.routes.values())
    return [r for name, r in parsed.routes.items() if _reaches(name, changed, parsed.calls)]


def calling_routes(
    module: str, source: str, names: frozenset[str], views: frozenset[str] = frozenset()
) -> list[Route]:
    """The routes of ``module`` that call one of ``names`` (functions of another module)."""
    parsed = _parse(module, source, views)
    if parsed is None:
        return []
    return [r for name, r in parsed.routes.items() if _reaches(name, names, parsed.calls, 1)]


def changed_functions(before: str | None, after: str) -> frozenset[str]:
    """The names of the functions a change from ``before`` to ``after`` reaches."""
    parsed = _parse("", after)
    if parsed is None:
        return frozenset()
    changed, _ = _changed(before, after, parsed)
    return frozenset(changed)


def _reaches(
    name: str, changed: set[str] | frozenset[str], calls: dict[str, frozenset[str]], depth: int = 2
) -> bool:
    """Whether ``name`` is changed or calls a changed function within ``depth`` calls."""
    frontier = {name}
    for _ in range(depth + 1):
        if frontier & changed:
            return True
        frontier = {c for f in frontier for c in calls.get(f, frozenset())}
    return False


def _changed(before: str | None, after: str, parsed: _Module) -> tuple[set[str], bool]:
    """The functions of ``after`` with a changed line, and whether code outside any changed."""
    lines = _changed_lines(before, after)
    changed = {f for f, (a, b) in parsed.spans.items() if any(a <= n <= b for n in lines)}
    texts = after.splitlines()
    outside = any(
        not any(a <= n <= b for a, b in parsed.spans.values()) and _code(texts, n) for n in lines
    )
    return changed, outside


def _code(lines: list[str], number: int) -> bool:
    text = lines[number - 1].strip() if 0 < number <= len(lines) else ""
    return bool(text) and not text.startswith("#")


def _changed_lines(before: str | None, after: str) -> set[int]:
    """The 1-based lines of ``after`` that differ from ``before`` (a deletion marks its spot)."""
    old, new = (before or "").splitlines(), after.splitlines()
    found: set[int] = set()
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(None, old, new).get_opcodes():
        if tag != "equal":
            found.update(range(j1 + 1, max(j2, j1 + 1) + 1))
    return found


def _parse(module: str, source: str, views: frozenset[str] = frozenset()) -> _Module | None:
    try:
        tree = parse_python(source)
    except (SyntaxError, ValueError):
        return None
    functions = [n for n in ast.walk(tree) if isinstance(n, _FUNCTION)]
    models = body_models(tree)
    routes = {
        f.name: route_inputs(module, f, models)
        for f in functions
        if _is_route(f) or f.name in views
    }
    return _Module(
        routes=routes,
        calls={f.name: frozenset(_called(f)) for f in functions},
        spans={f.name: (_first_line(f), f.end_lineno or f.lineno) for f in functions},
        hooks=frozenset(f.name for f in functions if _is_hook(f)),
    )


def _first_line(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    return min([function.lineno, *(d.lineno for d in function.decorator_list)])


def _decorators(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[tuple[str, ast.expr]]:
    """(attribute name, decorator) of each ``@x.attr`` or ``@x.attr(...)`` decorator."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute):
            yield target.attr, decorator


def _is_route(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for attr, decorator in _decorators(function):
        if attr in _ROUTE_DECORATORS and isinstance(decorator, ast.Call) and decorator.args:
            first = decorator.args[0]
            if isinstance(first, ast.Constant) and str(first.value).startswith("/"):
                return True
    return False


def _is_hook(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(attr in _HOOKS for attr, _ in _decorators(function))


def _called(function: ast.AST) -> Iterator[str]:
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            yield node.func.id
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            yield node.func.attr
