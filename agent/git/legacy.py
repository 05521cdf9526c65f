"""Deprecated: the string-returning git wrapper that ``agent.git.repo.Repo`` replaced.

Its one caller left is ``agent/evals/runner.py`` (its own reset/commit loop, being removed
by the redesign's one-run-loop work); nothing new may use it (tests/test_git_repo.py
checks). Use ``Repo``'s typed methods instead.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from agent.errors import ToolError

__all__ = ["git"]

_GIT_TIMEOUT_S = 120


def git(*args: str, cwd: Path, check: bool = True) -> str:
    """Run git and return its stdout; a failure becomes a one-line ToolError."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError as exc:
        raise ToolError("git is not installed or not on PATH") from exc
    if check and done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ToolError(f"git {args[0]} failed: {tail}")
    return done.stdout
