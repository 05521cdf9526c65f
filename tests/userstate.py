"""A fingerprint of everything of the user's that harden must never change."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.conftest import git


def user_state(repo: Path) -> dict[str, str]:
    """Working tree bytes (outside .git and .harden), index, HEAD, and non-harden refs."""
    files = hashlib.sha256()
    for path in sorted(repo.rglob("*")):
        rel = path.relative_to(repo)
        if rel.parts[0] in {".git", ".harden"} or not path.is_file():
            continue
        files.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    refs = [
        line
        for line in git(repo, "for-each-ref", "--format=%(refname) %(objectname)").splitlines()
        if not line.startswith("refs/heads/harden/")
    ]
    return {
        "tree": files.hexdigest(),
        "index": hashlib.sha256((repo / ".git" / "index").read_bytes()).hexdigest(),
        "head": (repo / ".git" / "HEAD").read_text(),
        "head_commit": git(repo, "rev-parse", "HEAD"),
        "refs": "\n".join(refs),
        "status": git(repo, "status", "--porcelain"),
    }


def harden_branches(repo: Path) -> list[str]:
    out = git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/harden/")
    return out.split()


def worktrees(repo: Path) -> list[str]:
    out = git(repo, "worktree", "list", "--porcelain")
    return [line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("worktree ")]
