"""Find the data harden ships: the bundled example app, the prompts and the eval cases.

In a source checkout (or an editable install) they are the top-level ``examples/``,
``prompts/`` and ``evals/`` folders; in an installed wheel they are the data folders
``agent/_examples``, ``agent/_prompts`` and ``agent/_evals`` (see pyproject.toml). Those
have no ``__init__.py`` (the example app is copied as it is), so they are found as real
directories beside this module, not through ``importlib.resources`` (which gives a
namespace package a ``MultiplexedPath``, not a path).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from agent.errors import HardenError

__all__ = ["BundledName", "bundled_dir"]

BundledName = Literal["examples", "prompts", "evals"]

_PACKAGE_DIR = Path(__file__).resolve().parent
_SOURCE_ROOT = _PACKAGE_DIR.parent


def bundled_dir(name: BundledName) -> Path:
    """The directory of bundled data ``name``."""
    in_source = _SOURCE_ROOT / name
    if in_source.is_dir() and (_SOURCE_ROOT / "pyproject.toml").is_file():
        return in_source
    installed = _PACKAGE_DIR / f"_{name}"
    if installed.is_dir():
        return installed
    raise HardenError(f"harden's bundled {name} are missing from {_PACKAGE_DIR}: reinstall harden")
