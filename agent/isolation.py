"""Confinement of untrusted test runs: no network, resource limits, a pids cgroup.

harden's side probes once per process what the OS permits (`network_isolation`,
`pids_cgroup`), makes a cgroup per run (`run_cgroup`) and wraps the command (`confine`).
The other side is this file run as a script (stdlib only, ``python -I -S``) by the child,
before any test code: it joins the run's cgroup, enters a new network namespace and brings
its loopback up, sets rlimits, then execs the command. A launcher rather than
``preexec_fn``: harden has threads, and Python code between fork and exec can deadlock on
a lock another thread held.

Fallbacks, each probed once per process:

    network: new network namespace -> user + network namespace (non-root) -> none
    tasks:   pids cgroup (v2, else v1) -> RLIMIT_NPROC (non-root) -> timeout + group kill
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import json
import math
import os
import resource
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypedDict

__all__ = [
    "CPU_GRACE_S",
    "DATA_LIMIT_BYTES",
    "FILE_SIZE_LIMIT_BYTES",
    "MAX_TASKS",
    "OPEN_FILES",
    "Confinement",
    "PidsLimit",
    "confine",
    "kill_cgroup",
    "network_isolation",
    "pids_cgroup",
    "pids_limit",
    "run_cgroup",
]

DATA_LIMIT_BYTES = 4 * 2**30  # RLIMIT_DATA: writable memory, so JVM/V8 reservations still fit
FILE_SIZE_LIMIT_BYTES = 2**30
OPEN_FILES = 4096
MAX_TASKS = 512  # processes + threads of one run (pids.max, or added to RLIMIT_NPROC)
CPU_GRACE_S = 30  # RLIMIT_CPU is the wall-clock timeout plus this

PidsLimit = Literal["cgroup", "rlimit", "none"]
NetMode = Literal["net", "usernet"]

_CGROUP_ROOT = Path("/sys/fs/cgroup")
_CLONE_NEWNET, _CLONE_NEWUSER = 0x40000000, 0x10000000
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1
_IFREQ = "16sH22x"
_SETUP_FAILED, _EXEC_FAILED = 126, 127
_PROBE_TIMEOUT_S = 20
_RESET_SIGNALS = ("SIGPIPE", "SIGXFZ", "SIGXFSZ")  # what Python ignores; exec keeps SIG_IGN


class _Setup(TypedDict):
    """What the launcher does before exec; passed to it as JSON."""

    exe: str
    cgroup: str | None
    net: str | None
    limits: list[list[int]]
    lc_ctype: str | None  # undo Python's locale coercion (PEP 538) in the child's env


@dataclass(frozen=True)
class Confinement:
    """A command wrapped in the launcher, and what confines it."""

    argv: list[str]
    isolated: bool
    pids_limit: PidsLimit


# --- harden's side: probes ------------------------------------------------------------


def network_isolation() -> str | None:
    """None when test runs get their own network namespace, else why not (one line)."""
    return _net_probe()[1] or None


def pids_cgroup() -> str | None:
    """None when each run gets a pids-limited cgroup, else why not (one line)."""
    return _pids_probe()[1] or None


def pids_limit() -> PidsLimit:
    """What caps the processes of a test run here: a cgroup, RLIMIT_NPROC, or nothing."""
    return "cgroup" if _pids_probe()[0] else _fallback_pids_limit()


def _fallback_pids_limit() -> PidsLimit:
    return "rlimit" if os.geteuid() else "none"  # root ignores RLIMIT_NPROC


@functools.cache
def _net_probe() -> tuple[NetMode | None, str]:
    reasons = []
    modes: tuple[NetMode, ...] = ("net", "usernet") if os.geteuid() else ("net",)
    for mode in modes:
        setup = _setup(sys.executable, None, mode, [], os.environ)
        failure = _probe(setup)
        if failure is None:
            return mode, ""
        reasons.append(f"{mode}: {failure}")
    return None, "no network namespace (" + "; ".join(reasons) + ")"


@functools.cache
def _pids_probe() -> tuple[Path | None, str]:
    reasons = []
    for base in _cgroup_bases():
        failure = _try_cgroup(base)
        if failure is None:
            return base, ""
        reasons.append(f"{base}: {failure}")
    return None, "no writable pids cgroup (" + ("; ".join(reasons) or "none mounted") + ")"


def _probe(setup: _Setup) -> str | None:
    """Run the launcher with ``setup`` on an empty Python; None if that worked."""
    argv = _launcher(setup, [sys.executable, "-I", "-S", "-c", ""])
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    lines = done.stderr.strip().splitlines()
    return None if done.returncode == 0 else (lines or [f"exit code {done.returncode}"])[-1]


def _cgroup_bases() -> list[Path]:
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


def _try_cgroup(base: Path) -> str | None:
    try:
        _enable_pids(base)
        path = _make_cgroup(base)
    except OSError as exc:
        return exc.strerror or str(exc)
    try:
        return _probe(_setup(sys.executable, path, None, [], os.environ))
    finally:
        _remove_cgroup(path)


def _enable_pids(base: Path) -> None:
    """On cgroup v2, let children of ``base`` use the pids controller."""
    control = base / "cgroup.subtree_control"
    if control.exists() and "pids" not in control.read_text(encoding="utf-8").split():
        control.write_text("+pids", encoding="utf-8")


# --- harden's side: per run -------------------------------------------------------------


def confine(
    argv: Sequence[str], exe: str, timeout_s: float, cgroup: Path | None, env: Mapping[str, str]
) -> Confinement:
    """``argv`` (whose program is ``exe``) wrapped to run confined in ``cgroup``."""
    mode = _net_probe()[0]
    pids = "cgroup" if cgroup else _fallback_pids_limit()
    setup = _setup(exe, cgroup, mode, _rlimits(timeout_s, pids == "rlimit"), env)
    return Confinement(_launcher(setup, argv), isolated=mode is not None, pids_limit=pids)


@contextlib.contextmanager
def run_cgroup() -> Iterator[Path | None]:
    """A pids-limited cgroup for one run (None if unavailable); emptied and removed after."""
    path = _new_run_cgroup()
    try:
        yield path
    finally:
        if path is not None:
            kill_cgroup(path)
            _remove_cgroup(path)


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


def _new_run_cgroup() -> Path | None:
    base = _pids_probe()[0]
    if base is None:
        return None
    try:
        return _make_cgroup(base)
    except OSError:
        return None


def _make_cgroup(base: Path) -> Path:
    path = base / f"harden-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    try:
        _write_existing(path / "pids.max", str(MAX_TASKS))
    except OSError:
        path.rmdir()
        raise
    return path


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


def _remove_cgroup(path: Path) -> None:
    """rmdir the cgroup, waiting up to 2 s for killed members to finish exiting."""
    for _ in range(200):
        try:
            path.rmdir()
        except FileNotFoundError:
            return
        except OSError as exc:
            if exc.errno != errno.EBUSY:
                return
            time.sleep(0.01)
        else:
            return


def _rlimits(timeout_s: float, nproc: bool) -> list[list[int]]:
    cpu = math.ceil(timeout_s) + CPU_GRACE_S
    limits = [
        [resource.RLIMIT_DATA, DATA_LIMIT_BYTES, DATA_LIMIT_BYTES],
        [resource.RLIMIT_CPU, cpu, cpu + 5],
        [resource.RLIMIT_CORE, 0, 0],
        [resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT_BYTES, FILE_SIZE_LIMIT_BYTES],
        [resource.RLIMIT_NOFILE, OPEN_FILES, OPEN_FILES],
    ]
    if nproc:  # counts all of the user's tasks, so allow what they already run
        tasks = _user_tasks(os.getuid()) + MAX_TASKS
        limits.append([resource.RLIMIT_NPROC, tasks, tasks])
    return limits


def _user_tasks(uid: int) -> int:
    """How many tasks (threads included) the user ``uid`` runs now."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
            if int(fields["Uid"].split()[0]) == uid:
                total += int(fields["Threads"])
    return total


def _setup(
    exe: str,
    cgroup: Path | None,
    net: NetMode | None,
    limits: list[list[int]],
    env: Mapping[str, str],
) -> _Setup:
    return _Setup(
        exe=exe,
        cgroup=str(cgroup) if cgroup else None,
        net=net,
        limits=limits,
        lc_ctype=env.get("LC_CTYPE"),
    )


def _launcher(setup: _Setup, argv: Sequence[str]) -> list[str]:
    return [sys.executable, "-I", "-S", __file__, json.dumps(setup), *argv]


# --- the child's side: the launcher -----------------------------------------------------


def _launch(args: list[str]) -> int:
    setup: _Setup = json.loads(args[0])
    argv = args[1:]
    try:
        _join(setup["cgroup"])
        _isolate(setup["net"])
        _limit(setup["limits"])
    except OSError as exc:
        sys.stderr.write(f"harden sandbox: cannot confine the command: {exc}\n")
        return _SETUP_FAILED
    _restore(setup["lc_ctype"])
    try:
        os.execv(setup["exe"], argv)  # noqa: S606 -- the point of the launcher
    except OSError as exc:
        sys.stderr.write(f"harden sandbox: cannot run {argv[0]}: {exc}\n")
    return _EXEC_FAILED


def _join(cgroup: str | None) -> None:
    if cgroup is not None:
        Path(cgroup, "cgroup.procs").write_text(str(os.getpid()), encoding="ascii")


def _isolate(mode: str | None) -> None:
    if mode is None:
        return
    uid, gid = os.getuid(), os.getgid()
    _unshare(_CLONE_NEWNET | (_CLONE_NEWUSER if mode == "usernet" else 0))
    if mode == "usernet":  # keep our own uid inside: tests see the same user as outside
        Path("/proc/self/setgroups").write_text("deny", encoding="ascii")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1", encoding="ascii")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1", encoding="ascii")
    _loopback_up()


def _unshare(flags: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(flags) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unshare: {os.strerror(err)}")


def _loopback_up() -> None:
    """Bring ``lo`` up in the new namespace, so the suite's own localhost servers work."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack(_IFREQ, b"lo", 0)
        _, flags = struct.unpack(_IFREQ, fcntl.ioctl(sock, _SIOCGIFFLAGS, request))
        fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack(_IFREQ, b"lo", flags | _IFF_UP))


def _limit(limits: list[list[int]]) -> None:
    for which, soft, hard in limits:
        ceiling = resource.getrlimit(which)[1]
        if ceiling != resource.RLIM_INFINITY:
            hard = min(hard, ceiling)
        resource.setrlimit(which, (min(soft, hard), hard))


def _restore(lc_ctype: str | None) -> None:
    """Undo what starting Python changed, so the command inherits the parent's state."""
    for name in _RESET_SIGNALS:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    if lc_ctype is None:
        os.environ.pop("LC_CTYPE", None)
    else:
        os.environ["LC_CTYPE"] = lc_ctype


if __name__ == "__main__":
    sys.exit(_launch(sys.argv[1:]))
