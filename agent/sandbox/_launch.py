"""The launcher that confines one test command, run by the child before any test code.

Run as ``python -I -S agent/sandbox/_launch.py <setup JSON> argv...`` (stdlib only: it imports
nothing from agent/). It joins the run's cgroup, enters a new network namespace and brings
its loopback up, sets rlimits, restricts itself with Landlock when asked (the fallback when
bubblewrap is missing: see `agent.sandbox.jail`), then execs the command (or bubblewrap). A
launcher rather than ``preexec_fn``: harden has threads, and Python code between fork and
exec can deadlock on a lock another thread held. `agent.sandbox.isolation` builds the
setup and the argv.
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
# Landlock (linux/landlock.h): syscalls, and the access rights of each ABI version.
_LL_CREATE, _LL_ADD_RULE, _LL_RESTRICT, _LL_VERSION, _LL_PATH_BENEATH = 444, 445, 446, 1, 1
_PR_SET_NO_NEW_PRIVS, _PR_CAPBSET_DROP, _PR_CAP_AMBIENT, _AMBIENT_CLEAR_ALL = 38, 24, 47, 4
_LL_READ = 0b1101  # EXECUTE | READ_FILE | READ_DIR
_LL_FILE = 0b111 | 1 << 14 | 1 << 15  # what applies to a file: EXECUTE, WRITE, READ, ...
_LL_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
_LL_SCOPES = 0b11  # ABI 6: abstract unix sockets and signals of this domain only


class Setup(TypedDict):
    """What the launcher does before exec; passed to it as JSON."""

    exe: str
    cgroup: str | None
    net: str | None
    limits: list[list[int]]
    lc_ctype: str | None  # undo Python's locale coercion (PEP 538) in the child's env
    landlock: dict[str, list[str]] | None  # {"read": paths, "write": paths}, or no Landlock


def launch(args: list[str]) -> int:
    setup: Setup = json.loads(args[0])
    argv = args[1:]
    try:
        _join(setup["cgroup"])
        _isolate(setup["net"])
        _limit(setup["limits"])
        _landlock(setup["landlock"])
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


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 when Landlock is off or unknown."""
    abi = _syscall(_LL_CREATE, None, 0, _LL_VERSION, check=False)
    return max(abi, 0)


def _landlock(rules: dict[str, list[str]] | None) -> None:
    """Allow reads beneath ``rules["read"]`` and everything beneath ``rules["write"]``."""
    if rules is None:
        return
    abi = landlock_abi()
    if abi < 1:
        raise OSError(0, "Landlock is not available in this kernel")
    handled = _LL_FS_BY_ABI[max(v for v in _LL_FS_BY_ABI if v <= abi)]
    attr = struct.pack("=QQQ", handled, 0, _LL_SCOPES if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = _syscall(_LL_CREATE, attr, size, 0)
    try:
        for path in rules["read"]:
            _allow(ruleset, path, handled & _LL_READ)
        for path in rules["write"]:
            _allow(ruleset, path, handled)
        _syscall(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, prctl=True)
        _syscall(_LL_RESTRICT, ruleset, 0)
    finally:
        os.close(ruleset)
    _drop_capabilities()


def _drop_capabilities() -> None:
    """Run by root, the command gets no capability (no module loading, no raw devices)."""
    if os.geteuid() != 0:
        return
    _syscall(_PR_CAP_AMBIENT, _AMBIENT_CLEAR_ALL, 0, 0, 0, prctl=True)
    for cap in range(64):
        if _syscall(_PR_CAPBSET_DROP, cap, 0, 0, 0, check=False, prctl=True) < 0:
            break  # past the last capability this kernel knows


def _allow(ruleset: int, path: str, access: int) -> None:
    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    try:
        if not os.path.isdir(path):
            access &= _LL_FILE
        _syscall(_LL_ADD_RULE, ruleset, _LL_PATH_BENEATH, struct.pack("=Qi", access, fd), 0)
    finally:
        os.close(fd)


def _syscall(
    number: int, *args: int | bytes | None, check: bool = True, prctl: bool = False
) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    cargs = [ctypes.c_char_p(a) if isinstance(a, bytes) else ctypes.c_long(a or 0) for a in args]
    result = int(libc.prctl(number, *cargs) if prctl else libc.syscall(number, *cargs))
    if result < 0 and check:
        err = ctypes.get_errno()
        raise OSError(err, f"{'prctl' if prctl else f'syscall {number}'}: {os.strerror(err)}")
    return result


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
