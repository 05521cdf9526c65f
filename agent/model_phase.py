"""The model's share of a run: propose fixes for the findings no codemod fixed.

First proposals are requested concurrently (``--jobs`` calls in flight); validation and
commits stay sequential on the run's worktree. Each proposal gets at most one retry,
with the failure (an edit that did not apply, a funnel stage that rejected it, a reply
that did not match the schema) fed back to the model.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from agent.config import Settings
from agent.fix.apply import ApplyError
from agent.fix.llm_fixer import ModelFixer, Proposal
from agent.llm.budget import Budget
from agent.log import finding_context
from agent.models import Finding, ModelOutcome, Patch, Verdict
from agent.validate import FunnelContext
from agent.worktree import Worktree

__all__ = ["ModelPhase", "RunState", "propose_all"]


class RunState(Protocol):
    """What the model phase reads and updates of a run (agent.pipeline's run state)."""

    settings: Settings
    status: Callable[[str], None]
    fixer: ModelFixer | None
    needs_model: list[str]
    model_outcomes: list[ModelOutcome]
    cost: float
    notes: list[str]

    def live(self, group: Sequence[Finding]) -> list[Finding]: ...

    def validate_and_commit(self, patch: Patch, wt: Worktree, ctx: FunnelContext) -> Verdict: ...


class ModelPhase:
    """Ask the model about the groups left over, validate each answer, retry once."""

    def __init__(self, run: RunState, wt: Worktree, ctx: FunnelContext) -> None:
        self.run = run
        self.wt = wt
        self.ctx = ctx

    def fix(self, groups: list[list[Finding]]) -> None:
        run = self.run
        groups = [g for g in map(run.live, groups) if g]
        if run.fixer is None or not groups:
            run.needs_model += [f.id for g in groups for f in g]
            return
        run.status(f"asking {run.fixer.model} about {len(groups)} group(s) of findings")
        for proposal in propose_all(run.fixer, self.wt.path, groups, run.settings.jobs):
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
        if failed is None:
            return None
        return f"Your patch was rejected at the {failed.stage} stage:\n{failed.detail}"

    def _outcome(self, findings: Sequence[Finding], kind: str, reason: str) -> None:
        ids = tuple(f.id for f in findings)
        self.run.model_outcomes.append(ModelOutcome(finding_ids=ids, kind=kind, reason=reason))
        if kind != "abstained":
            self.run.needs_model += list(ids)


def propose_all(
    fixer: ModelFixer, root: Path, groups: Sequence[Sequence[Finding]], jobs: int
) -> list[Proposal]:
    """One proposal per group, at most ``jobs`` model calls in flight."""

    def propose(group: Sequence[Finding]) -> Proposal:
        with finding_context(group[0].id):
            return fixer.propose(root, group)

    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="harden-model") as pool:
        futures = [pool.submit(contextvars.copy_context().run, propose, group) for group in groups]
        return [future.result() for future in futures]
