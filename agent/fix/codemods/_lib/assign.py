"""Read a one-target assignment, plain or annotated, as (target, value)."""

from __future__ import annotations

import libcst as cst

__all__ = ["assignment"]


def assignment(
    small: cst.BaseSmallStatement,
) -> tuple[cst.BaseAssignTargetExpression, cst.BaseExpression] | None:
    """``(x, v)`` for ``x = v`` or ``x: T = v``; None for anything else."""
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        return small.targets[0].target, small.value
    if isinstance(small, cst.AnnAssign) and small.value is not None:
        return small.target, small.value
    return None
