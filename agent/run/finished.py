"""A rerun that would redo a finished run: found, and answered with that run's result.

A run records in its journal's start a key of everything that decides its result: the
base commit and priority (in the start record itself), harden's code and its tools, the
settings that change what is scanned, fixed or accepted, the model it would use and that
model's prompt version, the interpreter of the tests, and the symbols an earlier
priority's branch took. A new run with the same base, priority and key is the same run.
It is answered by the earlier one when that one finished (its journal has an end record
and its report.json reads back) and its branch, if it made one, still exists and still
descends from the base commit. An interrupted or failed run, or a deleted branch, is no
answer: the run goes ahead. ``--rerun`` always goes ahead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from agent.config import Settings, read_environment
from agent.errors import HardenError
from agent.git.repo import Repo, open_repo
from agent.llm.prompts import load_prompt
from agent.models import Priority, RunReport
from agent.run.journal import Journal, Start
from agent.run.llm_setup import choose_model, prompt_for
from agent.run.scan_files import check_since
from agent.run.touched import Symbol, touched_symbols
from agent.sandbox.suite import resolve_python
from agent.scan.fingerprint import code_fingerprint

__all__ = ["already_done", "answered", "finished_run", "run_key"]

# Settings that cannot change a run's result (how fast, which run to resume, or whether
# to redo one), and those the key holds in another form (the repo, the priorities).
_NOT_RESULT = frozenset({"repo", "priorities", "jobs", "resume", "rerun", "python", "since"})
_REPORTS = ("report.json", "report.md", "findings.sarif")


def run_key(repo: Repo, settings: Settings, priority: Priority, taken: frozenset[Symbol]) -> str:
    """The key of what a run of ``priority`` on ``repo`` with ``settings`` would produce."""
    env = read_environment()
    model = choose_model(settings, env.provider)
    parts = {
        "harden": code_fingerprint(),
        "settings": settings.model_dump(mode="json", exclude=set(_NOT_RESULT)),
        "since": repo.resolve(settings.since) if settings.since else None,
        "python": resolve_python(settings.python),
        "sandbox": env.sandbox,
        "model": model,
        "prompt": _prompt(settings, priority) if model else None,
        "taken": sorted(map(list, taken)),
    }
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _prompt(settings: Settings, priority: Priority) -> list[str]:
    prompt = load_prompt(prompt_for(settings, priority), settings.prompts_dir)
    return [prompt.ref.id, str(prompt.ref.version), prompt.ref.content_hash]


def answered(settings: Settings) -> list[RunReport] | None:
    """The reports of finished runs that answer every priority of ``settings``, or None.

    A quick look before a run takes the lock and loads its machinery; the run itself asks
    again, under the lock, per priority (one priority may be answered, the next not).
    """
    if settings.rerun or settings.resume:
        return None
    repo = open_repo(settings.repo)
    check_since(repo, settings.since)
    reports: list[RunReport] = []
    taken: set[Symbol] = set()
    for priority in settings.priorities:
        one = settings.model_copy(update={"priorities": (priority,)})
        report = finished_run(repo, priority, run_key(repo, one, priority, frozenset(taken)))
        if report is None:
            return None
        reports.append(already_done(report, repo.harden_dir / "runs" / report.run_id))
        if report.branch:
            taken |= touched_symbols(repo, report.branch)
    return reports


def finished_run(repo: Repo, priority: Priority, key: str) -> RunReport | None:
    """The report of a finished run of ``repo``'s base commit with this key, if one holds."""
    for start, run_dir in _starts(repo.harden_dir / "runs"):
        if (start.base_commit, start.priority, start.key) != (
            repo.base_commit,
            priority.value,
            key,
        ):
            continue
        report = _report(run_dir)
        if report is not None and _branch_holds(repo, report):
            return report
    return None


def _starts(runs: Path) -> Iterator[tuple[Start, Path]]:
    """The newest run first: each run's start record, if it finished."""
    folders = sorted(runs.glob("*/journal.jsonl"), reverse=True) if runs.is_dir() else []
    for path in folders:
        journal = Journal(path)
        try:
            if journal.ended():
                yield journal.start(), path.parent
        except (HardenError, OSError, UnicodeDecodeError):
            continue


def _report(run_dir: Path) -> RunReport | None:
    """The run's report, if all of its reports were written (a run whose report.md could
    not be written ended with an error)."""
    if not all((run_dir / name).is_file() for name in _REPORTS):
        return None
    try:
        return RunReport.model_validate_json((run_dir / "report.json").read_bytes())
    except (OSError, ValidationError):
        return None


def _branch_holds(repo: Repo, report: RunReport) -> bool:
    """A run that made no branch holds; one that did, while its branch descends from base."""
    if report.branch is None:
        return not report.commits
    if not repo.branch_exists(report.branch):
        return False
    try:
        return repo.merge_base(report.base_commit, report.branch) == report.base_commit
    except HardenError:
        return False


def already_done(report: RunReport, run_dir: Path) -> RunReport:
    """The finished run's report, with a first note saying it answers this run."""
    held = (
        f"its branch {report.branch} holds the result" if report.branch else "no fix was accepted"
    )
    note = (
        f"already done: run {report.run_id} finished on this commit with the same settings; "
        f"{held} (report: {run_dir / 'report.md'}); pass --rerun to run again"
    )
    return report.model_copy(update={"notes": (note, *report.notes)})
