"""Iterate over only the half of a dict a loop uses (ruff PERF102).

``for _, v in d.items():`` becomes ``for v in d.values():`` and ``for k, _ in d.items():``
becomes ``for k in d.keys():``, as ruff's own fix does: a dummy name (one starting with
an underscore) marks the unused half. The loop is left alone when both or neither names
are dummies, when ``.items()`` takes arguments, or when the loop body still reads the
dummy name (dropping it would then change what the body sees).
"""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from agent.fix.codemods.base import LOCAL, CodemodSpec, HardenCommand

_ITEMS_CALL = m.Call(func=m.Attribute(attr=m.Name("items")), args=[])


class DictIteration(HardenCommand):
    DESCRIPTION = "Iterate over .keys() or .values() when a loop drops half of .items()."

    def leave_For(self, original: cst.For, updated: cst.For) -> cst.For:
        if not self.is_target(original.iter) or not m.matches(updated.iter, _ITEMS_CALL):
            return updated
        pair = _pair(updated.target)
        if pair is None:
            return updated
        kept, method, dropped = pair
        if _reads(updated, dropped):
            return updated
        self.mark_fixed(original.iter)
        call = cst.ensure_type(updated.iter, cst.Call)
        func = cst.ensure_type(call.func, cst.Attribute)
        new_iter = call.with_changes(func=func.with_changes(attr=cst.Name(method)))
        return updated.with_changes(target=kept, iter=new_iter)


def _pair(target: cst.BaseAssignTargetExpression) -> tuple[cst.BaseExpression, str, str] | None:
    """(the name kept, the dict method that yields it, the dummy name dropped), if any."""
    if not isinstance(target, cst.Tuple) or len(target.elements) != 2:
        return None
    key, value = (element.value for element in target.elements)
    if any(isinstance(e, cst.StarredElement) for e in target.elements):
        return None
    key_dummy, value_dummy = _is_dummy(key), _is_dummy(value)
    if key_dummy == value_dummy:
        return None
    if key_dummy:
        return value, "values", cst.ensure_type(key, cst.Name).value
    return key, "keys", cst.ensure_type(value, cst.Name).value


def _is_dummy(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value.startswith("_")


def _reads(loop: cst.For, name: str) -> bool:
    """Whether the loop's body or else block mentions ``name``."""
    blocks: list[cst.CSTNode] = [loop.body, *([loop.orelse] if loop.orelse else [])]
    return any(m.findall(block, m.Name(name)) for block in blocks)


SPEC = CodemodSpec(
    id="harden:dict-iteration",
    title="Iterate over only the dict keys or values used",
    rationale=(
        "The loop unpacks .items() and throws half away; .keys() or .values() says what "
        "the loop uses and skips building a tuple per entry (ruff PERF102)."
    ),
    rules=frozenset({"PERF102"}),
    command=DictIteration,
    reads=LOCAL,
)
