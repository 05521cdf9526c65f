"""The user's git repository: what is tracked at the base commit, and the run's lock.

harden reads the user's repo and writes only under ``.harden/`` (which ignores itself)
and to refs named ``harden/*``. Work happens in worktrees outside the checkout
(see ``agent.git.worktree``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from agent.errors import LockedError, NotARepoError, ToolError

__all__ = ["Repo", "git", "open_repo"]

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


class Repo:
    """A git work tree with at least one commit."""

    def __init__(self, root: Path, base_commit: str, subdir: str = "") -> None:
        self.root = root
        self.base_commit = base_commit
        self.subdir = subdir

    @property
    def harden_dir(self) -> Path:
        return self.root / ".harden"

    def ensure_harden_dir(self) -> Path:
        """Create ``.harden/`` with a .gitignore that ignores everything inside it."""
        self.harden_dir.mkdir(exist_ok=True)
        ignore = self.harden_dir / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# harden's run artifacts; not part of the project\n*\n")
        return self.harden_dir

    def tracked_files(self) -> list[str]:
        """Every file in the base commit (not the working tree), as POSIX paths."""
        out = git("ls-tree", "-r", "-z", "--name-only", self.base_commit, cwd=self.root)
        return [p for p in out.split("\0") if p]

    def files_in_scope(self) -> list[str]:
        """The tracked files under the directory the user pointed harden at."""
        prefix = f"{self.subdir}/" if self.subdir else ""
        return [p for p in self.tracked_files() if p.startswith(prefix)]

    def has_uncommitted_changes(self) -> bool:
        out = git("status", "--porcelain", "--untracked-files=no", cwd=self.root)
        return bool(out.strip())

    def branch_exists(self, branch: str) -> bool:
        ref = f"refs/heads/{branch}"
        return bool(git("rev-parse", "--verify", "--quiet", ref, cwd=self.root, check=False))

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold ``.harden/lock`` for the run; a second run refuses at once."""
        path = self.ensure_harden_dir() / "lock"
        with path.open("a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                fh.seek(0)
                holder = fh.read().strip() or "unknown"
                raise LockedError(
                    f"another harden run (pid {holder}) is working on {self.root}; "
                    "wait for it to finish"
                ) from exc
            fh.seek(0)
            fh.truncate()
            fh.write(str(os.getpid()))
            fh.flush()
            yield


def open_repo(path: Path) -> Repo:
    """Check that ``path`` is a git repo with a commit; the base is HEAD."""
    if not path.exists():
        raise NotARepoError(f"path does not exist: {path}")
    if not path.is_dir():
        raise NotARepoError(f"not a directory: {path}")
    top = git("rev-parse", "--show-toplevel", cwd=path, check=False).strip()
    if not top:
        raise NotARepoError(f"not a git repository: {path} (run `git init` and commit first)")
    head = git("rev-parse", "--verify", "--quiet", "HEAD^{commit}", cwd=path, check=False)
    if not head.strip():
        raise NotARepoError(f"the repository at {top} has no commits yet; commit your code first")
    root = Path(top)
    subdir = path.resolve().relative_to(root.resolve()).as_posix()
    return Repo(root, head.strip(), "" if subdir == "." else subdir)
