"""Which expressions of a module are constants, for the ai checks on prompts.

An expression is constant when it is a literal, a container or f-string of constants, a
string built from constants (``+``, ``"...".format(...)``, ``textwrap.dedent(...)``,
``.strip()``), a module constant (a name bound once at module level to a constant and
never rebound, declared ``global`` or changed in place), or a local constant (a name
bound once in the function to a constant, used only as a value: no method call or item
store on it, not passed to a call other than a request). Attributes, calls of anything
else and parameters are never constant.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from agent.scan.checks._names import dotted_name
from agent.scan.llm_calls import endpoint

__all__ = ["DEDENT", "STRING_METHODS", "Constants", "bound_once", "own_nodes", "string_parts"]

_Function = ast.FunctionDef | ast.AsyncFunctionDef
_Scope = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
STRING_METHODS = frozenset({"format", "strip", "lstrip", "rstrip"})
_Check = Callable[[ast.expr], bool]
_MUTATORS = frozenset({"append", "extend", "insert", "update", "pop", "clear", "remove",
                       "setdefault", "add", "sort", "reverse", "popitem", "discard"})  # fmt: skip
DEDENT = frozenset({"dedent", "textwrap.dedent", "inspect.cleandoc", "cleandoc"})


def own_nodes(function: _Function) -> Iterator[ast.AST]:
    """The nodes of a function's body, not those of the functions or classes inside it."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _Scope):
            stack.extend(ast.iter_child_nodes(node))


def string_parts(expr: ast.expr) -> list[str]:
    """The literal text of a string expression: its constants' and f-string parts' text."""
    return [
        n.value for n in ast.walk(expr) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def bound_once(function: _Function) -> dict[str, ast.expr]:
    """Local name -> its value, for each name ``function`` binds once (``x = ...``) and
    that is not a parameter."""
    nodes = list(own_nodes(function))
    stores = Counter(_stored_names(nodes))
    stores.update(a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg))
    return {
        t.id: n.value
        for n in nodes
        if isinstance(n, ast.Assign) and len(n.targets) == 1
        for t in n.targets
        if isinstance(t, ast.Name) and stores[t.id] == 1
    }


class Constants:
    """The constants of one module, asked about expressions in one of its functions."""

    def __init__(self, tree: ast.Module) -> None:
        self.module = _module_constants(tree)

    def local_values(self, function: _Function) -> dict[str, ast.expr]:
        """Local name -> its one value, for each local constant of ``function``."""
        nodes = list(own_nodes(function))
        candidates = bound_once(function)
        bound = set(_stored_names(nodes))
        bound |= {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
        changed = _changed_in_place(nodes, candidates)
        found: dict[str, ast.expr] = {}
        for _ in range(3):  # a constant built from another local constant
            found |= {
                name: value
                for name, value in candidates.items()
                if name not in changed and self.is_constant(value, found, bound)
            }
        return found

    def is_constant(self, expr: ast.expr, local: dict[str, ast.expr], shadowed: set[str]) -> bool:
        """Whether ``expr`` is constant, with ``local`` the function's local constants and
        ``shadowed`` every name the function binds."""
        if isinstance(expr, ast.Name):
            return expr.id in local or (expr.id in self.module and expr.id not in shadowed)
        return _constant(expr, lambda e: self.is_constant(e, local, shadowed))


def _constant(expr: ast.expr, check: _Check) -> bool:
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, ast.JoinedStr | ast.FormattedValue):
        return all(check(v) for v in ast.iter_child_nodes(expr) if isinstance(v, ast.expr))
    if isinstance(expr, ast.List | ast.Tuple | ast.Set):
        return all(check(e) for e in expr.elts)
    if isinstance(expr, ast.Dict):
        return all(check(e) for e in [*expr.keys, *expr.values] if e is not None)
    if isinstance(expr, ast.BinOp):
        return check(expr.left) and check(expr.right)
    if isinstance(expr, ast.Call):
        return _string_call(expr, check)
    return False


def _string_call(call: ast.Call, check: _Check) -> bool:
    """``"...".format(a)``, ``TEXT.strip()``, ``dedent("...")`` of constants."""
    values = [*call.args, *(k.value for k in call.keywords)]
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in STRING_METHODS:
        return check(func.value) and all(check(v) for v in values)
    return dotted_name(func) in DEDENT and all(check(v) for v in values)


def _stored_names(nodes: Iterable[ast.AST]) -> Iterator[str]:
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            yield node.id


def _changed_in_place(nodes: list[ast.AST], values: dict[str, ast.expr]) -> set[str]:
    """Of ``values`` (name -> bound value): the names declared ``global``/``nonlocal``,
    with a mutating method called or an item stored on them, and the containers passed to
    a call that is not a request (which may change them)."""
    changed: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Global | ast.Nonlocal):
            changed |= set(node.names)
        elif isinstance(node, ast.Attribute) and node.attr in _MUTATORS:
            changed.add(dotted_name(node.value) or "")
        elif isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load):
            changed |= {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Call) and not endpoint(node.func):
            passed = [*node.args, *(k.value for k in node.keywords)]
            changed |= {v.id for v in passed if isinstance(v, ast.Name)} - _strings(values)
    return changed


def _strings(values: dict[str, ast.expr]) -> set[str]:
    """The names bound to a string literal, f-string or string expression (immutable)."""
    kinds = ast.Constant | ast.JoinedStr | ast.BinOp | ast.Call
    return {name for name, value in values.items() if isinstance(value, kinds)}


def _module_constants(tree: ast.Module) -> set[str]:
    """Names bound once in the whole module, at its top level, to a constant."""
    nodes = list(ast.walk(tree))
    stores = Counter(_stored_names(nodes))
    stores.update(n.name for n in nodes if isinstance(n, _Function | ast.ClassDef))
    stores.update(
        a.asname or a.name
        for n in nodes
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in n.names
    )
    bindings = {t: v for t, v in map(_single_binding, tree.body) if t and v}
    changed = _changed_in_place(nodes, bindings)
    found: set[str] = set()
    for target, value in bindings.items():  # in source order: a constant built from another
        if stores[target] == 1 and target not in changed and _module_constant(value, found):
            found.add(target)
    return found


def _module_constant(expr: ast.expr, found: set[str]) -> bool:
    """Whether ``expr`` is constant given the module constants ``found`` so far."""
    if isinstance(expr, ast.Name):
        return expr.id in found
    return _constant(expr, lambda e: _module_constant(e, found))


def _single_binding(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        return (target.id, node.value) if isinstance(target, ast.Name) else (None, None)
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None
