"""Read facts about a git checkout for the build banner."""

import subprocess
from pathlib import Path


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    return done.stdout.strip()


def current_commit(repo: Path) -> str:
    return _git(repo, "rev-parse", "HEAD")


def current_branch(repo: Path) -> str:
    return _git(repo, "rev-parse", "--abbrev-ref", "HEAD")
