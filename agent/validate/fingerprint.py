"""What a test run changed in the worktree that a test run has no business changing.

The generated-test stage runs the model's new test file; the tests stage then runs the
repo's suite in the same worktree. A test that rewrote an existing test, deleted one, or
planted a ``conftest.py`` or ``.pth`` file would decide how the suite is judged. So the
funnel fingerprints the code and configuration files of the worktree (content hashes of
``.py``, ``.pth``, ``.ini``, ``.cfg``, ``.toml`` files, ``.git`` left out) before and after
each test run, and refuses a patch whose tests changed, deleted or added any of them.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["Fingerprint", "changed_files", "fingerprint"]

Fingerprint = Mapping[str, str]
_WATCHED = (".py", ".pth", ".ini", ".cfg", ".toml")
_LIMIT = 10


def fingerprint(root: Path) -> dict[str, str]:
    """Content hash of every watched file under ``root``, by relative POSIX path."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in files:
            path = Path(folder) / name
            if name.endswith(_WATCHED) and not path.is_symlink():
                found[path.relative_to(root).as_posix()] = _digest(path)
    return found


def changed_files(before: Fingerprint, after: Fingerprint) -> str | None:
    """The watched files added, changed or deleted between two fingerprints, or None."""
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    if not changed:
        return None
    more = f" and {len(changed) - _LIMIT} more" if len(changed) > _LIMIT else ""
    return ", ".join(changed[:_LIMIT]) + more


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"
