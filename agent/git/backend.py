"""GitPython, configured once: how harden runs git, and how git's failures become HardenErrors.

- git is found as GitPython finds it: ``git`` on PATH (``GIT_PYTHON_GIT_EXECUTABLE`` if set).
  When it is missing, harden still imports; the first git operation says so in one line.
- Every command harden runs through GitPython has hooks off (``core.hooksPath=/dev/null``:
  no ``post-checkout`` on ``worktree add``, no ``post-commit``), never prompts
  (``GIT_TERMINAL_PROMPT=0``), takes no optional locks (``GIT_OPTIONAL_LOCKS=0``: reading
  the status of the user's checkout never rewrites its index), and a command harden builds
  is killed after ``GIT_TIMEOUT_S``.
- Whether a repository may be used at all (``safe.directory``) is git's call: a repository
  is opened through ``git rev-parse`` before GitPython reads a file of it.
- Diffs are made with no external diff and no textconv drivers (commands a repo's config
  could name).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from agent.config import defer_gitpython_check

defer_gitpython_check()  # before GitPython's import: a missing git fails the first command

import git  # noqa: E402 (after defer_gitpython_check)
from git.exc import BadName, BadObject  # noqa: E402

from agent.errors import NotARepoError, ToolError  # noqa: E402

__all__ = [
    "GIT_ENV",
    "GIT_TIMEOUT_S",
    "BadRevision",
    "configured",
    "git_errors",
    "open_gitpython",
    "toplevel",
]

GIT_TIMEOUT_S = 120
GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
_NO_HOOKS = "core.hooksPath=/dev/null"

# What GitPython raises for a name or object that does not resolve.
BadRevision = (BadName, BadObject, ValueError, IndexError)


def configured(command: git.Git) -> git.Git:
    """Apply harden's options and environment to a GitPython command runner."""
    command.update_environment(**GIT_ENV)
    command.set_persistent_git_options(c=_NO_HOOKS)
    return command


@contextlib.contextmanager
def git_errors(action: str) -> Iterator[None]:
    """Turn GitPython's failures inside the block into one-line ToolErrors."""
    try:
        yield
    except git.GitCommandNotFound as exc:
        raise ToolError("git is not installed or not on PATH") from exc
    except git.GitCommandError as exc:
        raise ToolError(f"git {action} failed: {_last_line(exc.stderr)}") from exc


def toplevel(path: Path) -> Path | None:
    """The top of the work tree holding ``path``, or None (not a repo, or one git refuses)."""
    runner = configured(git.Git(path))
    try:
        out = runner.rev_parse("--show-toplevel", kill_after_timeout=GIT_TIMEOUT_S)
    except git.GitCommandNotFound as exc:
        raise ToolError("git is not installed or not on PATH") from exc
    except git.GitCommandError:
        return None
    return Path(out) if out else None


def open_gitpython(root: Path) -> git.Repo:
    """GitPython's Repo of the work tree at ``root`` (already checked by ``toplevel``)."""
    try:
        repo = git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise NotARepoError(f"not a git repository: {root}") from exc
    configured(repo.git)
    return repo


def _last_line(stderr: str | bytes) -> str:
    """The last line git wrote to stderr (GitPython keeps it as ``\n  stderr: '...'``)."""
    text = stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr
    text = text.strip()
    if text.startswith("stderr: '") and text.endswith("'"):
        text = text[len("stderr: '") : -1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
