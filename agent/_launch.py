"""The launcher that confines one test command, run by the child before any test code.

Run as ``python -I -S agent/_launch.py <setup JSON> argv...`` (stdlib only: it imports
nothing from agent/). It joins the run's cgroup, enters a new network namespace and brings
its loopback up, sets rlimits, then execs the command. A launcher rather than
``preexec_fn``: harden has threads, and Python code between fork and exec can deadlock on
a lock another thread held. `agent.isolation` builds the setup and the argv.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import resource
import signal
import socket
import struct
import sys
from pathlib import Path
from typing import TypedDict

__all__ = ["Setup", "launch"]

_CLONE_NEWNET, _CLONE_NEWUSER = 0x40000000, 0x10000000
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1
_IFREQ = "16sH22x"
_SETUP_FAILED, _EXEC_FAILED = 126, 127
_RESET_SIGNALS = ("SIGPIPE", "SIGXFZ", "SIGXFSZ")  # what Python ignores; exec keeps SIG_IGN


class Setup(TypedDict):
    """What the launcher does before exec; passed to it as JSON."""

    exe: str
    cgroup: str | None
    net: str | None
    limits: list[list[int]]
    lc_ctype: str | None  # undo Python's locale coercion (PEP 538) in the child's env


def launch(args: list[str]) -> int:
    setup: Setup = json.loads(args[0])
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
    sys.exit(launch(sys.argv[1:]))
