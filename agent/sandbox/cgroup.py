"""The cgroup files behind a run's process cap: find a pids hierarchy, make, kill, remove.

Works on cgroup v2 (unified, or hybrid under ``unified/``) and on a v1 pids hierarchy.
`agent.sandbox.isolation` probes which of these this process may use and makes one per run.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import signal
import time
import uuid
from pathlib import Path

__all__ = [
    "MAX_TASKS",
    "cgroup_bases",
    "enable_pids",
    "kill_cgroup",
    "make_cgroup",
    "remove_cgroup",
]

MAX_TASKS = 512  # processes + threads of one run (pids.max, or added to RLIMIT_NPROC)
_EMPTY_WAIT_S = 2.0  # how long removing a cgroup waits for its killed members to exit

_CGROUP_ROOT = Path("/sys/fs/cgroup")


def cgroup_bases() -> list[Path]:
    """Where this process's pids cgroup lives: cgroup v2 first, then a v1 pids hierarchy."""
    try:
        lines = Path("/proc/self/cgroup").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    found = dict(line.split(":", 2)[1:] for line in lines)
    v1 = next((own for names, own in found.items() if "pids" in names.split(",")), None)
    bases = [_base(_v2_mount(), found.get("")), _base(_CGROUP_ROOT / "pids", v1)]
    return [base for base in bases if base is not None]


def _v2_mount() -> Path:
    unified = _CGROUP_ROOT / "unified"  # hybrid mode mounts cgroup v2 here
    return _CGROUP_ROOT if (_CGROUP_ROOT / "cgroup.controllers").exists() else unified


def _base(mount: Path, own: str | None) -> Path | None:
    """This process's cgroup under ``mount`` (or ``mount`` itself) if it has pids."""
    if own is None or not (mount / "cgroup.procs").exists():
        return None
    controllers = mount / "cgroup.controllers"
    if controllers.exists() and "pids" not in controllers.read_text(encoding="utf-8").split():
        return None
    mine = mount / own.lstrip("/")
    return mine if (mine / "cgroup.procs").exists() else mount


def enable_pids(base: Path) -> None:
    """On cgroup v2, let children of ``base`` use the pids controller."""
    control = base / "cgroup.subtree_control"
    if control.exists() and "pids" not in control.read_text(encoding="utf-8").split():
        control.write_text("+pids", encoding="utf-8")


def make_cgroup(base: Path) -> Path:
    """A new cgroup under ``base`` capped at MAX_TASKS tasks."""
    path = base / f"harden-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    try:
        _write_existing(path / "pids.max", str(MAX_TASKS))
    except OSError:
        path.rmdir()
        raise
    return path


def kill_cgroup(path: Path) -> None:
    """SIGKILL every process in the cgroup at ``path``, including any that escaped setsid."""
    with contextlib.suppress(OSError):
        _write_existing(path / "cgroup.kill", "1")
        return
    for _ in range(100):  # cgroup v1: no cgroup.kill; pids.max bounds the forks racing us
        members = _members(path)
        if not members:
            return
        for pid in members:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)


def remove_cgroup(path: Path) -> None:
    """rmdir the cgroup once its killed members have exited (up to 2 s).

    On cgroup v2 ``cgroup.events`` says when the cgroup is empty and wakes a poll when that
    changes, so this waits without polling; cgroup v1 has no such file: retry the rmdir.
    """
    _wait_empty(path, _EMPTY_WAIT_S)
    for _ in range(200):
        try:
            path.rmdir()
        except FileNotFoundError:
            return
        except OSError as exc:
            if exc.errno != errno.EBUSY:
                return
            time.sleep(0.01)  # cgroup v1 only: nothing to wait on
        else:
            return


def _wait_empty(path: Path, timeout_s: float) -> None:
    """Until ``populated 0`` in the cgroup's events file, or ``timeout_s``; v2 only."""
    try:
        fd = os.open(path / "cgroup.events", os.O_RDONLY)
    except OSError:
        return
    try:
        poller = select.poll()
        poller.register(fd, select.POLLPRI | select.POLLERR)
        deadline = time.monotonic() + timeout_s
        while b"populated 1" in os.pread(fd, 4096, 0):
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                return
    finally:
        os.close(fd)


def _write_existing(path: Path, text: str) -> None:
    """Write a cgroup control file; never create one (a plain directory is no cgroup)."""
    fd = os.open(path, os.O_WRONLY)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(text)


def _members(path: Path) -> list[int]:
    try:
        return [int(pid) for pid in (path / "cgroup.procs").read_text().split()]
    except FileNotFoundError:
        return []
