"""Run the repo's tests, which are untrusted code, in a worktree, confined.

Each run: a wall-clock timeout that kills the whole process group (and the run's cgroup),
an environment built from an allow-list (`agent.sandbox.childenv`) with HOME and TMPDIR at a
private temp dir, and no bytecode written into the worktree. Where the OS allows (see
`agent.sandbox.isolation`): a filesystem view with only the worktree and the temp dir writable and
the user's home and checkout out of sight (`agent.sandbox.jail`, by bubblewrap or Landlock), no
network but loopback, rlimits on memory, CPU, file size, open files and core dumps, and a
cap on processes. The run records which mechanism held.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agent.config import read_environment
from agent.git.worktree_env import source_roots
from agent.sandbox.childenv import child_env, policy
from agent.sandbox.isolation import (
    Mechanism,
    PidsLimit,
    confine,
    kill_cgroup,
    network_isolation,
    run_cgroup,
    sandbox_mechanism,
    sandbox_unavailable,
)
from agent.sandbox.jail import view_for
from agent.sandbox.outcomes import BAD, PLUGIN_DIR, OutcomeChannel, Outcomes

__all__ = [
    "SandboxRun",
    "describe_sandbox",
    "network_isolation",
    "run_command",
    "sandbox_mechanism",
    "sandbox_unavailable",
    "unconfined_refusal",
]

_COVERS: dict[Mechanism, str] = {
    "bubblewrap": (
        "bubblewrap: writes only to the worktree and a private temp dir; the home, temp and "
        "socket dirs and your checkout are out of sight; own network (loopback only), pid "
        "and ipc namespaces; environment from an allow-list"
    ),
    "landlock": (
        "Landlock: writes only to the worktree and a private temp dir, reads only system "
        "dirs, the interpreter and the worktree; abstract unix sockets and signals scoped "
        "(ABI 6+); own network namespace where available; environment from an allow-list. Not "
        "covered below Landlock ABI 9: connecting to a unix socket file outside (e.g. in "
        "/tmp or /run). Install bubblewrap to close that"
    ),
}

_FAILED_LINE = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)
_OUTPUT_LIMIT = 20_000
_CHUNK = 65_536
_DRAIN_S = 5


@dataclass(frozen=True)
class SandboxRun:
    command: tuple[str, ...]
    exit_code: int | None
    timed_out: bool
    duration_s: float
    output: str
    isolated: bool = False  # ran in its own network namespace
    pids_limit: PidsLimit = "none"  # what capped its processes: cgroup, rlimit, or nothing
    mechanism: Mechanism = "none"  # what confined its filesystem
    outcomes: Outcomes | None = None  # per-test outcomes, when asked for (agent.sandbox.outcomes)

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def failed_tests(self) -> frozenset[str]:
        """Node ids that failed: per the outcome stream if finished, else the short summary."""
        if self.outcomes is not None and self.outcomes.finished:
            return frozenset(self.outcomes.named(*BAD))
        return frozenset(_FAILED_LINE.findall(self.output))

    def tail(self, lines: int = 15) -> str:
        return "\n".join(self.output.rstrip().splitlines()[-lines:])


def run_command(
    argv: list[str],
    cwd: Path,
    timeout_s: float,
    path_prefix: Path | None = None,
    network: bool = False,
    writable: Sequence[Path] = (),
    outcomes: bool = False,
) -> SandboxRun:
    """Run ``argv`` in ``cwd``, confined; on timeout, and always at the end, kill it all.

    ``path_prefix`` is put first on PATH (the bin/ of a layered dependency env). With
    ``network`` the command shares the host's network (a dependency install). It may write
    ``cwd``, its temp dir and the dirs in ``writable`` (e.g. where coverage data goes).
    With ``outcomes``, ``argv`` is a pytest command with
    `agent.sandbox.outcomes.PLUGIN_ARGS` and the
    run gets an outcome channel (two inherited pipes and their variables; the plugin's dir
    is readable). Raises FileNotFoundError, as Popen would, when the program is not found.
    """
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="harden-home-") as home,
        run_cgroup() as cgroup,
        _channel(outcomes) as channel,
    ):
        env = _with_channel(_child_env(Path(home), path_prefix, network, cwd), channel)
        exe = _executable(argv[0], cwd, env.get("PATH", os.defpath))
        readable = [*_programs(exe, env), *([PLUGIN_DIR / "harden_outcomes.py"] if channel else [])]
        view = view_for(cwd, Path(home), readable, network, tuple(writable))
        confined = confine(argv, exe, timeout_s, cgroup, env, view)
        proc = _spawn(confined.argv, cwd, env, channel.pass_fds if channel else ())
        if channel:
            channel.started()
        output, timed_out = _wait(proc, timeout_s, cgroup)
        stream = channel.result() if channel else None
    return SandboxRun(
        command=tuple(argv),
        exit_code=None if timed_out else proc.returncode,
        timed_out=timed_out,
        duration_s=time.monotonic() - started,
        output=output,
        isolated=confined.isolated,
        pids_limit=confined.pids_limit,
        mechanism=confined.mechanism,
        outcomes=stream,
    )


def _with_channel(env: dict[str, str], channel: OutcomeChannel | None) -> dict[str, str]:
    """``env`` plus the outcome channel's variables; its plugin dir goes last on the path."""
    if channel is None:
        return env
    extra = channel.env()
    paths = [p for p in (env.get("PYTHONPATH"), extra.get("PYTHONPATH")) if p]
    return env | extra | ({"PYTHONPATH": os.pathsep.join(paths)} if paths else {})


def _channel(outcomes: bool) -> contextlib.AbstractContextManager[OutcomeChannel | None]:
    return OutcomeChannel() if outcomes else contextlib.nullcontext()


def describe_sandbox() -> str:
    """One line for the report: the mechanism that confines test runs and what it covers."""
    mechanism = sandbox_mechanism()
    if mechanism == "none":
        return (
            f"sandbox: none ({sandbox_unavailable()}): the tests ran with your user's access "
            "to files and sockets; model-written tests are refused unless --allow-unconfined"
        )
    return f"sandbox: {_COVERS[mechanism]}"


def unconfined_refusal() -> str | None:
    """Why model-written test code may not run here, or None when it may."""
    if sandbox_mechanism() != "none" or policy().allow_unconfined:
        return None
    return (
        f"refused: no sandbox to run model-written tests in ({sandbox_unavailable()}); "
        "install bubblewrap, or pass --allow-unconfined to run them anyway"
    )


def _child_env(home: Path, path_prefix: Path | None, install: bool, cwd: Path) -> dict[str, str]:
    env = child_env(read_environment().process, home, install)
    if not install:  # the code in cwd first: the patched code, not an editable install
        env["PYTHONPATH"] = os.pathsep.join(str(p) for p in source_roots(cwd))
    if path_prefix is not None:
        env["PATH"] = f"{path_prefix}{os.pathsep}{env.get('PATH', '')}"
    return env


def _programs(exe: str, env: dict[str, str]) -> list[Path]:
    """The command's program, and the Pythons on its PATH (a shell command may run them)."""
    path = env.get("PATH", os.defpath)
    pythons = (shutil.which(name, path=path) for name in ("python", "python3"))
    started = (Path(p) for p in policy().interpreters)  # what a --python wrapper starts
    return [Path(exe), *(Path(p) for p in pythons if p), *started]


def _executable(name: str, cwd: Path, path: str) -> str:
    """The file ``name`` runs from ``cwd`` with ``path`` as PATH, found as Popen would."""
    found = str(cwd / name) if os.sep in name else shutil.which(name, path=path)
    if found is None or not os.access(found, os.X_OK) or os.path.isdir(found):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name)
    return found


def _spawn(
    argv: list[str], cwd: Path, env: dict[str, str], pass_fds: tuple[int, ...]
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
        pass_fds=pass_fds,
    )


def _wait(proc: subprocess.Popen[str], timeout_s: float, cgroup: Path | None) -> tuple[str, bool]:
    """The output's tail and whether the command timed out.

    When the command ends (or times out, or on Ctrl-C) everything it started is killed, so
    a leftover child holding the pipe cannot keep the run waiting.
    """
    tail = [""]
    reader = threading.Thread(target=_drain, args=(proc, tail), daemon=True)
    reader.start()
    try:
        timed_out = _timed_out(proc, timeout_s)
    finally:
        _kill(proc, cgroup)
        proc.wait()
        reader.join(_DRAIN_S)  # a process that escaped both group and cgroup: stop waiting
        if not reader.is_alive() and proc.stdout is not None:
            proc.stdout.close()
    return tail[0], timed_out


def _timed_out(proc: subprocess.Popen[str], timeout_s: float) -> bool:
    """Block until ``proc`` exits or ``timeout_s`` passes, without polling: a pidfd becomes
    readable when the process exits (Linux 5.3+); elsewhere ``Popen.wait`` (which polls)."""
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        return _waited_out(proc, timeout_s)
    try:
        ready, _, _ = select.select([pidfd], [], [], timeout_s)
    finally:
        os.close(pidfd)
    return not ready


def _waited_out(proc: subprocess.Popen[str], timeout_s: float) -> bool:
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return True
    return False


def _drain(proc: subprocess.Popen[str], tail: list[str]) -> None:
    """Read the output to EOF, keeping only its last ``_OUTPUT_LIMIT`` characters."""
    if proc.stdout is None:
        return
    while chunk := proc.stdout.read(_CHUNK):
        tail[0] = (tail[0] + chunk)[-_OUTPUT_LIMIT:]


def _kill(proc: subprocess.Popen[str], cgroup: Path | None) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    if cgroup is not None:
        kill_cgroup(cgroup)
