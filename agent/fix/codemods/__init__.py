"""The registry of built-in codemods: every module here ends with ``SPEC = CodemodSpec(...)``.

Modules whose names start with an underscore, and ``base``, hold shared helpers.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from agent.fix.codemods.base import CodemodSpec
from agent.models import Finding

__all__ = ["all_codemods", "codemods_for"]

_NOT_CODEMODS = {"base"}


@cache
def all_codemods() -> tuple[CodemodSpec, ...]:
    """Every module of this package except the shared ones defines one SPEC."""
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(__path__)
        if info.name not in _NOT_CODEMODS and not info.name.startswith("_")
    )
    return tuple(importlib.import_module(f"{__name__}.{name}").SPEC for name in names)


def codemods_for(finding: Finding) -> list[CodemodSpec]:
    return [spec for spec in all_codemods() if spec.handles(finding)]
