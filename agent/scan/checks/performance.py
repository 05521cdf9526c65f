"""harden's own performance checks, for costs that grow with every turn of a loop.

HP101  a module-level ``requests``/``httpx`` call (``get``, ``post``, ... ``request``)
       inside a loop body or a comprehension of a function: each call builds a new
       session and opens a new connection (CWE-400); a shared ``requests.Session()`` or
       ``httpx.Client()`` reuses one.
HP102  an N+1 query (CWE-1073): a query call (``.execute``/``.executemany``,
       ``session.query(...)``, ``Model.objects.get/filter(...)``) inside a ``for`` loop or
       comprehension that iterates over the result of another query (``.fetchall()``,
       ``.execute(...)``, ``.all()``, ``.filter(...)``, directly or through a name assigned
       from one in the same scope). One query per row instead of one query in all.

Calls in the ``for`` iterable run once and are not reported; nested functions, lambdas
and classes are their own scopes and are checked on their own.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from agent.models import Confidence, Priority, Severity
from agent.scan.checks._walk import ModuleWalk
from agent.scan.raw import RawFinding

__all__ = ["PRIORITIES", "findings"]

PRIORITIES = frozenset({Priority.PERFORMANCE})

_HTTP_CALL = "HP101"
_N_PLUS_ONE = "HP102"
_HTTP_MODULES = frozenset({"requests", "httpx"})
_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
_EXECUTE = frozenset({"execute", "executemany"})
_MANAGER = frozenset({"get", "filter"})
_RESULTS = frozenset({"fetchall", "fetchmany", "execute", "all", "filter"})

Function = ast.FunctionDef | ast.AsyncFunctionDef
Comprehension = ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def findings(path: str, walk: ModuleWalk) -> list[RawFinding]:
    tree, http = walk.tree, _http_aliases(walk)
    functions = walk.functions
    per_call = [_http_finding(path, c, m) for f in functions for c, m in _http_in_loops(f, http)]
    scopes: list[ast.AST] = [tree, *functions]
    queries = {id(c): c for scope in scopes for c in _n_plus_one(scope)}
    return per_call + [_query_finding(path, call) for call in queries.values()]


def own_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below ``node`` that belongs to its scope (nested defs are skipped)."""
    for child in ast.iter_child_nodes(node):
        yield child
        if not isinstance(child, _SCOPES):
            yield from own_nodes(child)


def _repeated_parts(node: ast.AST) -> list[ast.AST]:
    """The parts of a loop or comprehension that run once per turn (not the iterable)."""
    if isinstance(node, ast.For | ast.AsyncFor | ast.While):
        return list(node.body)
    if isinstance(node, Comprehension):
        first, *rest = node.generators
        elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        inner = [part for g in rest for part in (g.target, g.iter, *g.ifs)]
        return [*elements, first.target, *first.ifs, *inner]
    return []


def _calls_in(parts: list[ast.AST]) -> Iterator[ast.Call]:
    for part in parts:
        if isinstance(part, ast.Call):
            yield part
        if not isinstance(part, _SCOPES):
            yield from (n for n in own_nodes(part) if isinstance(n, ast.Call))


# HP101 -----------------------------------------------------------------------------------


def _http_aliases(walk: ModuleWalk) -> dict[str, str]:
    """Local name -> module, for every ``import requests``/``import httpx [as x]``."""
    return {
        alias.asname or alias.name: alias.name
        for node in walk.of(ast.Import)
        for alias in node.names
        if alias.name in _HTTP_MODULES
    }


def _http_in_loops(function: Function, http: dict[str, str]) -> list[tuple[ast.Call, str]]:
    calls: dict[int, tuple[ast.Call, str]] = {}
    for node in own_nodes(function):
        for call in _calls_in(_repeated_parts(node)):
            module = _http_module(call, http)
            if module is not None:
                calls[id(call)] = (call, module)
    return sorted(calls.values(), key=lambda pair: (pair[0].lineno, pair[0].col_offset))


def _http_module(call: ast.Call, http: dict[str, str]) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in _VERBS and isinstance(func.value, ast.Name):
        return http.get(func.value.id)
    return None


def _http_finding(path: str, call: ast.Call, module: str) -> RawFinding:
    shared = "requests.Session()" if module == "requests" else "httpx.Client()"
    verb = call.func.attr if isinstance(call.func, ast.Attribute) else "request"
    message = (
        f"{module}.{verb}() in a loop opens a new connection on every turn; "
        f"share one {shared} across the loop"
    )
    return _finding(_HTTP_CALL, path, call, message, cwe=400)


# HP102 -----------------------------------------------------------------------------------


def _n_plus_one(scope: ast.AST) -> list[ast.Call]:
    """Query calls inside loops of ``scope`` that iterate over another query's rows."""
    nodes = list(own_nodes(scope))  # one walk of the scope, read twice
    results = _result_names(nodes)
    inner: list[ast.Call] = []
    for node in nodes:
        iterable = _iterable(node)
        if iterable is not None and _is_result(iterable, results):
            inner += [c for c in _calls_in(_repeated_parts(node)) if _is_query(c)]
    return inner


def _iterable(node: ast.AST) -> ast.expr | None:
    if isinstance(node, ast.For | ast.AsyncFor):
        return node.iter
    if isinstance(node, Comprehension):
        return node.generators[0].iter
    return None


def _result_names(nodes: list[ast.AST]) -> set[str]:
    """Names assigned (anywhere in the scope of ``nodes``) from the result of a query."""
    return {
        target.id
        for node in nodes
        if isinstance(node, ast.Assign) and _is_result(node.value, set())
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _is_result(expr: ast.expr, names: set[str]) -> bool:
    if isinstance(expr, ast.Name):
        return expr.id in names
    return isinstance(expr, ast.Call) and (_method(expr) in _RESULTS or _is_query(expr))


def _is_query(call: ast.Call) -> bool:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr in _EXECUTE:
        return True
    receiver = _last_name(func.value)
    if func.attr == "query":
        return receiver.lower().endswith("session")
    return func.attr in _MANAGER and receiver == "objects"


def _method(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else ""


def _last_name(expr: ast.expr) -> str:
    """``session`` for ``session``, ``self.session`` and ``db.session``; else ''."""
    if isinstance(expr, ast.Name):
        return expr.id
    return expr.attr if isinstance(expr, ast.Attribute) else ""


def _query_finding(path: str, call: ast.Call) -> RawFinding:
    message = (
        "query inside a loop over another query's results (N+1 queries); "
        "fetch the rows with one query (IN or JOIN) before the loop"
    )
    return _finding(_N_PLUS_ONE, path, call, message, cwe=1073)


def _finding(rule: str, path: str, call: ast.Call, message: str, cwe: int) -> RawFinding:
    return RawFinding(
        tool="harden",
        rule=rule,
        path=path,
        line=call.lineno,
        column=call.col_offset + 1,
        end_line=call.end_lineno or call.lineno,
        message=message,
        severity=Severity.MEDIUM,
        confidence=Confidence.MEDIUM,
        cwe=cwe,
    )
