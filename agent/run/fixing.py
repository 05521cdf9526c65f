"""The run loop: fix -> validate -> retry -> commit, for groups of findings on a branch.

Each group (one enclosing symbol of a file) goes to the codemods first, when the run uses
them; what they leave, or a group whose codemod patch was rejected (with the rejection),
goes to the model (agent.run.llm_phase), or is left as needing one. Every patch passes
the funnel before it is committed (agent.run.branch). ``harden run`` and ``harden eval``
both fix through ``fix_groups``; an eval watches the attempts through an observer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from agent.fix.codemod_fixer import attempt_codemods, has_codemod
from agent.fix.llm_fixer import LlmFixer
from agent.log import finding_context, get_logger
from agent.models import Finding, SetAside
from agent.report.unfixed import set_aside
from agent.run.branch import FixBranch
from agent.run.llm_phase import LlmPhase, LlmResult, ModelWork, codemod_feedback
from agent.run.observe import Attempt, AttemptObserver, Unobserved

__all__ = ["FixResult", "Fixers", "fix_groups"]

log = get_logger("pipeline")


@dataclass(frozen=True)
class Fixers:
    """What fixes a run's findings: the codemods (or not), and a model (or none)."""

    codemods: bool = True
    model: LlmFixer | None = None
    jobs: int = 1  # model calls in flight
    # called with each group before it is fixed (agent.run.characterizing pins its function)
    before_fix: Callable[[Sequence[Finding]], None] | None = None


@dataclass(frozen=True)
class FixResult:
    """What the loop did besides what landed on the branch (``FixBranch.landed``)."""

    model: LlmResult
    set_aside: tuple[SetAside, ...] = ()  # findings the codemods refused, and why
    gone: frozenset[str] = field(default_factory=frozenset)  # fixed by an earlier commit


def fix_groups(
    groups: Sequence[Sequence[Finding]],
    branch: FixBranch,
    fixers: Fixers,
    status: Callable[[str], None],
    observer: AttemptObserver | None = None,
) -> FixResult:
    """Fix each group on ``branch``: codemods first (if used), then the model (if any)."""
    watch = observer or Unobserved()
    if fixers.before_fix is not None:
        for group in (g for g in groups if g):
            fixers.before_fix(group)
    step = _CodemodStep(branch, status, watch)
    if fixers.codemods:
        work = [w for g in groups if (w := step.fix(g)).findings]
    else:
        work = [ModelWork(tuple(g)) for g in groups if g]
    model = LlmPhase(branch, fixers.model, fixers.jobs, status, watch).fix(work)
    return FixResult(model, tuple(step.set_aside), frozenset(step.gone))


class _CodemodStep:
    """The codemods on one group at a time; what they leave is the model's work."""

    def __init__(
        self, branch: FixBranch, status: Callable[[str], None], observer: AttemptObserver
    ) -> None:
        self.branch = branch
        self.status = status
        self.observer = observer
        self.set_aside: list[SetAside] = []
        self.gone: set[str] = set()

    def fix(self, group: Sequence[Finding]) -> ModelWork:
        """Fix what the codemods can; return what is left for a model, and what it should
        know: a rejected codemod patch's findings go to the model with the rejection."""
        now = self.branch.live(group)
        self.gone.update({f.id for f in group} - {f.id for f in now})
        fixable = [f for f in now if has_codemod(f)]
        left = [f for f in now if not has_codemod(f)]
        if not fixable:
            if now:
                self.observer.attempted(Attempt(tuple(now), reason="no codemod"))
            return ModelWork(tuple(left))
        with finding_context(fixable[0].id):
            return self._attempt(now, fixable, left)

    def _attempt(
        self, now: list[Finding], fixable: list[Finding], left: list[Finding]
    ) -> ModelWork:
        self.status(f"fixing {len(fixable)} finding(s) in {now[0].path} ({now[0].symbol})")
        start = time.monotonic()
        attempt = attempt_codemods(self.branch.root, now[0].path, fixable)
        took = time.monotonic() - start
        self.set_aside += set_aside("codemod refused", attempt.refused)
        if attempt.patch is None:
            log.info("no codemod could fix this case safely")
            why = "no codemod could fix it safely"
            self.observer.attempted(Attempt(tuple(now), reason=why, latency_s=took))
            return ModelWork(tuple(left + fixable))
        verdict = self.branch.validate_and_commit(attempt.patch)
        self.observer.attempted(Attempt(tuple(now), verdict=verdict, latency_s=took))
        if not verdict.accepted:
            return ModelWork(tuple(left + fixable), codemod_feedback(verdict))
        done = set(verdict.patch.finding_ids)
        return ModelWork(tuple(left + [f for f in fixable if f.id not in done]))
