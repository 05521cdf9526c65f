"""harden's own folder in the user's checkout, and the lock a run holds on it.

``.harden/`` ignores itself (a ``.gitignore`` of ``*``), so nothing harden writes there
shows up in the user's ``git status``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from agent.errors import LockedError

__all__ = ["harden_dir", "run_lock"]


def harden_dir(root: Path) -> Path:
    """Create ``root/.harden/`` with a .gitignore that ignores everything inside it."""
    folder = root / ".harden"
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# harden's run artifacts; not part of the project\n*\n")
    return folder


@contextlib.contextmanager
def run_lock(root: Path) -> Iterator[None]:
    """Hold ``.harden/lock`` for the run; a second run refuses at once."""
    path = harden_dir(root) / "lock"
    with path.open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            raise LockedError(
                f"another harden run (pid {holder}) is working on {root}; wait for it to finish"
            ) from exc
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
