"""A run's session on its branch: open the worktree (new or resumed), work, clean up.

Whatever happens once the worktree exists, it is removed when the session ends; the
branch stays only if it holds commits. An interrupted run says what it leaves behind.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.errors import RunInterrupted
from agent.git.worktree import Worktree, harden_commits, run_branch
from agent.models import CommitRecord, RunReport
from agent.run.journal import End, Start
from agent.run.llm_setup import NO_MODEL_NOTE
from agent.run.setup import RunSetup
from agent.run.work import Resumed, work_in
from agent.sandbox.suite import find_suite, resolve_python

__all__ = ["execute"]


@dataclass(frozen=True)
class _Opened:
    worktree: Worktree
    notes: tuple[str, ...]
    resumed: Resumed


def execute(setup: RunSetup, resumed: bool) -> RunReport:
    notes = [NO_MODEL_NOTE] if setup.fixer is None else []
    if setup.repo.has_uncommitted_changes():
        notes.append("uncommitted changes are not part of the base; harden used HEAD")
    python = resolve_python(setup.settings.python)  # bad settings fail before any work
    suite = find_suite(setup.settings.test_command, python, setup.repo.tracked_files())
    opened = _open_worktree(setup, resumed)
    worktree = opened.worktree
    try:  # from here on, whatever happens, the finally below cleans up
        notes += [*opened.notes, *worktree.generated.notes()]
        report = work_in(setup, worktree, python, suite, opened.resumed, notes)
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: say what stays, then unwind
        raise RunInterrupted(_left(setup, worktree)) from exc
    else:
        setup.journal.append(End())
        return report
    finally:
        kept = worktree.commit_count() > 0
        worktree.remove(keep_branch=kept)


def _left(setup: RunSetup, worktree: Worktree) -> str:
    """What an interrupted run leaves: its branch, if it has commits, and what to do."""
    count = worktree.commit_count()
    if not count:
        return ""
    branch = worktree.branch
    return (
        f"the run left {count} commit(s) on branch {branch}: resume it with "
        f"`harden run --resume {setup.run_id} {setup.repo.root}`, "
        f"or delete it with `git branch -D {branch}`"
    )


def _open_worktree(setup: RunSetup, resumed: bool) -> _Opened:
    if resumed:
        return _reopen(setup)
    branch, note = run_branch(setup.repo, setup.priority.value, setup.run_id)
    worktree = Worktree.create(setup.repo, branch)
    start = Start(
        run_id=setup.run_id,
        base_commit=setup.repo.base_commit,
        branch=branch,
        priority=setup.priority.value,
        key=setup.key,
    )
    try:
        setup.journal.append(start)
    except BaseException:  # Ctrl-C or SIGTERM right here: leave nothing behind
        worktree.remove(keep_branch=False)
        raise
    return _Opened(worktree, (note,) if note else (), Resumed())


def _reopen(setup: RunSetup) -> _Opened:
    """Attach to an interrupted run's branch. The branch, not the journal, is the truth:
    a kill between a commit and its journal line must not lose the commit."""
    branch = setup.journal.start().branch
    done: tuple[CommitRecord, ...] = tuple(harden_commits(setup.repo, branch))
    note = f"resumed run {setup.run_id}: {len(done)} fix(es) were already committed"
    return _Opened(Worktree.attach(setup.repo, branch), (note,), Resumed(done))
