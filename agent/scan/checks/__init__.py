"""harden's own AST checks, one module per family, discovered like the codemods.

Every module here (except those starting with an underscore) defines
``findings(path, walk) -> list[RawFinding]`` (``walk``: the module's one ``ModuleWalk``,
shared by all checks) and may define
``drop(path, walk, raw) -> bool``, which removes another detector's finding that the
module knows to be wrong for this file (ruff's T201 inside a command-line script), with
``DROPS``, the rules ``drop`` may remove (the scan parses a file again only for those).
Each defines ``PRIORITIES``, the priorities of the rules it reports or drops (a scan for
other priorities leaves the module out).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cache
from types import ModuleType

from agent.models import Priority
from agent.scan.checks._walk import ModuleWalk
from agent.scan.raw import RawFinding

__all__ = ["ast_findings", "droppable", "dropped"]

Drop = Callable[[str, ModuleWalk, RawFinding], bool]


@cache
def _modules() -> tuple[ModuleType, ...]:
    names = sorted(i.name for i in pkgutil.iter_modules(__path__) if not i.name.startswith("_"))
    return tuple(importlib.import_module(f"{__name__}.{name}") for name in names)


def ast_findings(
    path: str, walk: ModuleWalk, priorities: frozenset[Priority] | None = None
) -> list[RawFinding]:
    """The checks' findings over the module's one walk; with ``priorities``, only the
    modules of those priorities run."""
    modules = [m for m in _modules() if priorities is None or m.PRIORITIES & priorities]
    return [raw for module in modules for raw in module.findings(path, walk)]


def droppable(rule: str) -> bool:
    """Whether some check may drop another detector's finding of ``rule``."""
    return any(rule in m.DROPS for m in _modules() if hasattr(m, "drop"))


def dropped(path: str, walk: ModuleWalk, raw: RawFinding) -> bool:
    """Whether one of the checks knows ``raw`` (from ruff or bandit) to be wrong here."""
    drops: list[Drop] = [m.drop for m in _modules() if hasattr(m, "drop")]
    return any(drop(path, walk, raw) for drop in drops)
