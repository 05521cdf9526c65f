"""Build a list with a comprehension instead of appending in a loop (ruff PERF401).

Only the simple form is rewritten: an empty list assigned right before a ``for`` loop
whose whole body appends one value to it, optionally under one ``if``::

    result = []                              result = [f(x) for x in xs if cond]
    for x in xs:                     ->
        if cond:
            result.append(f(x))

Everything else is left to the model: an ``else`` or ``async for``, any other statement
in the loop, comments inside it (they would be lost), a loop that mentions the list
again, a loop variable used outside the loop (a comprehension does not leak it), a
class body (a comprehension there cannot see the class's names), or ``yield`` and ``:=``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext

from agent.fix.codemods._lib.assign import assignment
from agent.fix.codemods.base import CodemodSpec, HardenCommand, Reads
from agent.models import Finding

Block = TypeVar("Block", cst.Module, cst.IndentedBlock)

_EMPTY_LIST = m.List(elements=[])
_APPEND_LINE = m.SimpleStatementLine(
    body=[m.Expr(m.Call(func=m.Attribute(value=m.Name(), attr=m.Name("append"))))]
)
# Parts of a comprehension that must be parenthesised when they appear bare.
_LOOSE_ELEMENT = (cst.GeneratorExp, cst.Tuple, cst.NamedExpr)
_LOOSE_CLAUSE = (cst.IfExp, cst.Lambda, cst.Yield, *_LOOSE_ELEMENT)


class ListComprehension(HardenCommand):
    DESCRIPTION = "Turn `xs = []` + a for loop of xs.append(...) into a list comprehension."

    def __init__(self, context: CodemodContext, targets: Sequence[Finding]) -> None:
        super().__init__(context, targets)
        self.scopes: list[cst.CSTNode] = []

    def visit_Module(self, node: cst.Module) -> None:
        self.scopes.append(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scopes.append(node)

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.scopes.pop()
        return updated

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.scopes.append(node)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self.scopes.pop()
        return updated

    def leave_IndentedBlock(
        self, original: cst.IndentedBlock, updated: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        return self._rewrite_block(original, updated)

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        return self._rewrite_block(original, updated)

    def _rewrite_block(self, original: Block, updated: Block) -> Block:
        scope = self.scopes[-1]
        if isinstance(scope, cst.ClassDef):
            return updated
        body = list(updated.body)
        for index in reversed(range(len(body) - 1)):
            merged = self._merge(original.body[index : index + 2], body[index : index + 2], scope)
            if merged is not None:
                body[index : index + 2] = [merged]
        return updated.with_changes(body=body)

    def _merge(
        self,
        original: Sequence[cst.BaseStatement],
        updated: Sequence[cst.BaseStatement],
        scope: cst.CSTNode,
    ) -> cst.SimpleStatementLine | None:
        """The assignment of a comprehension replacing ``updated`` (assign, loop), if safe."""
        line, loop = updated
        name = _empty_list_name(line)
        if name is None or not isinstance(loop, cst.For) or not self.is_target(original[1]):
            return None
        parts = _loop_parts(loop, name)
        if parts is None or not self._stays_inside(cst.ensure_type(original[1], cst.For), scope):
            return None
        self.mark_fixed(original[1])
        assign = cst.ensure_type(line, cst.SimpleStatementLine)
        small = assign.body[0]
        return assign.with_changes(body=[small.with_changes(value=_comprehension(loop, *parts))])

    def _stays_inside(self, loop: cst.For, scope: cst.CSTNode) -> bool:
        """Whether ``scope`` reads the loop's variables only inside the loop.

        A later ``for`` that rebinds the name (outside this loop) reads its own value, so
        its target and body do not count; its iterable does.
        """
        for name in _bound(loop):
            others = [
                cst.ensure_type(f, cst.For)
                for f in m.findall(scope, m.For())
                if name in _bound(cst.ensure_type(f, cst.For)) and not self._overlap(f, loop)
            ]
            others = [f for f in others if not any(self._overlap(f, o) for o in others if o != f)]
            own = sum(len(_mentions(part, name)) for f in others for part in _rebinding_parts(f))
            if len(_mentions(scope, name)) - own != len(_mentions(loop, name)):
                return False
        return True

    def _overlap(self, first: cst.CSTNode, second: cst.CSTNode) -> bool:
        (a, b), (c, d) = self.span(first), self.span(second)
        return a <= d and c <= b


def _empty_list_name(statement: cst.BaseStatement) -> str | None:
    """``xs`` for a line that is only ``xs = []`` (or ``xs: T = []``)."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    parts = assignment(statement.body[0])
    if parts is None:
        return None
    target, value = parts
    if not isinstance(target, cst.Name) or not m.matches(value, _EMPTY_LIST):
        return None
    return target.value


def _loop_parts(
    loop: cst.For, name: str
) -> tuple[cst.BaseExpression, cst.BaseExpression | None] | None:
    """(the appended value, the ``if`` condition or None) of a loop that only appends."""
    if loop.asynchronous is not None or loop.orelse is not None or not _plain(loop):
        return None
    statement, test = _only(loop.body), None
    if isinstance(statement, cst.If) and statement.orelse is None:
        test = statement.test
        statement = _only(statement.body)
    if statement is None or not m.matches(statement, _APPEND_LINE):
        return None
    call = cst.ensure_type(cst.ensure_type(statement, cst.SimpleStatementLine).body[0], cst.Expr)
    append = cst.ensure_type(call.value, cst.Call)
    receiver = cst.ensure_type(append.func, cst.Attribute).value
    if not m.matches(receiver, m.Name(name)) or len(m.findall(loop, m.Name(name))) != 1:
        return None
    if len(append.args) != 1 or append.args[0].keyword is not None or append.args[0].star:
        return None
    return append.args[0].value, test


def _only(block: cst.BaseSuite) -> cst.BaseStatement | None:
    if isinstance(block, cst.IndentedBlock) and len(block.body) == 1:
        return block.body[0]
    return None


def _plain(loop: cst.For) -> bool:
    """No comments to lose, no yield or walrus, and a target of plain names."""
    if any(m.findall(loop, m.Comment() | m.Yield() | m.NamedExpr())):
        return False
    if any(line.comment is not None for line in loop.leading_lines):
        return False
    target = loop.target
    elements = [e.value for e in target.elements] if isinstance(target, cst.Tuple) else [target]
    return all(isinstance(e, cst.Name) for e in elements)


def _bound(loop: cst.For) -> set[str]:
    return {cst.ensure_type(n, cst.Name).value for n in m.findall(loop.target, m.Name())}


def _rebinding_parts(loop: cst.For) -> list[cst.CSTNode]:
    return [loop.target, loop.body, *([loop.orelse] if loop.orelse else [])]


def _mentions(node: cst.CSTNode, name: str) -> Sequence[cst.CSTNode]:
    return m.findall(node, m.Name(name))


def _comprehension(
    loop: cst.For, value: cst.BaseExpression, test: cst.BaseExpression | None
) -> cst.ListComp:
    ifs = [cst.CompIf(test=_wrapped(test, _LOOSE_CLAUSE))] if test is not None else []
    return cst.ListComp(
        elt=_wrapped(value, _LOOSE_ELEMENT),
        for_in=cst.CompFor(
            target=loop.target,
            iter=_wrapped(loop.iter, _LOOSE_CLAUSE),
            ifs=ifs,
        ),
    )


def _wrapped(expr: cst.BaseExpression, loose: tuple[type[cst.CSTNode], ...]) -> cst.BaseExpression:
    """``expr`` in parentheses if it is of a ``loose`` kind and has none of its own."""
    if isinstance(expr, loose) and not expr.lpar:
        return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return expr


SPEC = CodemodSpec(
    id="harden:list-comprehension",
    title="Build the list with a comprehension",
    rationale=(
        "Appending in a loop looks up and calls .append on every turn; a list "
        "comprehension builds the same list in one expression, faster (ruff PERF401)."
    ),
    rules=frozenset({"PERF401"}),
    command=ListComprehension,
    reads=Reads(local=True, module_at_top_level=True),
)
