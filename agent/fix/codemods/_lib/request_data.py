"""Whether an expression holds what a web client sent: bodies, forms, query strings.

Request data: an attribute of ``request``/``req`` named json, get_json, form, args, data,
get_data, body, values, files, POST, GET, query_params or stream
(``request.get_json()``, ``request.form["password"]``, ``await request.json()``), and in a
route handler (a function decorated with ``@<x>.route/get/post/put/patch/delete(...)``) the
parameters FastAPI fills from the body: those with a ``Body(...)``/``Form(...)``/
``File(...)`` default, or annotated with anything but a scalar (``dict``, a pydantic model).
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

__all__ = ["body_params", "mentions"]

_REQUEST_NAMES = ("request", "req")
_REQUEST_FIELDS = (
    "json",
    "get_json",
    "form",
    "args",
    "data",
    "get_data",
    "body",
    "values",
    "files",
    "POST",
    "GET",
    "query_params",
    "stream",
)
_REQUEST_DATA = m.Attribute(
    value=m.OneOf(*(m.Name(n) for n in _REQUEST_NAMES)),
    attr=m.OneOf(*(m.Name(f) for f in _REQUEST_FIELDS)),
)
_ROUTE_VERBS = ("route", "get", "post", "put", "patch", "delete")
_ROUTE = m.Decorator(
    decorator=m.Call(func=m.Attribute(attr=m.OneOf(*(m.Name(v) for v in _ROUTE_VERBS))))
)
_SCALARS = ("int", "str", "float", "bool", "UUID", "date", "datetime")
_BODY_DEFAULT = m.Call(func=m.Name("Body") | m.Name("Form") | m.Name("File"))


def body_params(function: cst.FunctionDef) -> set[str]:
    """The parameters of a route handler that carry the request's body."""
    if not any(m.matches(d, _ROUTE) for d in function.decorators):
        return set()
    params = [*function.params.posonly_params, *function.params.params]
    params += function.params.kwonly_params
    return {p.name.value for p in params if _from_body(p)}


def _from_body(param: cst.Param) -> bool:
    if param.default is not None and m.matches(param.default, _BODY_DEFAULT):
        return True
    annotation = param.annotation
    if annotation is None:
        return False
    return not m.matches(annotation.annotation, m.OneOf(*(m.Name(s) for s in _SCALARS)))


def mentions(expr: cst.BaseExpression, body_names: set[str]) -> bool:
    """Whether ``expr`` reads request data or a body parameter."""
    if m.findall(expr, _REQUEST_DATA):
        return True
    return any(n.value in body_names for n in m.findall(expr, m.Name()) if isinstance(n, cst.Name))
