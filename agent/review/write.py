"""Write the kept commits to a new branch and run the repo's tests on it once.

The branch is made in a worktree outside the user's checkout (``agent.git.worktree``):
created at the reviewed branch's base, the kept commits cherry-picked onto it in order,
folded into one commit for a squash. The user's checkout, index, current branch and every
other branch stay as they were; a failed pick removes the new branch again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent.config import Settings
from agent.errors import ToolError, UsageError
from agent.git.records import Trailer
from agent.git.repo import Repo
from agent.git.worktree import Worktree
from agent.review.choice import Choice
from agent.review.entries import Entry
from agent.review.runs import Reviewed
from agent.sandbox.baseline import run_baseline
from agent.sandbox.suite import find_suite, resolve_python, summary_line

__all__ = ["TestsRun", "Written", "new_branch_name", "write_branch"]


@dataclass(frozen=True)
class TestsRun:
    """The repo's tests on the new branch: the command, pass/fail (None: no tests), summary."""

    command: str
    passed: bool | None
    summary: str


@dataclass(frozen=True)
class Written:
    branch: str
    commits: tuple[str, ...]
    tests: TestsRun


def new_branch_name(repo: Repo, branch: str) -> str:
    """``<branch>-reviewed``, or ``-reviewed-2`` ... when that exists already."""
    name, n = f"{branch}-reviewed", 1
    while repo.branch_exists(name):
        n += 1
        name = f"{branch}-reviewed-{n}"
    return name


def write_branch(repo: Repo, reviewed: Reviewed, choice: Choice, settings: Settings) -> Written:
    """Cherry-pick (and squash) the kept commits onto a new branch; run the tests there."""
    base = reviewed.base
    at_base = Repo(repo.root, base)
    name = new_branch_name(repo, reviewed.branch)
    wt = Worktree.create(at_base, name)
    done = False
    try:
        commits = [_pick(wt, e) for e in choice.kept]
        if choice.squash:
            commits = [wt.git.squash(base, _squash_message(choice.kept), _trailers(choice.kept))]
        tests = _run_tests(wt, settings)
        done = True
    finally:
        wt.remove(keep_branch=done)
    return Written(name, tuple(commits), tests)


def _pick(wt: Worktree, entry: Entry) -> str:
    try:
        return wt.git.cherry_pick(entry.sha)
    except ToolError as exc:
        raise UsageError(
            f"commit {entry.number} ({entry.sha[:12]}) does not apply without the commits "
            "dropped before it; keep those too"
        ) from exc


def _squash_message(kept: Sequence[Entry]) -> str:
    titles = "\n".join(f"- {e.title}" for e in kept)
    return f"harden: {len(kept)} fix(es), squashed\n\n{titles}"


def _trailers(kept: Sequence[Entry]) -> list[Trailer]:
    """Every trailer of the kept commits, in order."""
    return [t for e in kept for t in e.trailers]


def _run_tests(wt: Worktree, settings: Settings) -> TestsRun:
    python = resolve_python(settings.python)
    suite = find_suite(settings.test_command, python, wt.git.tracked_files(wt.git.head()))
    run = run_baseline(suite, wt.path, python, settings.test_timeout, [])
    if run is None:
        return TestsRun(suite.display, None, suite.source)
    return TestsRun(suite.display, run.passed, summary_line(run))
