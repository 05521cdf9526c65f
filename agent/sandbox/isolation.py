"""Confinement of untrusted test runs: no network, resource limits, a pids cgroup.

harden's side probes once per process what the OS permits (`network_isolation`,
`pids_cgroup`), makes a cgroup per run (`run_cgroup`, files handled by `agent.sandbox.cgroup`) and
wraps the command (`confine`). The other side is `agent.sandbox._launch`, run as a script (stdlib
only, ``python -I -S``) by the child before any test code: it joins the run's cgroup,
enters a new network namespace and brings its loopback up, sets rlimits, then execs the
command. A launcher rather than ``preexec_fn``: harden has threads, and Python code between
fork and exec can deadlock on a lock another thread held.

The filesystem view (`agent.sandbox.jail`) is enforced by bubblewrap, which the launcher execs
after joining the cgroup and setting rlimits; bubblewrap then makes the namespaces (mount,
network, pid, ipc, uts). Without bubblewrap the launcher itself restricts the command with
Landlock and enters a network namespace.

Fallbacks, each probed once per process:

    sandbox: bubblewrap -> Landlock -> none (``HARDEN_SANDBOX`` = bubblewrap, landlock or
             none picks one; a test and diagnostic knob)
    network: bubblewrap's namespace -> new network namespace -> user + network namespace
             (non-root) -> none
    tasks:   pids cgroup (v2, else v1) -> RLIMIT_NPROC (non-root) -> timeout + group kill
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from agent.sandbox import _launch
from agent.sandbox._launch import Setup as _Setup
from agent.sandbox.cgroup import (
    MAX_TASKS,
    cgroup_bases,
    enable_pids,
    kill_cgroup,
    make_cgroup,
    remove_cgroup,
)
from agent.sandbox.jail import View, bwrap_args, landlock_rules, view_for

__all__ = [
    "CPU_GRACE_S",
    "DATA_LIMIT_BYTES",
    "FILE_SIZE_LIMIT_BYTES",
    "MAX_TASKS",
    "OPEN_FILES",
    "Confinement",
    "Mechanism",
    "PidsLimit",
    "confine",
    "kill_cgroup",
    "network_isolation",
    "pids_cgroup",
    "pids_limit",
    "run_cgroup",
    "sandbox_mechanism",
    "sandbox_unavailable",
]

DATA_LIMIT_BYTES = 4 * 2**30  # RLIMIT_DATA: writable memory, so JVM/V8 reservations still fit
FILE_SIZE_LIMIT_BYTES = 2**30
OPEN_FILES = 4096
CPU_GRACE_S = 30  # RLIMIT_CPU is the wall-clock timeout plus this

PidsLimit = Literal["cgroup", "rlimit", "none"]
NetMode = Literal["net", "usernet"]
Mechanism = Literal["bubblewrap", "landlock", "none"]

_PROBE_TIMEOUT_S = 20


@dataclass(frozen=True)
class Confinement:
    """A command wrapped in the launcher, and what confines it."""

    argv: list[str]
    isolated: bool
    pids_limit: PidsLimit
    mechanism: Mechanism


# --- harden's side: probes ------------------------------------------------------------


def network_isolation() -> str | None:
    """None when test runs get their own network namespace, else why not (one line)."""
    return None if sandbox_mechanism() == "bubblewrap" else _net_probe()[1] or None


def sandbox_mechanism() -> Mechanism:
    """What confines the filesystem of a run here: bubblewrap, Landlock, or nothing."""
    return _sandbox_probe(os.environ.get("HARDEN_SANDBOX", "auto"))[0]


def sandbox_unavailable() -> str | None:
    """None when a run's filesystem is confined, else why not (one line)."""
    return _sandbox_probe(os.environ.get("HARDEN_SANDBOX", "auto"))[1] or None


@functools.cache
def _sandbox_probe(wanted: str) -> tuple[Mechanism, str]:
    if wanted not in ("auto", "bubblewrap", "landlock"):
        return "none", f"HARDEN_SANDBOX={wanted}"
    reasons = []
    for mechanism in ("bubblewrap", "landlock"):
        if wanted in ("auto", mechanism):
            failure = _try_mechanism(mechanism)
            if failure is None:
                return mechanism, ""
            reasons.append(f"{mechanism}: {failure}")
    return "none", "no sandbox (" + "; ".join(reasons) + ")"


def _try_mechanism(mechanism: Mechanism) -> str | None:
    if mechanism == "bubblewrap" and shutil.which("bwrap") is None:
        return "bwrap is not installed (apt install bubblewrap)"
    with tempfile.TemporaryDirectory(prefix="harden-probe-") as temp:
        view = view_for(Path(temp), Path(temp), [Path(sys.executable)])
        exe, argv, net, rules = _wrap(mechanism, view, sys.executable, [sys.executable])
        setup = _setup(exe, None, net, [], os.environ, rules)
        return _probe(setup, [*argv, "-I", "-S", "-c", ""])


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
        failure = _probe(setup, [sys.executable, "-I", "-S", "-c", ""])
        if failure is None:
            return mode, ""
        reasons.append(f"{mode}: {failure}")
    return None, "no network namespace (" + "; ".join(reasons) + ")"


@functools.cache
def _pids_probe() -> tuple[Path | None, str]:
    reasons = []
    for base in cgroup_bases():
        failure = _try_cgroup(base)
        if failure is None:
            return base, ""
        reasons.append(f"{base}: {failure}")
    return None, "no writable pids cgroup (" + ("; ".join(reasons) or "none mounted") + ")"


def _probe(setup: _Setup, command: list[str]) -> str | None:
    """Run the launcher with ``setup`` on ``command``; None if that worked."""
    argv = _launcher(setup, command)
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    lines = done.stderr.strip().splitlines()
    return None if done.returncode == 0 else (lines or [f"exit code {done.returncode}"])[-1]


def _try_cgroup(base: Path) -> str | None:
    try:
        enable_pids(base)
        path = make_cgroup(base)
    except OSError as exc:
        return exc.strerror or str(exc)
    try:
        setup = _setup(sys.executable, path, None, [], os.environ)
        return _probe(setup, [sys.executable, "-I", "-S", "-c", ""])
    finally:
        remove_cgroup(path)


# --- harden's side: per run -------------------------------------------------------------


def confine(
    argv: Sequence[str],
    exe: str,
    timeout_s: float,
    cgroup: Path | None,
    env: Mapping[str, str],
    view: View,
) -> Confinement:
    """``argv`` (whose program is ``exe``) wrapped to run confined to ``view`` in ``cgroup``."""
    mechanism = sandbox_mechanism()
    pids = "cgroup" if cgroup else _fallback_pids_limit()
    exe, argv, net, rules = _wrap(mechanism, view, exe, argv)
    setup = _setup(exe, cgroup, net, _rlimits(timeout_s, pids == "rlimit"), env, rules)
    isolated = not view.network and (mechanism == "bubblewrap" or net is not None)
    return Confinement(_launcher(setup, argv), isolated, pids, mechanism)


def _wrap(
    mechanism: Mechanism, view: View, exe: str, argv: Sequence[str]
) -> tuple[str, list[str], NetMode | None, dict[str, list[str]] | None]:
    """What the launcher execs, with which argv, network namespace and Landlock rules."""
    if mechanism == "bubblewrap":
        bwrap = shutil.which("bwrap") or "bwrap"
        return bwrap, [bwrap, *bwrap_args(view), "--", exe, *argv[1:]], None, None
    net = None if view.network else _net_probe()[0]
    rules = landlock_rules(view) if mechanism == "landlock" else None
    return exe, list(argv), net, rules


@contextlib.contextmanager
def run_cgroup() -> Iterator[Path | None]:
    """A pids-limited cgroup for one run (None if unavailable); emptied and removed after."""
    path = _new_run_cgroup()
    try:
        yield path
    finally:
        if path is not None:
            kill_cgroup(path)
            remove_cgroup(path)


def _new_run_cgroup() -> Path | None:
    base = _pids_probe()[0]
    if base is None:
        return None
    try:
        return make_cgroup(base)
    except OSError:
        return None


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
    landlock: dict[str, list[str]] | None = None,
) -> _Setup:
    return _Setup(
        exe=exe,
        cgroup=str(cgroup) if cgroup else None,
        net=net,
        limits=limits,
        lc_ctype=env.get("LC_CTYPE"),
        landlock=landlock,
    )


def _launcher(setup: _Setup, argv: Sequence[str]) -> list[str]:
    return [sys.executable, "-I", "-S", _launch.__file__, json.dumps(setup), *argv]
