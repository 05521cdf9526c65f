"""``assert`` is a security finding only where it guards authorisation.

ruff's S101 and bandit's B101 report every ``assert``: asserts vanish under ``python -O``,
which matters when one checks a permission (``assert user.is_admin``; the assert_auth
codemod turns those into an explicit raise) and not when one states an invariant, narrows
a type or checks a script's input. ``drop`` keeps S101/B101 only on asserts whose test
names an authorisation concept (see ``agent.scan.auth_names``); this module reports
nothing of its own.
"""

from __future__ import annotations

import ast

from agent.models import Priority
from agent.scan.auth_names import is_auth_name
from agent.scan.checks._walk import ModuleWalk
from agent.scan.raw import RawFinding

__all__ = ["DROPS", "PRIORITIES", "drop", "findings"]

PRIORITIES = frozenset({Priority.SECURITY})

_ASSERT_RULES = frozenset({"S101", "B101"})
DROPS = _ASSERT_RULES


def findings(path: str, walk: ModuleWalk) -> list[RawFinding]:
    return []


def drop(path: str, walk: ModuleWalk, raw: RawFinding) -> bool:
    """Whether ``raw`` is an assert finding on an assert that is not about authorisation."""
    if raw.rule not in _ASSERT_RULES:
        return False
    asserts = [n for n in walk.of(ast.Assert) if n.lineno == raw.line]
    return bool(asserts) and not any(_about_auth(a.test) for a in asserts)


def _about_auth(test: ast.expr) -> bool:
    """The test names an auth concept (``user.is_admin``) or compares with one ("admin")."""
    names: list[str] = []
    for node in ast.walk(test):
        if isinstance(node, ast.Name):
            names.append(node.id)
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names += [node.value] if node.value.isidentifier() else []
    return any(is_auth_name(name) for name in names)
