"""Find the data harden ships: the bundled example app and the prompts.

In a source checkout (or an editable install) they are the top-level ``examples/`` and
``prompts/`` folders; in an installed wheel they are the data packages
``agent._examples`` and ``agent._prompts`` (see pyproject.toml).
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

__all__ = ["bundled_dir"]

_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def bundled_dir(name: str) -> Path:
    """The directory of bundled data ``name`` ("examples" or "prompts")."""
    in_source = _SOURCE_ROOT / name
    if in_source.is_dir() and (_SOURCE_ROOT / "pyproject.toml").is_file():
        return in_source
    return Path(str(importlib.resources.files(f"agent._{name}")))
