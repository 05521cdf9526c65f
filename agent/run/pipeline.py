"""Wire the steps of a run: scan -> group -> fix -> validate -> commit -> report.

Policy lives in the steps (selection, codemods, the funnel); this module takes the repo's
lock, picks the run's id and base (new, or resumed from a journal), and hands a frozen
``RunSetup`` to the session (agent.run.session), which guarantees the worktree is removed
however the run ends.
"""

from __future__ import annotations

import secrets
import shutil
from datetime import UTC, datetime

from agent.config import Settings
from agent.errors import ConfigError
from agent.git.repo import Repo, open_repo
from agent.git.worktree import remove_stale_worktrees
from agent.log import log_to_file, run_context
from agent.models import Priority, RunReport
from agent.report.fallback import save_reports
from agent.report.production_doc import DRAFT_NOTE, save_production_doc
from agent.run.finished import already_done, finished_run, run_key
from agent.run.journal import Journal, Start
from agent.run.llm_setup import open_model_fixer
from agent.run.scan_files import check_since
from agent.run.session import execute
from agent.run.setup import RunSetup, Status
from agent.run.touched import Symbol
from agent.sandbox.baseline import BaselineMemo

__all__ = ["RunSetup", "Status", "new_run_id", "run"]


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def run(
    settings: Settings,
    status: Status,
    base: str | None = None,
    taken: frozenset[Symbol] = frozenset(),
    baselines: BaselineMemo | None = None,
) -> RunReport:
    """One priority's run; ``base`` pins the base commit, ``taken`` symbols are skipped
    (an earlier priority's branch changed them); ``baselines`` are base runs already made."""
    repo = open_repo(settings.repo)
    check_since(repo, settings.since)
    with repo.lock():
        remove_stale_worktrees(repo)
        start = _resume_point(repo, settings.resume) if settings.resume else None
        if start is not None or base is not None:
            repo = Repo(repo.root, start.base_commit if start else str(base), repo.subdir)
        key = "" if start else run_key(repo, settings, settings.priority, taken)
        done = None if start or settings.rerun else finished_run(repo, settings.priority, key)
        if done is not None:
            return already_done(done, repo.harden_dir / "runs" / done.run_id)
        run_id = start.run_id if start else new_run_id()
        with run_context(run_id):
            memo = baselines or BaselineMemo()
            return _run_in_dir(settings, repo, run_id, start, status, (taken, key, memo))


def _run_in_dir(
    settings: Settings,
    repo: Repo,
    run_id: str,
    start: Start | None,
    status: Status,
    given: tuple[frozenset[Symbol], str, BaselineMemo],
) -> RunReport:
    """The run in its folder; ``given``: the symbols taken before it, its key, and the
    base runs shared by priorities."""
    taken, key, memo = given
    run_dir = repo.ensure_harden_dir() / "runs" / run_id
    run_dir.mkdir(parents=True, exist_ok=start is not None)
    priority = Priority(start.priority) if start else settings.priority
    try:
        with (
            log_to_file(run_dir / "harden.log"),
            open_model_fixer(settings, run_id, priority) as fixer,
        ):
            journal = Journal(run_dir / "journal.jsonl")
            setup = RunSetup(
                settings, repo, run_id, priority, status, fixer, journal, taken, key, memo
            )
            report = execute(setup, resumed=start is not None)
    finally:
        for layered in run_dir.glob("venv-*"):  # throw-away dependency envs
            shutil.rmtree(layered, ignore_errors=True)
    draft = save_production_doc(report, run_dir)  # the docs side of the run: PRODUCTION.md
    save_reports(report, run_dir, [report.checklist, *([DRAFT_NOTE] if draft else [])])
    return report


def _resume_point(repo: Repo, run_id: str) -> Start:
    """Where an interrupted run stopped: its journal's start, if it can be resumed."""
    journal = Journal(repo.harden_dir / "runs" / run_id / "journal.jsonl")
    start = journal.start()
    if journal.ended():
        raise ConfigError(f"run {run_id} already finished; there is nothing to resume")
    if not repo.branch_exists(start.branch):
        raise ConfigError(f"the branch {start.branch} of run {run_id} is gone; start a new run")
    return start
