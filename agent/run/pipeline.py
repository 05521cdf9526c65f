"""Wire the steps of a run: scan -> group -> fix -> validate -> commit -> report.

Policy lives in the steps (selection, codemods, the funnel); this module only orders
them, keeps the run's state, and guarantees the worktree is removed however the run ends.
"""

from __future__ import annotations

import dataclasses
import secrets
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from agent.config import Settings
from agent.errors import ConfigError, NoPythonFilesError, RunInterrupted
from agent.fix.codemod_fixer import attempt_codemods, has_codemod
from agent.fix.llm_fixer import LlmFixer
from agent.git.repo import Repo, open_repo
from agent.git.worktree import Worktree, harden_commits, remove_stale_worktrees, run_branch
from agent.log import finding_context, get_logger, log_to_file, run_context
from agent.models import (
    CommitRecord,
    Finding,
    GeneratedTestFate,
    ModelOutcome,
    Patch,
    Priority,
    RunReport,
    SetAside,
    SetAsideKind,
    Verdict,
)
from agent.report.fallback import save_reports
from agent.report.unfixed import set_aside, with_reasons
from agent.run.commit_message import commit_message
from agent.run.journal import Commit, End, Journal, Start
from agent.run.llm_phase import LlmPhase, ModelWork, codemod_feedback
from agent.run.llm_setup import NO_MODEL_NOTE, open_model_fixer
from agent.run.touched import Symbol
from agent.run.worklist import SuiteSetup, group_findings, skipped_reasons, worklist
from agent.sandbox.baseline import run_baseline
from agent.sandbox.runner import SandboxRun
from agent.sandbox.suite import Suite, find_suite, resolve_python
from agent.scan import ScanResult, scan
from agent.scan.files import is_test_file, select_files
from agent.testgen import fate_of, generated_test_writer
from agent.validate.funnel import FunnelContext, run_funnel

__all__ = ["Status", "new_run_id", "run"]

Status = Callable[[str], None]
log = get_logger("pipeline")


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)


def run(
    settings: Settings,
    status: Status,
    base: str | None = None,
    taken: frozenset[Symbol] = frozenset(),
) -> RunReport:
    """One priority's run; ``base`` pins the base commit, ``taken`` symbols are skipped
    (an earlier priority's branch changed them)."""
    repo = open_repo(settings.repo)
    with repo.lock():
        remove_stale_worktrees(repo)
        start = _resume_point(repo, settings.resume) if settings.resume else None
        if start is not None or base is not None:
            repo = Repo(repo.root, start.base_commit if start else str(base), repo.subdir)
        run_id = start.run_id if start else new_run_id()
        with run_context(run_id):
            return _run_in_dir(settings, repo, run_id, start, status, taken)


def _run_in_dir(
    settings: Settings,
    repo: Repo,
    run_id: str,
    start: Start | None,
    status: Status,
    taken: frozenset[Symbol],
) -> RunReport:
    run_dir = repo.ensure_harden_dir() / "runs" / run_id
    run_dir.mkdir(parents=True, exist_ok=start is not None)
    priority = Priority(start.priority) if start else (settings.priority or Priority.SECURITY)
    try:
        with (
            log_to_file(run_dir / "harden.log"),
            open_model_fixer(settings, run_id, priority) as fixer,
        ):
            journal = Journal(run_dir / "journal.jsonl")
            state = _Run(settings, repo, run_id, priority, status, fixer, journal)
            state.taken = taken
            report = state.execute(resumed=start is not None)
    finally:
        for layered in run_dir.glob("venv-*"):  # throw-away dependency envs
            shutil.rmtree(layered, ignore_errors=True)
    save_reports(report, run_dir)
    return report


def _resume_point(repo: Repo, run_id: str) -> Start:
    """SuiteSetup an interrupted run stopped: its journal's start, if it can be resumed."""
    journal = Journal(repo.harden_dir / "runs" / run_id / "journal.jsonl")
    start = journal.start()
    if journal.ended():
        raise ConfigError(f"run {run_id} already finished; there is nothing to resume")
    if not repo.branch_exists(start.branch):
        raise ConfigError(f"the branch {start.branch} of run {run_id} is gone; start a new run")
    return start


class _Run:
    """The state of one run on one branch."""

    def __init__(
        self,
        settings: Settings,
        repo: Repo,
        run_id: str,
        priority: Priority,
        status: Status,
        fixer: LlmFixer | None,
        journal: Journal,
    ) -> None:
        self.settings = settings
        self.repo = repo
        self.run_id = run_id
        self.priority = priority
        self.status = status
        self.started = time.monotonic()
        self.started_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.notes: list[str] = []
        self.verdicts: list[Verdict] = []
        self.commits: list[CommitRecord] = []
        self.fixed: set[str] = set()
        self.needs_model: list[str] = []
        self.current: dict[str, list[Finding]] = {}
        self.dependencies: set[str] = set()
        self.fixer = fixer
        self.journal = journal
        self.model_outcomes: list[ModelOutcome] = []
        self.cost = 0.0
        self.taken: frozenset[Symbol] = frozenset()
        self.generated_tests: list[GeneratedTestFate] = []
        self.set_aside: list[SetAside] = []

    def execute(self, resumed: bool) -> RunReport:
        if self.fixer is None:
            self.notes.append(NO_MODEL_NOTE)
        if self.repo.has_uncommitted_changes():
            self.notes.append("uncommitted changes are not part of the base; harden used HEAD")
        python = resolve_python(self.settings.python)  # bad settings fail before any work
        plan = find_suite(self.settings.test_command, python, self.repo.tracked_files())
        worktree = self._open_worktree(resumed)
        try:  # from here on, whatever happens, the finally below cleans up
            self.notes += worktree.generated.notes()
            report = self._in_worktree(worktree, python, plan)
        except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: say what stays, then unwind
            raise RunInterrupted(self._left(worktree)) from exc
        else:
            self.journal.append(End())
            return report
        finally:
            kept = worktree.commit_count() > 0
            worktree.remove(keep_branch=kept)

    def _left(self, worktree: Worktree) -> str:
        """What an interrupted run leaves: its branch, if it has commits, and what to do."""
        count = worktree.commit_count()
        if not count:
            return ""
        branch = worktree.branch
        return (
            f"the run left {count} commit(s) on branch {branch}: resume it with "
            f"`harden run --resume {self.run_id} {self.repo.root}`, "
            f"or delete it with `git branch -D {branch}`"
        )

    def _open_worktree(self, resumed: bool) -> Worktree:
        if not resumed:
            branch, note = run_branch(self.repo, self.priority.value, self.run_id)
            self.notes += [note] if note else []
            worktree = Worktree.create(self.repo, branch)
            start = Start(
                run_id=self.run_id,
                base_commit=self.repo.base_commit,
                branch=branch,
                priority=self.priority.value,
            )
            try:
                self.journal.append(start)
            except BaseException:  # Ctrl-C or SIGTERM right here: leave nothing behind
                worktree.remove(keep_branch=False)
                raise
            return worktree
        branch = self.journal.start().branch
        # The branch, not the journal, is the truth: a kill between a commit and its
        # journal line must not lose the commit.
        for done in harden_commits(self.repo, branch):
            self.commits.append(done)
            self.fixed.update(done.finding_ids)
        self.notes.append(
            f"resumed run {self.run_id}: {len(self.commits)} fix(es) were already committed"
        )
        return Worktree.attach(self.repo, branch)

    def _in_worktree(self, wt: Worktree, python: str, plan: Suite) -> RunReport:
        files = select_files(self.repo.files_in_scope(), wt.path, self.settings.exclude)
        if not files:
            raise NoPythonFilesError(f"no Python files to scan in {self.repo.root}")
        self.status(f"scanning {len(files)} files")
        result = scan(wt.path, files, ignore=self.settings.ignore, select=self.settings.select)
        for skipped in result.skipped:
            self.notes.append(f"skipped {skipped.path}: {skipped.reason}")
        for f in result.findings:  # every priority's: no patch may add a finding of any
            self.current.setdefault(f.path, []).append(f)
        if self.priority is Priority.TESTS:
            self.status("running the tests under coverage to find untested functions")
        where = SuiteSetup(wt.path, files, plan, python, self.settings.test_timeout)
        work = worklist(self.priority, result.findings, where, self.taken)
        self.notes += work.notes
        for target in work.found if self.priority is Priority.TESTS else ():
            self.current.setdefault(target.path, []).append(target)
        result = ScanResult(work.found, result.skipped)
        ranked = list(work.ranked[: self.settings.max_findings])
        self._set_aside("skipped", skipped_reasons(work, ranked, self.settings.max_findings))
        if plan.argv is not None:
            self.status(f"running the tests at the base: {plan.display}")
        timeout = self.settings.test_timeout
        baseline = run_baseline(plan, wt.path, python, timeout, self.notes)
        ctx = FunnelContext(
            root=wt.path,
            findings=(),
            plan=plan,
            baseline=baseline,
            python=python,
            timeout_s=self.settings.test_timeout,
            ignore=self.settings.ignore,
            workdir=self.repo.harden_dir / "runs" / self.run_id,
        )
        if self.priority is Priority.TESTS:
            self._write_tests(ranked, wt, ctx)
        else:
            groups = group_findings(ranked)
            leftovers = [w for g in groups if (w := self._fix_group(g, wt, ctx)).findings]
            LlmPhase(self, wt, ctx).fix(leftovers)
        branch = wt.branch if self.commits else None
        return with_reasons(self._report(branch, result, plan, baseline))

    def _write_tests(self, targets: list[Finding], wt: Worktree, ctx: FunnelContext) -> None:
        """One new test file per target, from the model with the tests prompt."""
        if self.fixer is not None:
            self.fixer = generated_test_writer(self.fixer, root=self.settings.prompts_dir)
        LlmPhase(self, wt, ctx).fix([ModelWork((target,)) for target in targets])

    def live(self, group: Sequence[Finding]) -> list[Finding]:
        """The group's findings where they are now; those gone were fixed by a commit."""
        live = {f.id: f for f in self.current.get(group[0].path, [])}
        self.fixed.update(f.id for f in group if f.id not in live)
        return [live[f.id] for f in group if f.id in live]

    def _fix_group(self, group: list[Finding], wt: Worktree, ctx: FunnelContext) -> ModelWork:
        """Fix what the codemods can; return what is left for a model, and what it should
        know: a rejected codemod patch's findings go to the model with the rejection."""
        now = self.live(group)
        fixable = [f for f in now if has_codemod(f)]
        left = [f for f in now if not has_codemod(f)]
        if not fixable:
            return ModelWork(tuple(left))
        with finding_context(fixable[0].id):
            self.status(f"fixing {len(fixable)} finding(s) in {now[0].path} ({now[0].symbol})")
            attempt = attempt_codemods(wt.path, now[0].path, fixable)
            self._set_aside("codemod refused", attempt.refused)
            if attempt.patch is None:
                log.info("no codemod could fix this case safely")
                return ModelWork(tuple(left + fixable))
            verdict = self.validate_and_commit(attempt.patch, wt, ctx)
            if not verdict.accepted:
                return ModelWork(tuple(left + fixable), codemod_feedback(verdict))
            done = set(verdict.patch.finding_ids)
            return ModelWork(tuple(left + [f for f in fixable if f.id not in done]))

    def _set_aside(self, kind: SetAsideKind, reasons: Mapping[str, str]) -> None:
        self.set_aside += set_aside(kind, reasons)

    def validate_and_commit(self, patch: Patch, wt: Worktree, ctx: FunnelContext) -> Verdict:
        findings = self._findings_around(patch)
        result = run_funnel(patch, _with_findings(ctx, findings, self.dependencies))
        verdict = result.verdict
        self.verdicts.append(verdict)
        if (fate := fate_of(verdict, findings)) is not None:
            self.generated_tests.append(fate)
        if not verdict.accepted:
            failed = verdict.failed_stage
            log.warning("rejected %s at %s", patch.title, failed.stage if failed else "?")
            wt.reset()
            return verdict
        sha = wt.commit([e.path for e in patch.edits], commit_message(verdict, findings))
        self.commits.append(CommitRecord(sha=sha, title=patch.title, finding_ids=patch.finding_ids))
        self.journal.append(Commit(sha=sha, title=patch.title, finding_ids=patch.finding_ids))
        self.fixed.update(patch.finding_ids)
        self.dependencies.update(patch.dependencies)
        # An accepted patch passed the finding-gone stage, whose scan is its files' state now.
        for path in {e.path for e in patch.edits if is_source_file(e.path)}:
            self.current[path] = [f for f in result.findings_after if f.path == path]
        log.info("committed %s: %s", sha[:10], patch.title)
        return verdict

    def _findings_around(self, patch: Patch) -> list[Finding]:
        """The current findings of the files a patch edits or claims a finding in."""
        claimed = {f.path for fs in self.current.values() for f in fs if f.id in patch.finding_ids}
        paths = sorted(claimed | {e.path for e in patch.edits})
        return [f for path in paths for f in self.current.get(path, [])]

    def _report(
        self,
        branch: str | None,
        result: ScanResult,
        plan: Suite | None,
        baseline: SandboxRun | None,
    ) -> RunReport:
        return RunReport(
            run_id=self.run_id,
            repo=str(self.repo.root),
            base_commit=self.repo.base_commit,
            priority=self.priority,
            branch=branch,
            started_at=self.started_at,
            duration_s=round(time.monotonic() - self.started, 2),
            test_command=plan.display if plan and plan.argv else None,
            baseline_failures=tuple(sorted(baseline.failed_tests())) if baseline else (),
            findings=result.findings,
            skipped_files=result.skipped,
            verdicts=tuple(self.verdicts),
            commits=tuple(self.commits),
            fixed_ids=tuple(sorted(self.fixed)),
            needs_model_ids=tuple(dict.fromkeys(self.needs_model)),
            model=self.fixer.model if self.fixer else None,
            model_outcomes=tuple(self.model_outcomes),
            set_aside=tuple(self.set_aside),
            cost_usd=round(self.cost, 6),
            generated_tests=tuple(self.generated_tests),
            notes=tuple(self.notes),
        )


def is_source_file(path: str) -> bool:
    """A Python file the scanner looks at (tests are not scanned)."""
    return path.endswith(".py") and not is_test_file(path)


def _with_findings(ctx: FunnelContext, findings: list[Finding], deps: set[str]) -> FunnelContext:
    return dataclasses.replace(ctx, findings=tuple(findings), dependencies=tuple(sorted(deps)))
