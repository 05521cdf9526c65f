"""The files ``harden plan`` reads: the checkout itself when it holds exactly the base
commit, else a copy of that commit in a temporary folder (removed on the way out, also on
Ctrl-C or SIGTERM, which ``agent.cli`` turns into the same unwinding).

A plan only reads the files it scans (ruff, bandit and the codemods run read-only, in
memory), so a clean checkout is the base commit: copying it would cost a ``git archive``
of the whole tree for nothing. The tests priority runs the suite, which writes; it always
gets a copy.
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from agent.git.repo import Repo
from agent.git.worktree_env import copy_generated
from agent.models import Priority

__all__ = ["base_tree"]


@contextmanager
def base_tree(repo: Repo, priorities: Collection[Priority]) -> Iterator[Path]:
    """A folder holding the base commit's files, as a run's worktree would."""
    if Priority.TESTS not in priorities and repo.checkout_holds(repo.base_commit):
        yield repo.root
        return
    with tempfile.TemporaryDirectory(prefix="harden-plan-") as tmp:
        snapshot = Path(tmp)
        repo.extract(repo.base_commit, snapshot)
        copy_generated(repo, snapshot)  # as in a run's worktree
        yield snapshot
