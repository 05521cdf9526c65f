"""``harden review [BRANCH]``: a run's branch commit by commit; the commits kept (by flags
or, on a terminal, by keys) go to a new branch where the repo's tests run once.

Exit 0: listed, or written and the tests pass (or there are none); 1: the tests fail on
the new branch; 2: a bad branch or choice (one ``Error:`` line).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import click

from agent.commands.policy import sandbox_policy
from agent.config import Settings, load_settings
from agent.errors import UsageError
from agent.git.repo import Repo, open_repo
from agent.report.console import echo, note, out
from agent.review.choice import Choice, choose
from agent.review.entries import Entry, read_entries
from agent.review.prbody import pr_body
from agent.review.runs import Reviewed, find_branch
from agent.review.screen import ask, render
from agent.review.write import Written, write_branch

__all__ = ["ReviewRequest", "review_action"]


@dataclass(frozen=True)
class ReviewRequest:
    """What ``harden review`` was asked; ``keep``/``drop``/``squash`` choose commits."""

    path: Path
    branch: str | None
    keep: str | None
    drop: tuple[str, ...]
    squash: bool
    as_json: bool
    pr_body: bool
    python: str | None

    @property
    def chooses(self) -> bool:
        return self.keep is not None or bool(self.drop) or self.squash


def review_action(request: ReviewRequest) -> int:
    with open_repo(request.path) as repo:
        reviewed = find_branch(repo, request.branch)
        entries = read_entries(repo, reviewed)
        if not entries:
            raise UsageError(f"branch {reviewed.branch!r} has no commits since its base")
        choice = _choice(request, entries)
        if choice == "list":
            return _listed(request, reviewed, entries)
        if choice == "quit":
            note("quit: nothing written")
            return 0
        return _write(request, repo, reviewed, entries, choice)


def _choice(request: ReviewRequest, entries: Sequence[Entry]) -> Choice | Literal["list", "quit"]:
    """The flags' choice; else the keys' on a terminal; else only list the commits."""
    if request.chooses:
        return choose(entries, request.keep, request.drop, request.squash)
    if request.as_json or request.pr_body or not sys.stdout.isatty():
        return "list"
    chosen = ask(out, entries, click.getchar)
    if chosen is None:
        return "quit"
    if not chosen.kept:
        raise UsageError("nothing kept: every commit was dropped")
    return chosen


def _listed(request: ReviewRequest, reviewed: Reviewed, entries: Sequence[Entry]) -> int:
    if request.as_json:
        echo(json.dumps(_as_json(reviewed, entries, None), indent=2))
    elif request.pr_body:
        echo(_body(reviewed, entries, reviewed.branch, ()))
    else:
        for entry in entries:
            out.print(render(entry, len(entries)), soft_wrap=False)
    return 0


def _write(
    request: ReviewRequest,
    repo: Repo,
    reviewed: Reviewed,
    entries: Sequence[Entry],
    choice: Choice,
) -> int:
    if not choice.changes(len(entries)):
        note(f"every commit kept: {reviewed.branch} is the reviewed branch, nothing written")
        return _listed(request, reviewed, entries)
    written = write_branch(repo, reviewed, choice, _settings(request, repo))
    if request.as_json:
        echo(json.dumps(_as_json(reviewed, choice.kept, written), indent=2))
    elif request.pr_body:
        echo(_body(reviewed, choice.kept, written.branch, written.commits))
    else:
        _say(written, choice, len(entries))
    return 1 if written.tests.passed is False else 0


def _settings(request: ReviewRequest, repo: Repo) -> Settings:
    flags = {"python": request.python} if request.python else {}
    settings = load_settings(repo.root, flags)
    sandbox_policy(settings)
    return settings


def _say(written: Written, choice: Choice, total: int) -> None:
    how = " (squashed into one commit)" if choice.squash else ""
    echo(f"kept {len(choice.kept)} of {total} commit(s) on {written.branch}{how}")
    tests = written.tests
    verdict = {True: "passed", False: "FAILED", None: "not run"}[tests.passed]
    echo(f"tests {verdict}: {tests.summary} ({tests.command})")


def _body(reviewed: Reviewed, kept: Sequence[Entry], branch: str, shas: Sequence[str]) -> str:
    if reviewed.report is None:
        raise UsageError(f"no report.json of a run for {reviewed.branch}: no pull-request body")
    return pr_body(reviewed.report, branch, kept, shas).rstrip("\n")


def _as_json(reviewed: Reviewed, kept: Sequence[Entry], written: Written | None) -> object:
    return {
        "branch": reviewed.branch,
        "base_commit": reviewed.base,
        "run_id": reviewed.report.run_id if reviewed.report else None,
        "commits": [e.model_dump(mode="json") for e in kept],
        "written": asdict(written) if written else None,
    }
