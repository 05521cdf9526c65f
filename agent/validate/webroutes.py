"""The web routes a patch touches, found statically (for the web smoke, agent.validate.websmoke).

A route is a function decorated as one: ``@app.route("/x")``, ``@bp.get("/x")``,
``@router.post("/x/{id}")`` (Flask, FastAPI, Starlette routers): a decorator call on an
attribute whose first argument is a string starting with ``/``; or a Django view, a function
a ``urls.py`` routes to (agent.validate.djangourls). A patch touches a route
when it changes the route's function, a function the route calls within the module (two
levels deep), a function of another module the route calls by name, or app-wide code of the
route's module: a request hook (``before_request``, ``after_request``, a middleware ...) or
code outside any function (the app's configuration). The inputs a route reads are taken
from its body: ``request.args``/``request.form``/``request.values`` keys (Django:
``request.GET``/``request.POST``), keys read from
``request.get_json()`` or ``request.json``, and a FastAPI route's plain parameters.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterator
from dataclasses import dataclass

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
_INPUTS = {"args": "query", "values": "query", "form": "form", "GET": "query", "POST": "form"}
_FUNCTION = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class Route:
    """A route function and the inputs it reads (the path's parameters come from the app)."""

    module: str
    function: str
    query: tuple[str, ...] = ()
    form: tuple[str, ...] = ()
    json: tuple[str, ...] = ()


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
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    functions = [n for n in ast.walk(tree) if isinstance(n, _FUNCTION)]
    models = _body_models(tree)
    routes = {
        f.name: _route(module, f, models) for f in functions if _is_route(f) or f.name in views
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


def _route(
    module: str, function: ast.FunctionDef | ast.AsyncFunctionDef, models: dict[str, list[str]]
) -> Route:
    keys: dict[str, list[str]] = {"query": [], "form": [], "json": []}
    bodies = _json_names(function)
    for node in ast.walk(function):
        found = _input(node, bodies)
        if found and found[1] not in keys[found[0]]:
            keys[found[0]].append(found[1])
    for name, kind in _plain_parameters(function):
        fields = models.get(kind, [name]) if kind else [name]
        where = keys["json"] if kind in models else keys["query"]
        where += [f for f in fields if f not in where]
    return Route(module, function.name, *(tuple(keys[k]) for k in ("query", "form", "json")))


def _input(node: ast.AST, bodies: set[str]) -> tuple[str, str] | None:
    """("query"|"form"|"json", key) for ``source["key"]`` or ``source.get("key")``."""
    if isinstance(node, ast.Subscript):
        source, key = node.value, node.slice
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("get", "getlist")
        and node.args
    ):
        source, key = node.func.value, node.args[0]
    else:
        return None
    if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
        return None
    kind = _source_kind(source, bodies)
    return (kind, key.value) if kind else None


def _source_kind(source: ast.expr, bodies: set[str]) -> str | None:
    if isinstance(source, ast.Name) and source.id in bodies:
        return "json"
    if _is_json_body(source):
        return "json"
    if (
        isinstance(source, ast.Attribute)
        and isinstance(source.value, ast.Name)
        and source.value.id == "request"
    ):
        return _INPUTS.get(source.attr)
    return None


def _is_json_body(node: ast.expr) -> bool:
    """``request.json`` or ``request.get_json(...)``."""
    if isinstance(node, ast.Call):
        node = node.func
        wanted = "get_json"
    else:
        wanted = "json"
    return (
        isinstance(node, ast.Attribute)
        and node.attr == wanted
        and isinstance(node.value, ast.Name)
        and node.value.id == "request"
    )


def _json_names(function: ast.AST) -> set[str]:
    """Names assigned the request's JSON body (``data = request.get_json()``)."""
    return {
        target.id
        for node in ast.walk(function)
        if isinstance(node, ast.Assign) and _is_json_body(_first(node.value))
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _first(node: ast.expr) -> ast.expr:
    """The first operand of ``a or b`` (``request.get_json() or {}``), else the node."""
    return node.values[0] if isinstance(node, ast.BoolOp) else node


def _plain_parameters(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
) -> list[tuple[str, str | None]]:
    """A route's parameters that are not the request or a dependency, with their annotated
    class name (FastAPI: path, query, or a body model)."""
    args = [*function.args.posonlyargs, *function.args.args]
    defaults = function.args.defaults
    with_default = dict(
        zip([a.arg for a in args[len(args) - len(defaults) :]], defaults, strict=True)
    )
    plain = [a for a in args if a.arg not in ("self", "request", "req", "response", "db")]
    return [
        (a.arg, a.annotation.id if isinstance(a.annotation, ast.Name) else None)
        for a in plain
        if not _dependency(with_default.get(a.arg))
    ]


def _dependency(default: ast.expr | None) -> bool:
    """``Depends(...)`` or ``Security(...)``: a value FastAPI makes, not one the client sends."""
    if not isinstance(default, ast.Call):
        return False
    func = default.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return name in ("Depends", "Security")


def _body_models(tree: ast.Module) -> dict[str, list[str]]:
    """The module's pydantic models (a class with a base named ``BaseModel``): their fields."""
    return {
        node.name: [
            item.target.id
            for item in node.body
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
        ]
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and any(getattr(b, "id", getattr(b, "attr", "")) == "BaseModel" for b in node.bases)
    }
