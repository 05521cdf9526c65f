"""The model's share of a run: propose fixes for the findings no codemod fixed.

First proposals are requested concurrently (``jobs`` calls in flight); validation and
commits stay sequential on the run's branch (agent.run.branch). Each proposal gets at
most one retry, with the failure (an edit that did not apply, a funnel stage that
rejected it, a reply that did not match the schema) fed back to the model. A group whose
codemod patch was rejected comes with that rejection (``ModelWork.feedback``): the
model's first attempt already knows what the codemod tried and why it failed.

``LlmPhase.fix`` returns what it did (``LlmResult``); the pipeline folds it in.
"""

from __future__ import annotations

import contextvars
import difflib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from agent.fix.apply import ApplyError
from agent.fix.llm_fixer import LlmFixer, Proposal
from agent.llm.budget import Budget
from agent.log import finding_context
from agent.models import Finding, ModelOutcome, ModelOutcomeKind, Patch, StageResult, Verdict
from agent.run.branch import FixBranch
from agent.run.observe import Attempt, AttemptObserver

__all__ = [
    "LlmPhase",
    "LlmResult",
    "ModelWork",
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


@dataclass(frozen=True)
class LlmResult:
    """What the model phase did: outcomes without a commit, and what it cost."""

    outcomes: tuple[ModelOutcome, ...] = ()
    needs_model: tuple[str, ...] = ()  # ids still needing a (working) model
    gone: frozenset[str] = frozenset()  # ids an earlier commit fixed before the model got them
    cost_usd: float = 0.0
    budget_note: str | None = None  # set when the budget left groups unsent


class LlmPhase:
    """Ask the model about the groups left over, validate each answer, retry once."""

    def __init__(
        self,
        branch: FixBranch,
        fixer: LlmFixer | None,
        jobs: int,
        status: Callable[[str], None],
        observer: AttemptObserver,
    ) -> None:
        self.branch = branch
        self.fixer = fixer
        self.jobs = jobs
        self.status = status
        self.observer = observer
        self._outcomes: list[ModelOutcome] = []
        self._needs_model: list[str] = []
        self._gone: set[str] = set()
        self._cost = 0.0

    def fix(self, work: Sequence[ModelWork]) -> LlmResult:
        live = [ModelWork(tuple(g), w.feedback) for w in work if (g := self._live(w.findings))]
        if self.fixer is None or not live:
            self._needs_model += [f.id for w in live for f in w.findings]
            return self._result(None)
        self.status(f"asking {self.fixer.model} about {len(live)} group(s) of findings")
        for proposal in propose_all(self.fixer, self.branch.root, live, self.jobs):
            with finding_context(proposal.findings[0].id):
                self._settle(self.fixer, proposal)
        return self._result(self.fixer.client.budget)

    def _result(self, budget: Budget | None) -> LlmResult:
        return LlmResult(
            outcomes=tuple(self._outcomes),
            needs_model=tuple(self._needs_model),
            gone=frozenset(self._gone),
            cost_usd=self._cost,
            budget_note=_budget_note(budget, self._outcomes) if budget else None,
        )

    def _live(self, group: Sequence[Finding]) -> list[Finding]:
        now = self.branch.live(group)
        self._gone.update({f.id for f in group} - {f.id for f in now})
        return now

    def _settle(self, fixer: LlmFixer, proposal: Proposal) -> None:
        """Validate a proposal; on failure ask once more with the failure, then give up."""
        feedback = self._try(proposal)
        if feedback is None:
            return
        group = self._live(proposal.findings)
        if group:
            retry = fixer.propose(self.branch.root, group, feedback=feedback, attempt=1)
            feedback = self._try(retry)
        if feedback is not None:
            self._outcome(proposal.findings, ModelOutcomeKind.FAILED, feedback)

    def _try(self, proposal: Proposal) -> str | None:
        """None when the proposal is settled (committed, abstained, unrecoverable), else why."""
        self._cost += proposal.cost_usd or 0.0
        if proposal.abstention:
            self._observe(proposal, reason=proposal.abstention)
            self._outcome(proposal.findings, ModelOutcomeKind.ABSTAINED, proposal.abstention)
            return None
        if proposal.error:
            return self._failed(proposal, proposal.error)
        try:
            patch = proposal.to_patch(self.branch.root)
        except ApplyError as exc:
            self._observe(proposal, reason=f"edits did not apply: {exc}")
            return f"Your edits did not apply: {exc}"
        verdict = self.branch.validate_and_commit(patch)
        self._observe(proposal, verdict=verdict)
        failed = verdict.failed_stage
        return None if failed is None else rejection_feedback(failed)

    def _failed(self, proposal: Proposal, error: str) -> str | None:
        """A call that gave no reply: worth a retry when the reply was unreadable."""
        self._observe(proposal, reason=error, schema_ok=not proposal.retryable)
        if proposal.retryable:
            return error
        kind = ModelOutcomeKind.BUDGET if proposal.over_budget else ModelOutcomeKind.FAILED
        self._outcome(proposal.findings, kind, error)
        return None

    def _observe(
        self,
        proposal: Proposal,
        verdict: Verdict | None = None,
        reason: str = "",
        schema_ok: bool = True,
    ) -> None:
        attempt = Attempt(
            findings=proposal.findings,
            verdict=verdict,
            reason=reason,
            schema_ok=schema_ok,
            outcome=proposal.outcome,
            error=proposal.error,
        )
        self.observer.attempted(attempt)

    def _outcome(self, findings: Sequence[Finding], kind: ModelOutcomeKind, reason: str) -> None:
        ids = tuple(f.id for f in findings)
        self._outcomes.append(ModelOutcome(finding_ids=ids, kind=kind, reason=reason))
        if kind is not ModelOutcomeKind.ABSTAINED:
            self._needs_model += list(ids)


def _budget_note(budget: Budget, outcomes: Sequence[ModelOutcome]) -> str | None:
    """One line for the end of the run when the budget left groups unsent."""
    left = sum(1 for o in outcomes if o.kind is ModelOutcomeKind.BUDGET)
    if not left or budget.limit_usd is None:
        return None
    return (
        f"budget: ${budget.spent:.4f} spent of ${budget.limit_usd:.2f}; {left} group(s) "
        "of findings were not sent to the model (raise --budget to go on)"
    )


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
