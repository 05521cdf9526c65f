"""The model's share of a run: propose fixes for the findings no codemod fixed.

First proposals are requested concurrently (``--jobs`` calls in flight); validation and
commits stay sequential on the run's worktree. Each proposal gets at most one retry,
with the failure (an edit that did not apply, a funnel stage that rejected it, a reply
that did not match the schema) fed back to the model.
"""

from __future__ import annotations

import contextvars
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from agent.fix.llm_fixer import ModelFixer, Proposal
from agent.log import finding_context
from agent.models import Finding

__all__ = ["propose_all"]


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
