"""Find the two-step query form inside one function, and what could break moving it.

::

    query = f"SELECT * FROM t WHERE id = {uid}"    # assigned exactly once
    cursor.execute(query)                          # its only use

Rewriting it moves the evaluation of ``uid`` from the assignment to the call, so the
codemod also needs the names stored in the function (``stores``) and which loops or
nested scopes hold a node (``barriers``), and accepts only simple values (``is_simple``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import libcst as cst

__all__ = ["TwoStep", "barriers", "is_simple", "root_names", "sql_arg", "stores", "two_steps"]

_EXECUTE = frozenset({"execute", "executemany"})
_BARRIERS = (
    cst.For,
    cst.While,
    cst.FunctionDef,
    cst.Lambda,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
)


@dataclass(frozen=True)
class TwoStep:
    assign: cst.Assign
    call: cst.Call


def sql_arg(call: cst.Call) -> cst.Arg | None:
    """The query of ``<x>.execute(query)`` / ``executemany``, if it is the only argument."""
    if not isinstance(call.func, cst.Attribute) or call.func.attr.value not in _EXECUTE:
        return None
    if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
        return None
    return call.args[0]


class _Collector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.calls: list[tuple[str, cst.Call]] = []
        self.assigns: dict[str, list[cst.Assign]] = defaultdict(list)
        self.names: Counter[str] = Counter()

    def visit_Call(self, node: cst.Call) -> None:
        arg = sql_arg(node)
        if arg is not None and isinstance(arg.value, cst.Name):
            self.calls.append((arg.value.value, node))

    def visit_Assign(self, node: cst.Assign) -> None:
        target = node.targets[0].target
        if len(node.targets) == 1 and isinstance(target, cst.Name):
            self.assigns[target.value].append(node)

    def visit_Name(self, node: cst.Name) -> None:
        self.names[node.value] += 1


def two_steps(func: cst.FunctionDef) -> list[TwoStep]:
    """Execute calls whose query variable appears exactly twice: its assignment and here."""
    seen = _Collector()
    func.visit(seen)
    return [
        TwoStep(seen.assigns[name][0], call)
        for name, call in seen.calls
        if seen.names[name] == 2 and len(seen.assigns[name]) == 1
    ]


class _Stores(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found: list[cst.BaseExpression] = []

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.found.append(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.found.append(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.found.append(node.target)

    def visit_For(self, node: cst.For) -> None:
        self.found.append(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self.found.append(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        if isinstance(node.name, cst.BaseExpression):
            self.found.append(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.found.append(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self.found.append(node.target)


def stores(func: cst.FunctionDef) -> list[cst.BaseExpression]:
    """Every target the function binds, mutates or deletes (``x``, ``x.a``, ``x[0]``)."""
    seen = _Stores()
    func.visit(seen)
    return seen.found


def root_names(expr: cst.BaseExpression) -> set[str]:
    """The variables an expression or target hangs off: ``a.b[c]`` -> {a}; ``a, b`` -> both."""
    if isinstance(expr, cst.Name):
        return {expr.value}
    if isinstance(expr, cst.Attribute | cst.Subscript):
        return root_names(expr.value)
    if isinstance(expr, cst.StarredElement):
        return root_names(expr.value)
    if isinstance(expr, cst.Tuple | cst.List):
        return {n for e in expr.elements for n in root_names(e.value)}
    return set()


class _Scopes(cst.CSTVisitor):
    def __init__(self) -> None:
        self.open: list[cst.CSTNode] = []
        self.found: dict[cst.CSTNode, frozenset[cst.CSTNode]] = {}

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.found[node] = frozenset(self.open)
        if isinstance(node, _BARRIERS):
            self.open.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if self.open and self.open[-1] is original_node:
            self.open.pop()


def barriers(func: cst.FunctionDef) -> dict[cst.CSTNode, frozenset[cst.CSTNode]]:
    """For each node of ``func``: the loops and nested scopes inside ``func`` holding it."""
    seen = _Scopes()
    for statement in func.body.body:
        statement.visit(seen)
    return seen.found


def is_simple(expr: cst.BaseExpression) -> bool:
    """A name, attribute, constant-indexed subscript or literal: evaluating it later is safe
    as long as its root name is not rebound in between (calls could do anything)."""
    if isinstance(expr, cst.Name | cst.Integer | cst.Float | cst.SimpleString):
        return True
    if isinstance(expr, cst.Attribute):
        return is_simple(expr.value)
    if isinstance(expr, cst.Subscript):
        return is_simple(expr.value) and all(_is_constant_index(s) for s in expr.slice)
    return False


def _is_constant_index(element: cst.SubscriptElement) -> bool:
    index = element.slice
    return isinstance(index, cst.Index) and isinstance(index.value, cst.Integer | cst.SimpleString)
