"""``harden plan``: what a run would do with each finding, and what the model part would
cost, estimated from the rendered prompt's tokens. No call is made, nothing is written.

The plan predicts the run: findings are cut at ``--max-findings`` and grouped as the run
groups them (``work_groups``), and each group's codemods run in memory on the base
commit's files (``attempt_codemods``, the run's own function), so a finding counts as
fixable offline only when a codemod really produces a patch for it. A refused finding
says why; the rest go to the model (one call per group, counted in ``est_calls``) or
need one.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, computed_field

from agent.config import Settings, read_environment
from agent.git.repo import open_repo
from agent.llm.pricing import Pricing
from agent.models import Finding, Priority, SkippedFile
from agent.redaction.secrets import Redactor
from agent.run.model_choice import choose_model, prompt_for
from agent.run.plan_cache import CodemodOutcome, PlanCache, codemod_outcome
from agent.run.plan_tree import base_tree
from agent.run.scan_files import check_since, files_to_scan
from agent.run.touched import Symbol, split_touched
from agent.run.worklist import (
    Worklist,
    rank_findings,
    skipped_reasons,
    split_oversized,
    work_groups,
)
from agent.sandbox.suite import find_suite, resolve_python
from agent.scan import ScanResult
from agent.scan.cache import cached_scan
from agent.scan.rules import model_judgement
from agent.validate.policy.content import MAX_FILE_BYTES

if TYPE_CHECKING:
    from agent.llm.prompts import PromptVersion

__all__ = ["OUTPUT_TOKENS_ESTIMATE", "TOO_LARGE", "Plan", "PlanAction", "PlanRow", "make_plan"]

OUTPUT_TOKENS_ESTIMATE = 800  # a typical search/replace patch with its rationale
TOO_LARGE = f"skipped: file over the {MAX_FILE_BYTES // 1000} KB patch limit"


class PlanAction(StrEnum):
    """What the run would do with one finding."""

    CODEMOD = "codemod patch ready"  # fixable offline (the funnel may still reject it)
    REFUSED = "codemod refused"  # a codemod handles the rule but not this code
    MODEL = "model"  # no codemod patch: the configured model is asked
    NEEDS_MODEL = "needs a model"  # no codemod patch and no model configured
    SKIPPED = "skipped"


class PlanRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    finding: Finding
    fixer: str
    action: PlanAction
    reason: str = ""  # why a codemod refused, the finding is skipped, or needs a model
    est_input_tokens: int | None = None
    est_output_tokens: int | None = None
    est_usd: float | None = None


class Plan(BaseModel):
    model_config = ConfigDict(frozen=True)

    model: str | None
    priorities: tuple[Priority, ...]
    rows: tuple[PlanRow, ...]
    skipped: tuple[SkippedFile, ...]
    notes: tuple[str, ...] = ()

    @property
    def est_usd(self) -> float | None:
        return _total(self.rows)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def est_calls(self) -> int:
        """The model calls the run would make: one per group left to the model (a retry
        after a rejection, or a codemod patch the funnel rejects, adds more)."""
        return sum(1 for r in self.rows if r.est_input_tokens is not None)

    def rows_of(self, priority: Priority) -> list[PlanRow]:
        return [r for r in self.rows if r.finding.priority is priority]

    def est_usd_of(self, priority: Priority) -> float | None:
        return _total(self.rows_of(priority))


def _total(rows: list[PlanRow] | tuple[PlanRow, ...]) -> float | None:
    costs = [r.est_usd for r in rows if r.est_input_tokens is not None]
    return None if any(c is None for c in costs) else sum(c or 0.0 for c in costs)


def make_plan(settings: Settings) -> Plan:
    repo = open_repo(settings.repo)
    check_since(repo, settings.since)
    model = choose_model(settings, read_environment().provider)
    priorities = settings.priorities
    with base_tree(repo, priorities) as snapshot:
        files = files_to_scan(repo, snapshot, settings)
        cache = read_environment().cache_dir
        result = cached_scan(
            snapshot, files, cache, settings.ignore, settings.select, priorities
        ).result
        pricing = Pricing.load(settings.pricing)
        attempts = PlanCache(cache, snapshot)
        rows: list[PlanRow] = []
        notes: list[str] = []
        taken: set[Symbol] = set()  # changed by an earlier priority's codemod patches
        for priority in priorities:
            prompt = _prompt(settings, priority) if model else None
            estimate = _Estimator(snapshot, model, prompt, pricing, attempts)
            if priority is Priority.TESTS:  # new test files never conflict: nothing is taken
                mine = _untested(settings, snapshot, repo.tracked_files(), files, result, notes)
                rows += _priority_rows(priority, mine, set(), settings.max_findings, estimate)[0]
                continue
            mine = rank_findings(f for f in result.findings if f.priority is priority)
            mine, too_large = _without_oversized(mine, snapshot, notes)
            limit = settings.max_findings
            more, touched = _priority_rows(priority, mine, taken, limit, estimate)
            rows += more + too_large
            taken |= touched
        attempts.save()
    return Plan(
        model=model,
        priorities=priorities,
        rows=tuple(rows),
        skipped=result.skipped,
        notes=tuple(notes),
    )


def _prompt(settings: Settings, priority: Priority) -> PromptVersion:
    from agent.llm.prompts import load_prompt  # the model's part: imported only with a model

    return load_prompt(prompt_for(settings, priority), settings.prompts_dir)


def _without_oversized(
    found: list[Finding], root: Path, notes: list[str]
) -> tuple[list[Finding], list[PlanRow]]:
    """As a run does: findings in a file too large to patch are skipped before any work."""
    kept, why = split_oversized(found, root)
    notes += why
    ids = {f.id for f in kept}
    skipped = PlanAction.SKIPPED
    reason = TOO_LARGE.removeprefix("skipped: ")
    too_large = [f for f in found if f.id not in ids]
    return kept, [
        PlanRow(finding=f, fixer=TOO_LARGE, action=skipped, reason=reason) for f in too_large
    ]


def _untested(
    settings: Settings,
    snapshot: Path,
    tracked: list[str],
    files: list[str],
    result: ScanResult,
    notes: list[str],
) -> list[Finding]:
    """The tests priority's targets: the snapshot's suite runs under coverage (sandboxed)."""
    from agent.testgen import coverage_targets  # testgen (and its model fixer) only here

    python = resolve_python(settings.python)
    tests = find_suite(settings.test_command, python, tracked)
    risky = {(f.path, f.symbol) for f in result.findings}
    found = coverage_targets(snapshot, files, tests, python, settings.test_timeout, risky)
    if found.note:
        notes.append(f"tests: {found.note}")
    return list(found.findings)


class _Estimator:
    """The model's part of a plan: the estimated cost of one call for a group of findings."""

    def __init__(
        self,
        root: Path,
        model: str | None,
        prompt: PromptVersion | None,
        pricing: Pricing,
        attempts: PlanCache,
    ) -> None:
        self.root, self.model, self.prompt, self.pricing = root, model, prompt, pricing
        self.attempts = attempts  # the groups' codemod attempts, cached

    def rows(self, group: Sequence[Finding], refused: dict[str, str]) -> list[PlanRow]:
        """One call for the whole group (as the run makes it), counted on its first row."""
        if self.model is None or self.prompt is None:
            return [
                _unfixed_row(f, "needs a model", PlanAction.NEEDS_MODEL, refused) for f in group
            ]
        from agent.llm.client import estimate_cost  # the model's part: only with a model

        fixer = f"{self.prompt.ref} via {self.model}"
        first, *rest = [_unfixed_row(f, fixer, PlanAction.MODEL, refused) for f in group]
        tokens = self._tokens(self.prompt, group)
        usd = estimate_cost(self.model, tokens, OUTPUT_TOKENS_ESTIMATE, self.pricing)
        costs = {"est_input_tokens": tokens, "est_output_tokens": OUTPUT_TOKENS_ESTIMATE}
        return [first.model_copy(update={**costs, "est_usd": usd}), *rest]

    def _tokens(self, prompt: PromptVersion, group: Sequence[Finding]) -> int:
        from agent.fix.chunk import build_chunk  # the model's part: only with a model
        from agent.fix.llm_fixer import prompt_variables
        from agent.llm.tokens import count_tokens

        chunk = build_chunk(self.root, group[0])
        redactor = Redactor(chunk.text, "")
        variables = prompt_variables(group, redactor.redact(chunk.text), "")
        rendered = prompt.render(variables)
        return count_tokens(rendered.messages.system) + count_tokens(rendered.messages.user)


def _priority_rows(
    priority: Priority,
    found: list[Finding],
    taken: set[Symbol],
    max_findings: int | None,
    estimate: _Estimator,
) -> tuple[list[PlanRow], set[Symbol]]:
    """One priority as its run works on it: findings in ``taken`` symbols and beyond the
    limit skipped, the rest in the run's groups; and the symbols its codemod patches change
    (a later priority's run skips them, as with ``--priority all``)."""
    free, _ = split_touched(found, taken)
    kept = free[:max_findings]
    rows: list[PlanRow] = []
    touched: set[Symbol] = set()
    for group in work_groups(priority, kept):
        attempt = codemod_outcome(estimate.attempts, group, priority)
        rows += _group_rows(group, attempt, estimate)
        touched |= set(attempt.touched)
    why = skipped_reasons(Worklist(tuple(found), tuple(free)), kept, max_findings)
    skipped = PlanAction.SKIPPED
    rows += [
        PlanRow(finding=f, fixer="", action=skipped, reason=why[f.id]) for f in found if f.id in why
    ]
    return rows, touched


def _group_rows(
    group: Sequence[Finding], attempt: CodemodOutcome, estimate: _Estimator
) -> list[PlanRow]:
    """A group as the run works on it: its codemods' patch first, the rest for a model."""
    fixer = attempt.fixer
    claimed = set(attempt.finding_ids) if fixer is not None else set()
    rows = {
        f.id: PlanRow(finding=f, fixer=fixer, action=PlanAction.CODEMOD)
        for f in group
        if fixer is not None and f.id in claimed
    }
    left = [f for f in group if f.id not in claimed]
    refused = dict(attempt.refused)
    rows |= {r.finding.id: r for r in (estimate.rows(left, refused) if left else [])}
    return [rows[f.id] for f in group]


def _unfixed_row(
    finding: Finding, fixer: str, action: PlanAction, refused: dict[str, str]
) -> PlanRow:
    """A finding no codemod patch claims: refused (why), else for the model."""
    if finding.id in refused:
        return PlanRow(
            finding=finding, fixer=fixer, action=PlanAction.REFUSED, reason=refused[finding.id]
        )
    why = model_judgement(finding.rule)  # a design decision: no codemod will ever make it
    return PlanRow(finding=finding, fixer=fixer, action=action, reason=why or "")
