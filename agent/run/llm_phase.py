"""The model's share of a run: propose fixes for the findings no codemod fixed.

First proposals are requested concurrently (``--jobs`` calls in flight); validation and
commits stay sequential on the run's worktree. Each proposal gets at most one retry,
with the failure (an edit that did not apply, a funnel stage that rejected it, a reply
that did not match the schema) fed back to the model. A group whose codemod patch was
rejected comes with that rejection (``ModelWork.feedback``): the model's first attempt
already knows what the codemod tried and why it failed.
"""

from __future__ import annotations

import contextvars
import difflib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from agent.config import Settings
from agent.fix.apply import ApplyError
from agent.fix.llm_fixer import LlmFixer, Proposal
from agent.git.worktree import Worktree
from agent.llm.budget import Budget
from agent.log import finding_context
from agent.models import Finding, ModelOutcome, Patch, StageResult, Verdict
from agent.validate.funnel import FunnelContext

__all__ = [
    "LlmPhase",
    "ModelWork",
    "RunState",
    "codemod_feedback",
    "propose_all",
    "rejection_feedback",
]

_DIFF_LINES = 60


@dataclass(frozen=True)
class ModelWork:
    """A group of findings for the model, and what it should know first (may be empty)."""

    findings: tuple[Finding, ...]
    feedback: str = ""


class RunState(Protocol):
    """What the model phase reads and updates of a run (agent.run.pipeline's run state)."""

    settings: Settings
    status: Callable[[str], None]
    fixer: LlmFixer | None
    needs_model: list[str]
    model_outcomes: list[ModelOutcome]
    cost: float
    notes: list[str]

    def live(self, group: Sequence[Finding]) -> list[Finding]: ...

    def validate_and_commit(self, patch: Patch, wt: Worktree, ctx: FunnelContext) -> Verdict: ...


class LlmPhase:
    """Ask the model about the groups left over, validate each answer, retry once."""

    def __init__(self, run: RunState, wt: Worktree, ctx: FunnelContext) -> None:
        self.run = run
        self.wt = wt
        self.ctx = ctx

    def fix(self, work: Sequence[ModelWork]) -> None:
        run = self.run
        live = [ModelWork(tuple(g), w.feedback) for w in work if (g := run.live(w.findings))]
        if run.fixer is None or not live:
            run.needs_model += [f.id for w in live for f in w.findings]
            return
        run.status(f"asking {run.fixer.model} about {len(live)} group(s) of findings")
        for proposal in propose_all(run.fixer, self.wt.path, live, run.settings.jobs):
            with finding_context(proposal.findings[0].id):
                self._settle(proposal)
        self._budget_note(run.fixer.client.budget)

    def _budget_note(self, budget: Budget) -> None:
        """One line for the end of the run when the budget left groups unsent."""
        left = sum(1 for o in self.run.model_outcomes if o.kind == "budget")
        if not left or budget.limit_usd is None:
            return
        note = (
            f"budget: ${budget.spent:.4f} spent of ${budget.limit_usd:.2f}; {left} group(s) "
            "of findings were not sent to the model (raise --budget to go on)"
        )
        self.run.notes[:] = [n for n in self.run.notes if not n.startswith("budget: ")] + [note]

    def _settle(self, proposal: Proposal) -> None:
        """Validate a proposal; on failure ask once more with the failure, then give up."""
        feedback = self._try(proposal)
        if feedback is None or self.run.fixer is None:
            return
        group = self.run.live(proposal.findings)
        if group:
            retry = self.run.fixer.propose(self.wt.path, group, feedback=feedback, attempt=1)
            feedback = self._try(retry)
        if feedback is not None:
            self._outcome(proposal.findings, "failed", feedback)

    def _try(self, proposal: Proposal) -> str | None:
        """None when the proposal is settled (committed, abstained, unrecoverable), else why."""
        self.run.cost += proposal.cost_usd or 0.0
        if proposal.abstention:
            self._outcome(proposal.findings, "abstained", proposal.abstention)
            return None
        if proposal.error:
            if not proposal.retryable:
                kind = "budget" if proposal.over_budget else "failed"
                self._outcome(proposal.findings, kind, proposal.error)
                return None
            return proposal.error
        try:
            patch = proposal.to_patch(self.wt.path)
        except ApplyError as exc:
            return f"Your edits did not apply: {exc}"
        verdict = self.run.validate_and_commit(patch, self.wt, self.ctx)
        failed = verdict.failed_stage
        return None if failed is None else rejection_feedback(failed)

    def _outcome(self, findings: Sequence[Finding], kind: str, reason: str) -> None:
        ids = tuple(f.id for f in findings)
        self.run.model_outcomes.append(ModelOutcome(finding_ids=ids, kind=kind, reason=reason))
        if kind != "abstained":
            self.run.needs_model += list(ids)


def rejection_feedback(failed: StageResult, whose: str = "Your patch") -> str:
    """What the model is told about a rejected patch: its own, or a codemod's."""
    return f"{whose} was rejected at the {failed.stage} stage:\n{failed.detail}"


def codemod_feedback(verdict: Verdict) -> str:
    """A rejected codemod patch as the model's context: the change it made, and why not."""
    failed = verdict.failed_stage
    if failed is None:
        return ""
    patch = verdict.patch
    diff = _diff(patch)
    tried = f"The built-in codemod {patch.fixer} tried this change:\n{diff}\n" if diff else ""
    return tried + rejection_feedback(failed, f"The codemod's patch ({patch.fixer})")


def _diff(patch: Patch) -> str:
    lines = [
        line
        for e in patch.edits
        for line in difflib.unified_diff(
            (e.before or "").splitlines(), e.after.splitlines(), e.path, e.path, lineterm=""
        )
    ]
    cut = len(lines) - _DIFF_LINES
    return "\n".join(lines[:_DIFF_LINES] + ([f"... ({cut} more lines)"] if cut > 0 else []))


def propose_all(
    fixer: LlmFixer, root: Path, work: Sequence[ModelWork], jobs: int
) -> list[Proposal]:
    """One proposal per group, at most ``jobs`` model calls in flight."""

    def propose(item: ModelWork) -> Proposal:
        with finding_context(item.findings[0].id):
            return fixer.propose(root, item.findings, feedback=item.feedback)

    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="harden-model") as pool:
        futures = [pool.submit(contextvars.copy_context().run, propose, item) for item in work]
        return [future.result() for future in futures]
