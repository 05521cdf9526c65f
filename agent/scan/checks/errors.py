"""HE101: a call that leaves the process, made with no error handling around it.

A function that talks to the network, a database, a child process or a caller-given file
should turn that call's failure into an error its callers can act on. This check reports,
once per function (at its first such call), a call of one of these kinds that no enclosing
``try`` in the same function handles:

- HTTP: ``requests``/``httpx`` module functions (``get``, ``post``, ``request`` ...) and the
  same methods on a name bound from ``requests.Session()``, ``httpx.Client()`` or
  ``httpx.AsyncClient()`` (by assignment or ``with``);
- ``subprocess.run/call/check_call/check_output/Popen``, ``urllib.request.urlopen``,
  ``socket.create_connection``, and ``connect/recv/send/sendall`` on a bound socket;
- ``execute/executemany/executescript/commit`` on a connection from ``sqlite3``,
  ``psycopg``, ``psycopg2``, ``pymysql`` or ``mysql.connector`` ``connect(...)``, on a
  ``<connection>.cursor()``, or on what a module function returning one gives
  (``conn = get_conn()``; this also holds for sessions and sockets);
- ``open(p)`` where ``p`` is one of the function's own parameters.

A ``try`` handles the call when the call is in its body and one of its handlers could catch
the failure: a bare ``except`` or any type except the builtin ones that can never mean an
I/O failure (``ValueError``, ``KeyError`` ... see ``_UNRELATED``). A private function
(``_name``) is not reported when it is called in this module, and every such call is itself
inside a handling ``try``. Module-level code and test files are not checked. Names are
resolved within the module only: bindings are the function's own, the module's, and
``self.<attr>`` assignments anywhere in the module.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator

from agent.models import Priority
from agent.scan.checks._names import dotted_name
from agent.scan.checks._walk import ModuleWalk
from agent.scan.files import is_test_file
from agent.scan.raw import RawFinding

__all__ = ["PRIORITIES", "findings", "handled"]

PRIORITIES = frozenset({Priority.ERRORS})

_RULE = "HE101"
_Function = ast.FunctionDef | ast.AsyncFunctionDef
_Scope = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)

_HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
# Module-level functions that leave the process, by their imported (qualified) name.
_EXTERNAL_FUNCTIONS: dict[str, str] = {
    **{f"requests.{verb}": "http" for verb in _HTTP_VERBS},
    **{f"httpx.{verb}": "http" for verb in (*_HTTP_VERBS, "stream")},
    **{
        f"subprocess.{name}": "process"
        for name in ("run", "call", "check_call", "check_output", "Popen")
    },
    "socket.create_connection": "socket",
    "urllib.request.urlopen": "url",
}
# Constructors whose result is an object with external methods, and the kind it gets.
_CONSTRUCTORS: dict[str, str] = {
    "requests.Session": "http",
    "requests.session": "http",
    "httpx.Client": "http",
    "httpx.AsyncClient": "http",
    "socket.socket": "socket",
    "socket.create_connection": "socket",
    **{
        f"{driver}.connect": "db"
        for driver in ("sqlite3", "psycopg", "psycopg2", "pymysql", "mysql.connector")
    },
}
_METHODS: dict[str, frozenset[str]] = {
    "http": _HTTP_VERBS | {"send", "stream"},
    "socket": frozenset({"connect", "recv", "recv_into", "send", "sendall"}),
    "db": frozenset({"execute", "executemany", "executescript", "commit"}),
}
_FAILURES = {
    "http": "a refused connection, a timeout or a bad response raises the client's error",
    "process": "a missing program, a timeout or a failing exit raises OSError/SubprocessError",
    "socket": "a refused, reset or timed-out connection raises OSError",
    "url": "an unreachable host or an HTTP error status raises URLError/HTTPError",
    "db": "a locked, missing or broken database raises the driver's DatabaseError",
    "file": "a missing or unreadable file raises OSError",
}
# Builtin exceptions that never signal an I/O failure: handlers catching only these do not
# handle the call. Anything else (Exception, OSError, a library's error, a name we cannot
# resolve) counts as handling.
_UNRELATED = (
    {"ArithmeticError", "AssertionError", "AttributeError", "ImportError", "IndexError"}
    | {"JSONDecodeError", "KeyError", "LookupError", "ModuleNotFoundError", "NameError"}
    | {"NotImplementedError", "StopAsyncIteration", "StopIteration", "TypeError"}
    | {"UnicodeDecodeError", "UnicodeEncodeError", "UnicodeError", "ValueError"}
    | {"ZeroDivisionError"}
)


def findings(path: str, walk: ModuleWalk) -> list[RawFinding]:
    if is_test_file(path):
        return []
    checker = _Checker(walk)
    found = [checker.first_unhandled(f) for f in walk.functions]
    return [_finding(path, *item) for item in found if item is not None]


class _Checker:
    """What the module's imports and bindings say about each call."""

    def __init__(self, walk: ModuleWalk) -> None:
        tree = self.tree = walk.tree
        self.walk = walk
        self.imports = walk.imported_names
        self.factories: dict[str, str] = {}
        self.module_kinds = self._bindings(tree.body, include_self=True)
        self.factories = {f.name: k for f in _top_functions(tree) if (k := self._returns(f))}

    def _returns(self, function: _Function) -> str | None:
        """The kind a local factory returns: ``def get_conn(): return sqlite3.connect(p)``."""
        kinds = {**self.module_kinds, **self._bindings(function.body, include_self=False)}
        returned = [n.value for n in _own_nodes(function) if isinstance(n, ast.Return) and n.value]
        found = {kinds.get(dotted_name(v) or "") or self._made_by(v, kinds) for v in returned}
        return found.pop() if len(found) == 1 else None

    def first_unhandled(self, function: _Function) -> tuple[_Function, ast.Call, str] | None:
        kinds = {**self.module_kinds, **self._bindings(function.body, include_self=False)}
        params = _parameters(function)
        for call in sorted(_own_calls(function), key=lambda c: (c.lineno, c.col_offset)):
            kind = self._kind(call, kinds, params)
            if kind and not self._handled(call):
                return None if self._wrapped_helper(function) else (function, call, kind)
        return None

    def _kind(self, call: ast.Call, kinds: dict[str, str], params: set[str]) -> str | None:
        func = call.func
        if isinstance(func, ast.Name) and func.id == "open" and call.args:
            first = call.args[0]
            return "file" if isinstance(first, ast.Name) and first.id in params else None
        if isinstance(func, ast.Attribute):
            owner = kinds.get(dotted_name(func.value) or "") or self._made_by(func.value, kinds)
            if owner and func.attr in _METHODS[owner]:
                return owner
        return _EXTERNAL_FUNCTIONS.get(self._qualified(func) or "")

    def _qualified(self, expr: ast.expr) -> str | None:
        """``r.get`` -> ``requests.get`` after ``import requests as r``; None if unknown."""
        dotted = dotted_name(expr)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        origin = self.imports.get(head)
        return None if origin is None else f"{origin}.{rest}" if rest else origin

    def _bindings(self, body: list[ast.stmt], include_self: bool) -> dict[str, str]:
        """Names (and ``self.x``) bound to a session, socket, connection or cursor."""
        kinds: dict[str, str] = {}
        pairs = list(_assignments(body, include_self))  # one walk, read twice
        for _ in range(2):  # twice, so a cursor of a connection bound later is found too
            for target, value in pairs:
                kind = self._made_by(value, kinds)
                if kind and (name := dotted_name(target)):
                    kinds[name] = kind
        return kinds

    def _made_by(self, value: ast.expr, kinds: dict[str, str]) -> str | None:
        if not isinstance(value, ast.Call):
            return None
        func = value.func
        if isinstance(func, ast.Attribute) and func.attr == "cursor":
            return "db" if kinds.get(dotted_name(func.value) or "") == "db" else None
        if isinstance(func, ast.Name) and func.id in self.factories:
            return self.factories[func.id]
        return _CONSTRUCTORS.get(self._qualified(func) or "")

    @functools.cached_property
    def parents(self) -> dict[ast.AST, ast.AST]:
        """Each node's parent: built only for a module with a call to judge."""
        return {c: p for p in self.walk.nodes for c in ast.iter_child_nodes(p)}

    def _handled(self, node: ast.AST) -> bool:
        return handled(node, self.parents)

    def _wrapped_helper(self, function: _Function) -> bool:
        """A private function whose every call in this module is inside a handling try."""
        if not function.name.startswith("_") or function.name.startswith("__"):
            return False
        calls = self._calls_by_name.get(function.name, [])
        return bool(calls) and all(self._handled(c) for c in calls)

    @functools.cached_property
    def _calls_by_name(self) -> dict[str, list[ast.Call]]:
        """Every call in the module by the name it calls (``f()``, ``x.f()``): one walk,
        not one per private function."""
        calls: dict[str, list[ast.Call]] = {}
        for node in self.walk.of(ast.Call):
            if name := _called_name(node):
                calls.setdefault(name, []).append(node)
        return calls


def handled(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether a ``try`` around ``node``, in the same function, can catch its failure
    (``parents``: each node's parent in the module)."""
    child, parent = node, parents.get(node)
    while parent is not None and not isinstance(parent, _Scope):
        if _try_body_catches_io(parent, child):
            return True
        child, parent = parent, parents.get(parent)
    return False


def _top_functions(tree: ast.Module) -> Iterator[_Function]:
    return (n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))


def _own_calls(function: _Function) -> Iterator[ast.Call]:
    return (n for n in _own_nodes(function) if isinstance(n, ast.Call))


def _own_nodes(function: _Function) -> Iterator[ast.AST]:
    """The nodes of ``function``'s body, not those of functions or classes nested in it."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if not isinstance(node, _Scope):
            yield node
            stack.extend(ast.iter_child_nodes(node))


def _assignments(body: list[ast.stmt], include_self: bool) -> Iterator[tuple[ast.expr, ast.expr]]:
    """(target, value) of assignments and ``with ... as`` in ``body``, nested defs excluded
    unless ``include_self`` (then only their ``self.x`` targets are kept)."""
    stack: list[tuple[ast.AST, bool]] = [(stmt, False) for stmt in body]
    while stack:
        node, nested = stack.pop()
        pairs: list[tuple[ast.expr, ast.expr]] = []
        if isinstance(node, ast.Assign):
            pairs = [(t, node.value) for t in node.targets]
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
            pairs = [(node.target, node.value)]
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            pairs = [(node.optional_vars, node.context_expr)]
        yield from (p for p in pairs if not nested or _is_self_attribute(p[0]))
        if isinstance(node, _Scope) and not include_self:
            continue
        inner = nested or isinstance(node, _Scope)
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


def _is_self_attribute(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Attribute) and dotted_name(expr.value) in ("self", "cls")


def _parameters(function: _Function) -> set[str]:
    args = function.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    return {a.arg for a in every} - {"self", "cls"}


def _try_body_catches_io(node: ast.AST, child: ast.AST) -> bool:
    if not isinstance(node, ast.Try | ast.TryStar) or child not in node.body:
        return False
    return any(_catches_io(h) for h in node.handlers)


def _catches_io(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    names = [(dotted_name(t) or "").rpartition(".")[2] for t in types]
    return not all(name in _UNRELATED for name in names)


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _finding(path: str, function: _Function, call: ast.Call, kind: str) -> RawFinding:
    shown = ast.unparse(call.func)
    shown = shown if len(shown) <= 60 else f"...{shown[-57:]}"
    message = (
        f"{shown}() in {function.name}() has no error handling: {_FAILURES[kind]}, "
        f"which escapes {function.name}() with no context for its callers"
    )
    return RawFinding(
        tool="harden",
        rule=_RULE,
        path=path,
        line=call.lineno,
        column=call.col_offset + 1,
        end_line=call.end_lineno or call.lineno,
        message=message,
    )
