"""Confinement of untrusted test runs: no network, resource limits, a pids cgroup.

harden's side probes once per process what the OS permits (`network_isolation`,
`pids_cgroup`), makes a cgroup per run (`run_cgroup`, files handled by `agent.cgroup`) and
wraps the command (`confine`). The other side is `agent._launch`, run as a script (stdlib
only, ``python -I -S``) by the child before any test code: it joins the run's cgroup,
enters a new network namespace and brings its loopback up, sets rlimits, then execs the
command. A launcher rather than ``preexec_fn``: harden has threads, and Python code between
fork and exec can deadlock on a lock another thread held.

Fallbacks, each probed once per process:

    network: new network namespace -> user + network namespace (non-root) -> none
    tasks:   pids cgroup (v2, else v1) -> RLIMIT_NPROC (non-root) -> timeout + group kill
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import resource
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from agent import _launch
from agent._launch import Setup as _Setup
from agent.cgroup import (
    MAX_TASKS,
    cgroup_bases,
    enable_pids,
    kill_cgroup,
    make_cgroup,
    remove_cgroup,
)

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
CPU_GRACE_S = 30  # RLIMIT_CPU is the wall-clock timeout plus this

PidsLimit = Literal["cgroup", "rlimit", "none"]
NetMode = Literal["net", "usernet"]

_PROBE_TIMEOUT_S = 20


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
    for base in cgroup_bases():
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


def _try_cgroup(base: Path) -> str | None:
    try:
        enable_pids(base)
        path = make_cgroup(base)
    except OSError as exc:
        return exc.strerror or str(exc)
    try:
        return _probe(_setup(sys.executable, path, None, [], os.environ))
    finally:
        remove_cgroup(path)


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
) -> _Setup:
    return _Setup(
        exe=exe,
        cgroup=str(cgroup) if cgroup else None,
        net=net,
        limits=limits,
        lc_ctype=env.get("LC_CTYPE"),
    )


def _launcher(setup: _Setup, argv: Sequence[str]) -> list[str]:
    return [sys.executable, "-I", "-S", _launch.__file__, json.dumps(setup), *argv]
