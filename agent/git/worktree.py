"""The run's branch, checked out in its own worktree outside the user's checkout.

The user's working tree, index and HEAD are never touched: the branch is created at
the base commit by ``git worktree add -b``, commits are made inside the worktree, and the
worktree is removed when the run ends, fails or is interrupted. The git-ignored sources
the tests need (a generated ``_version.py``) are copied in (see ``agent.git.worktree_env``).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

from agent.errors import ToolError
from agent.git.repo import Repo
from agent.git.worktree_env import copy_generated
from agent.models import CommitRecord

__all__ = [
    "WORKTREE_PREFIX",
    "Worktree",
    "harden_commits",
    "remove_stale_worktrees",
    "run_branch",
]

WORKTREE_PREFIX = "harden-wt-"


def run_branch(repo: Repo, priority: str, run_id: str) -> tuple[str, str | None]:
    """``harden/<priority>/<run-id>``, and no note; or, when a branch of the user's such as
    ``harden/security`` blocks that name (git keeps refs as files), the flat
    ``harden-<priority>-<run-id>`` and a note saying why."""
    wanted = f"harden/{priority}/{run_id}"
    parts = wanted.split("/")
    prefixes = ("/".join(parts[:n]) for n in range(1, len(parts)))
    blocker = next((p for p in prefixes if repo.branch_exists(p)), None)
    if blocker is None:
        return wanted, None
    flat = f"harden-{priority}-{run_id}"
    return flat, (
        f"the branch {blocker} exists, so the fixes are on {flat} "
        f"(git cannot hold both {blocker} and {wanted})"
    )


class Worktree:
    """The run's branch checked out in a folder of its own; ``git`` is that work tree."""

    def __init__(self, repo: Repo, path: Path, branch: str) -> None:
        self.repo = repo
        self.path = path
        self.branch = branch
        self.git = Repo(path, repo.base_commit)
        self.generated = copy_generated(repo, path)

    @classmethod
    def create(cls, repo: Repo, branch: str) -> Worktree:
        path = Path(tempfile.mkdtemp(prefix=WORKTREE_PREFIX))
        repo.add_worktree(path, repo.base_commit, new_branch=branch)
        return cls(repo, path, branch)

    @classmethod
    def attach(cls, repo: Repo, branch: str) -> Worktree:
        """Check out an existing run branch (to resume it) in a new worktree."""
        path = Path(tempfile.mkdtemp(prefix=WORKTREE_PREFIX))
        repo.add_worktree(path, branch)
        return cls(repo, path, branch)

    def reset(self) -> None:
        """Throw away uncommitted changes in the worktree (a rejected patch)."""
        self.git.discard_changes()

    def commit(self, paths: list[str], message: str) -> str:
        return self.git.commit(message, paths)

    def rewind(self, commit: str) -> None:
        """The branch back at ``commit`` (a later commit is dropped or re-applied)."""
        self.git.rewind(self.branch, commit)

    def visit(self, commit: str) -> None:
        """``commit`` checked out, the branch left where it is (a bisection step)."""
        self.git.visit(commit)

    def cherry_pick(self, commit: str) -> str:
        return self.git.cherry_pick(commit)

    def commit_count(self) -> int:
        return self.repo.count_commits(self.repo.base_commit, self.branch)

    def remove(self, keep_branch: bool) -> None:
        """Remove the worktree; delete the branch too unless ``keep_branch``."""
        self.git.close()
        _remove(self.repo, self.path)
        if not keep_branch:
            with contextlib.suppress(ToolError):
                self.repo.delete_branch(self.branch)


def _remove(repo: Repo, path: Path) -> None:
    """Remove the worktree at ``path`` and its folder, whatever state they are in."""
    with contextlib.suppress(ToolError):
        repo.remove_worktree(path)
    shutil.rmtree(path, ignore_errors=True)
    with contextlib.suppress(ToolError):
        repo.prune_worktrees()


def remove_stale_worktrees(repo: Repo) -> list[Path]:
    """Remove worktrees left by a run that crashed (the caller holds the repo lock)."""
    stale = [p for p in repo.worktrees() if p.name.startswith(WORKTREE_PREFIX)]
    for path in stale:
        _remove(repo, path)
    with contextlib.suppress(ToolError):
        repo.prune_worktrees()
    return stale


def harden_commits(repo: Repo, branch: str) -> list[CommitRecord]:
    """The fixes on ``branch`` since the base, oldest first, read from their trailers."""
    return [
        CommitRecord(sha=c.sha, title=c.title, finding_ids=c.trailer_values("Harden-Finding"))
        for c in repo.log(repo.base_commit, branch)
    ]
