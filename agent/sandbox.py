"""Run the repo's tests, which are untrusted code, in a worktree with limits.

Each run: a wall-clock timeout that kills the whole process group (and the run's cgroup),
an environment with API keys, tokens, secrets and cloud credentials removed, HOME pointed
at a temporary directory, and no bytecode or pytest cache written into the worktree.
Where the OS allows (see `agent.isolation`): no network but loopback, rlimits on memory,
CPU, file size, open files and core dumps, and a cap on processes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from agent.isolation import PidsLimit, confine, kill_cgroup, network_isolation, run_cgroup
from agent.worktree_env import source_roots

__all__ = ["TestRun", "network_isolation", "run_command", "scrubbed_env"]

_SECRET_NAME = re.compile(
    r"(_API_KEY|_TOKEN|_SECRET|_SECRET_KEY|_PASSWORD|_CREDENTIALS)$|"
    r"^(AWS_|AZURE_|GOOGLE_APPLICATION_CREDENTIALS|OPENAI_|ANTHROPIC_|GITHUB_TOKEN|GH_TOKEN)"
)
_DROP = {"PYTEST_ADDOPTS", "PYTHONPATH", "PYTHONSTARTUP", "HARDEN_DEBUG"}
_FAILED_LINE = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)
_OUTPUT_LIMIT = 20_000
_CHUNK = 65_536
_DRAIN_S = 5


@dataclass(frozen=True)
class TestRun:
    command: tuple[str, ...]
    exit_code: int | None
    timed_out: bool
    duration_s: float
    output: str
    isolated: bool = False  # ran in its own network namespace
    pids_limit: PidsLimit = "none"  # what capped its processes: cgroup, rlimit, or nothing

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def failed_tests(self) -> frozenset[str]:
        """Node ids pytest listed as FAILED or ERROR in its short summary."""
        return frozenset(_FAILED_LINE.findall(self.output))

    def tail(self, lines: int = 15) -> str:
        return "\n".join(self.output.rstrip().splitlines()[-lines:])


def scrubbed_env(base: Mapping[str, str], home: Path) -> dict[str, str]:
    env = {k: v for k, v in base.items() if not _SECRET_NAME.search(k) and k not in _DROP}
    env.update(HOME=str(home), PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0")
    return env


def run_command(
    argv: list[str], cwd: Path, timeout_s: float, path_prefix: Path | None = None
) -> TestRun:
    """Run ``argv`` in ``cwd``, confined; on timeout, and always at the end, kill it all.

    ``path_prefix`` is put first on PATH (the bin/ of a layered dependency env). Raises
    FileNotFoundError, as Popen would, when the program is not found.
    """
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="harden-home-") as home, run_cgroup() as cgroup:
        env = _child_env(Path(home), path_prefix, cwd)
        exe = _executable(argv[0], cwd, env.get("PATH", os.defpath))
        confined = confine(argv, exe, timeout_s, cgroup, env)
        proc = _spawn(confined.argv, cwd, env)
        output, timed_out = _wait(proc, timeout_s, cgroup)
    return TestRun(
        command=tuple(argv),
        exit_code=None if timed_out else proc.returncode,
        timed_out=timed_out,
        duration_s=time.monotonic() - started,
        output=output,
        isolated=confined.isolated,
        pids_limit=confined.pids_limit,
    )


def _child_env(home: Path, path_prefix: Path | None, cwd: Path) -> dict[str, str]:
    env = scrubbed_env(os.environ, home)
    # The code in cwd first: the patched code, not an editable install of the checkout.
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in source_roots(cwd))
    if path_prefix is not None:
        env["PATH"] = f"{path_prefix}{os.pathsep}{env.get('PATH', '')}"
    return env


def _executable(name: str, cwd: Path, path: str) -> str:
    """The file ``name`` runs from ``cwd`` with ``path`` as PATH, found as Popen would."""
    found = str(cwd / name) if os.sep in name else shutil.which(name, path=path)
    if found is None or not os.access(found, os.X_OK) or os.path.isdir(found):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name)
    return found


def _spawn(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
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
