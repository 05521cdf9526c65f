"""The run's work in its worktree: scan, choose the work, run the baseline, fix, report.

Each step returns what it found; ``work_in`` folds the results (what landed on the
branch, what the loop set aside, what the model did) into the run's report.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agent.checklist import gather_facts, score_facts
from agent.config import read_environment
from agent.git.worktree import Worktree
from agent.models import CommitRecord, Finding, Priority, RunReport, SetAside, SuiteRunCount
from agent.report.checklist import checklist_markdown
from agent.report.production_doc import production_markdown
from agent.report.unfixed import set_aside, with_reasons
from agent.run.branch import FixBranch, Landed
from agent.run.branch_check import check_branch
from agent.run.characterizing import Characterizer, characterizer, with_characterization
from agent.run.fixing import Fixers, FixResult, fix_groups
from agent.run.scan_files import files_to_scan
from agent.run.setup import RunSetup
from agent.run.worklist import (
    SuiteSetup,
    Worklist,
    skipped_reasons,
    uses_codemods,
    work_groups,
    worklist,
)
from agent.sandbox.baseline import Baseline, remembered_baseline
from agent.sandbox.runner import SandboxRun
from agent.sandbox.suite import Suite
from agent.scan import ScanResult
from agent.scan.cache import cached_scan
from agent.testgen import generated_test_writer
from agent.validate.funnel import FunnelContext
from agent.validate.suite_stage import SuiteRuns

__all__ = ["Resumed", "work_in"]


@dataclass(frozen=True)
class Resumed:
    """The fixes an interrupted run had already committed on its branch."""

    commits: tuple[CommitRecord, ...] = ()


@dataclass(frozen=True)
class _Scanned:
    result: ScanResult  # the priority's findings, as the report counts them
    work: Worklist
    current: tuple[Finding, ...]  # every finding of the worktree, tests targets too
    notes: tuple[str, ...]
    checklist: str  # the production checklist of the base commit, as report.md shows it
    production: str  # the PRODUCTION.md draft of the base commit


@dataclass(frozen=True)
class _Done:
    """Everything the report is made of, once the work is done."""

    scanned: _Scanned
    suite: Suite
    baseline: SandboxRun | None
    resumed: Resumed
    landed: Landed
    fixed: FixResult
    skipped: tuple[SetAside, ...]


def work_in(
    setup: RunSetup,
    wt: Worktree,
    python: str,
    suite: Suite,
    resumed: Resumed,
    notes: Sequence[str],
) -> RunReport:
    if suite.argv is not None:
        setup.status(f"running the tests at the base: {suite.display}")
    told = list(notes)
    timeout = setup.settings.test_timeout
    base, fresh = remembered_baseline(suite, wt.path, python, timeout, told, setup.baselines)
    if not fresh and base.run is not None:
        told.append("the base run of an earlier priority (same commit and command) was reused")
    scanned = _scan(setup, wt, python, suite, base)
    told += scanned.notes
    limit = setup.settings.max_findings
    ranked = list(scanned.work.ranked[:limit])
    skipped = set_aside("skipped", skipped_reasons(scanned.work, ranked, limit))
    ctx = _context(setup, wt.path, python, suite, base, fresh)
    branch = FixBranch(wt, ctx, scanned.current, setup.journal)
    pinning = characterizer(setup, wt, ctx, told)
    start = wt.git.head()
    fixed = _fix(setup, ranked, branch, pinning)
    setup.status("checking the branch")
    landed, checked = check_branch(wt, ctx, start, branch.landed())
    told += [checked] if checked else []
    if pinning is not None:  # after the check: the offered tests are not fixes to bisect
        pinning.offer()
    done = _Done(scanned, suite, base.run, resumed, landed, fixed, tuple(skipped))
    runs = SuiteRunCount(full=ctx.suite_runs.full, selected=ctx.suite_runs.selected)
    report = _report(setup, wt.branch, done, _with_budget(told, fixed))
    report = with_characterization(report, ctx.characterized, wt.branch)
    return with_reasons(report.model_copy(update={"suite_runs": runs}))


def _scan(setup: RunSetup, wt: Worktree, python: str, suite: Suite, base: Baseline) -> _Scanned:
    settings = setup.settings
    files = files_to_scan(setup.repo, wt.path, settings)
    setup.status(f"scanning {len(files)} files")
    cache = read_environment().cache_dir
    result = cached_scan(wt.path, files, cache, settings.ignore, settings.select).result
    notes = [f"skipped {skipped.path}: {skipped.reason}" for skipped in result.skipped]
    tests = setup.priority is Priority.TESTS
    if tests:
        setup.status("running the tests under coverage to find untested functions")
    measured = (base.run, base.coverage) if base.run and base.coverage else None
    where = SuiteSetup(wt.path, files, suite, python, settings.test_timeout, measured)
    work = worklist(setup.priority, result.findings, where, setup.taken)
    # every priority's findings: no patch may add a finding of any
    current = (*result.findings, *(work.found if tests else ()))
    found = ScanResult(work.found, result.skipped)
    facts = gather_facts(wt.path, setup.repo.files_in_scope(), files)
    checklist = checklist_markdown(score_facts(facts, result.findings, repo=str(wt.path)))
    production = production_markdown(facts, result.findings, setup.repo.base_commit)
    return _Scanned(found, work, current, (*notes, *work.notes), checklist, production)


def _context(
    setup: RunSetup, root: Path, python: str, suite: Suite, base: Baseline, fresh: bool
) -> FunnelContext:
    return FunnelContext(
        root=root,
        findings=(),
        plan=suite,
        baseline=base.run,
        coverage=base.coverage,
        suite_runs=SuiteRuns(full=1 if fresh and base.run is not None else 0),
        python=python,
        timeout_s=setup.settings.test_timeout,
        ignore=setup.settings.ignore,
        workdir=setup.repo.harden_dir / "runs" / setup.run_id,
    )


def _fix(
    setup: RunSetup, ranked: list[Finding], branch: FixBranch, pinning: Characterizer | None
) -> FixResult:
    """Security and the like: codemods, then the model, per group. Tests: one new test
    file per target, from the model with the tests prompt."""
    fixer, priority = setup.fixer, setup.priority
    if fixer is not None and priority is Priority.TESTS:
        fixer = generated_test_writer(fixer, root=setup.settings.prompts_dir)
    before = pinning.before_fix if pinning else None
    fixers = Fixers(uses_codemods(priority), fixer, setup.settings.jobs, before)
    return fix_groups(work_groups(priority, ranked), branch, fixers, setup.status)


def _with_budget(notes: Sequence[str], fixed: FixResult) -> tuple[str, ...]:
    note = fixed.model.budget_note
    if note is None:
        return tuple(notes)
    return (*(n for n in notes if not n.startswith("budget: ")), note)


def _report(setup: RunSetup, branch: str, done: _Done, notes: tuple[str, ...]) -> RunReport:
    commits = (*done.resumed.commits, *done.landed.commits)
    fixed = {i for c in commits for i in c.finding_ids} | done.fixed.gone | done.fixed.model.gone
    model = done.fixed.model
    baseline, suite = done.baseline, done.suite
    return RunReport(
        run_id=setup.run_id,
        repo=str(setup.repo.root),
        base_commit=setup.repo.base_commit,
        priority=setup.priority,
        branch=branch if commits else None,
        started_at=setup.started_at,
        duration_s=round(time.monotonic() - setup.started, 2),
        test_command=suite.display if suite.argv else None,
        baseline_failures=tuple(sorted(baseline.failed_tests())) if baseline else (),
        findings=done.scanned.result.findings,
        skipped_files=done.scanned.result.skipped,
        verdicts=done.landed.verdicts,
        commits=commits,
        fixed_ids=tuple(sorted(fixed)),
        needs_model_ids=tuple(dict.fromkeys(model.needs_model)),
        model=setup.fixer.model if setup.fixer else None,
        model_outcomes=model.outcomes,
        structured_output=setup.fixer.client.structured.answered if setup.fixer else (),
        structured_rejected=setup.fixer.client.structured.rejected if setup.fixer else (),
        set_aside=(*done.skipped, *done.fixed.set_aside),
        cost_usd=round(model.cost_usd, 6),
        generated_tests=done.landed.generated_tests,
        checklist=done.scanned.checklist,
        production_md=done.scanned.production,
        notes=notes,
    )
