"""The inputs a web route reads, found statically in its function (agent.validate.webroutes).

Query keys: ``request.args``/``request.values`` (Flask) and ``request.GET`` (Django) read
by ``[...]``, ``.get(...)`` or ``.getlist(...)``; form keys: ``request.form``/``request.POST``;
JSON keys: read from ``request.get_json()``/``request.json`` or a name assigned it
(``data = request.get_json() or {}``). A route's plain parameters count as query (or path)
parameters, except the request itself and FastAPI dependencies (``Depends``/``Security``);
a parameter annotated with a pydantic model of the module is a JSON body with its fields.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

__all__ = ["Route", "body_models", "route_inputs"]

_INPUTS = {"args": "query", "values": "query", "form": "form", "GET": "query", "POST": "form"}


@dataclass(frozen=True)
class Route:
    """A route function and the inputs it reads (the path's parameters come from the app)."""

    module: str
    function: str
    query: tuple[str, ...] = ()
    form: tuple[str, ...] = ()
    json: tuple[str, ...] = ()


def route_inputs(
    module: str, function: ast.FunctionDef | ast.AsyncFunctionDef, models: dict[str, list[str]]
) -> Route:
    """The route ``function`` of ``module`` and the inputs it reads."""
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


def body_models(tree: ast.Module) -> dict[str, list[str]]:
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
