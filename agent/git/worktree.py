"""The run's branch, checked out in its own worktree outside the user's checkout.

The user's working tree, index and HEAD are never touched: the branch is created at
the base commit by ``git worktree add -b``, commits are made inside the worktree, and the
worktree is removed when the run ends, fails or is interrupted. The git-ignored sources
the tests need (a generated ``_version.py``) are copied in (see ``agent.git.worktree_env``).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from agent.git.repo import Repo, git
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
    def __init__(self, repo: Repo, path: Path, branch: str) -> None:
        self.repo = repo
        self.path = path
        self.branch = branch
        self.generated = copy_generated(repo.root, path, repo.tracked_files())

    @classmethod
    def create(cls, repo: Repo, branch: str) -> Worktree:
        path = Path(tempfile.mkdtemp(prefix=WORKTREE_PREFIX))
        git("worktree", "add", "--quiet", "-b", branch, str(path), repo.base_commit, cwd=repo.root)
        return cls(repo, path, branch)

    @classmethod
    def attach(cls, repo: Repo, branch: str) -> Worktree:
        """Check out an existing run branch (to resume it) in a new worktree."""
        path = Path(tempfile.mkdtemp(prefix=WORKTREE_PREFIX))
        git("worktree", "add", "--quiet", str(path), branch, cwd=repo.root)
        return cls(repo, path, branch)

    def reset(self) -> None:
        """Throw away uncommitted changes in the worktree (a rejected patch)."""
        git("reset", "--quiet", "--hard", cwd=self.path)
        git("clean", "-fdq", cwd=self.path)

    def commit(self, paths: list[str], message: str) -> str:
        git("add", "--", *paths, cwd=self.path)
        git(
            *_identity(self.repo.root),
            "-c",
            "commit.gpgsign=false",
            "commit",
            "--quiet",
            "--no-verify",
            "-m",
            message,
            cwd=self.path,
        )
        return git("rev-parse", "HEAD", cwd=self.path).strip()

    def commit_count(self) -> int:
        span = f"{self.repo.base_commit}..{self.branch}"
        return int(git("rev-list", "--count", span, cwd=self.repo.root).strip())

    def remove(self, keep_branch: bool) -> None:
        """Remove the worktree; delete the branch too unless ``keep_branch``."""
        git("worktree", "remove", "--force", str(self.path), cwd=self.repo.root, check=False)
        shutil.rmtree(self.path, ignore_errors=True)
        git("worktree", "prune", cwd=self.repo.root, check=False)
        if not keep_branch:
            git("branch", "-D", self.branch, cwd=self.repo.root, check=False)


def _identity(root: Path) -> list[str]:
    """Use the user's git identity; fall back to harden's when none is configured."""
    args = []
    if not git("config", "user.name", cwd=root, check=False).strip():
        args += ["-c", "user.name=harden"]
    if not git("config", "user.email", cwd=root, check=False).strip():
        args += ["-c", "user.email=harden@localhost"]
    return args


def remove_stale_worktrees(repo: Repo) -> list[Path]:
    """Remove worktrees left by a run that crashed (the caller holds the repo lock)."""
    listing = git("worktree", "list", "--porcelain", cwd=repo.root)
    paths = [
        Path(line[len("worktree ") :])
        for line in listing.splitlines()
        if line.startswith("worktree ")
    ]
    stale = [p for p in paths if p.name.startswith(WORKTREE_PREFIX)]
    for path in stale:
        git("worktree", "remove", "--force", str(path), cwd=repo.root, check=False)
        shutil.rmtree(path, ignore_errors=True)
    git("worktree", "prune", cwd=repo.root, check=False)
    return stale


def harden_commits(repo: Repo, branch: str) -> list[CommitRecord]:
    """The fixes on ``branch`` since the base, oldest first, read from their trailers."""
    fmt = "%H%x1f%s%x1f%(trailers:key=Harden-Finding,valueonly,separator=%x2c)%x1e"
    span = f"{repo.base_commit}..{branch}"
    out = git("log", "--reverse", f"--format={fmt}", span, cwd=repo.root)
    records = []
    for entry in filter(None, (e.strip() for e in out.split("\x1e"))):
        sha, title, ids = entry.split("\x1f")
        found = tuple(i.strip() for i in ids.split(",") if i.strip())
        records.append(CommitRecord(sha=sha, title=title, finding_ids=found))
    return records
