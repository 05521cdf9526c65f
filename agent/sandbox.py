"""Run the repo's tests, which are untrusted code, in a worktree with limits.

Each run: a wall-clock timeout that kills the whole process group, an environment with
API keys, tokens, secrets and cloud credentials removed, HOME pointed at a temporary
directory, and no bytecode or pytest cache written into the worktree.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TestRun", "run_command", "scrubbed_env"]

_SECRET_NAME = re.compile(
    r"(_API_KEY|_TOKEN|_SECRET|_SECRET_KEY|_PASSWORD|_CREDENTIALS)$|"
    r"^(AWS_|AZURE_|GOOGLE_APPLICATION_CREDENTIALS|OPENAI_|ANTHROPIC_|GITHUB_TOKEN|GH_TOKEN)"
)
_DROP = {"PYTEST_ADDOPTS", "PYTHONPATH", "PYTHONSTARTUP", "HARDEN_DEBUG"}
_FAILED_LINE = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)
_OUTPUT_LIMIT = 20_000


@dataclass(frozen=True)
class TestRun:
    command: tuple[str, ...]
    exit_code: int | None
    timed_out: bool
    duration_s: float
    output: str

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
    """Run ``argv`` in ``cwd``; on timeout, and always at the end, kill its process group.

    ``path_prefix`` is put first on PATH (the bin/ of a layered dependency env).
    """
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="harden-home-") as home:
        env = scrubbed_env(os.environ, Path(home))
        if path_prefix is not None:
            env["PATH"] = f"{path_prefix}{os.pathsep}{env.get('PATH', '')}"
        proc = subprocess.Popen(
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
        try:
            output, _ = proc.communicate(timeout=timeout_s)
            timed_out = False
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            output, _ = proc.communicate()
            timed_out = True
        finally:
            _kill_group(proc)  # leftovers, or Ctrl-C: leave no test process behind
    return TestRun(
        command=tuple(argv),
        exit_code=None if timed_out else proc.returncode,
        timed_out=timed_out,
        duration_s=time.monotonic() - started,
        output=(output or "")[-_OUTPUT_LIMIT:],
    )


def _kill_group(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
