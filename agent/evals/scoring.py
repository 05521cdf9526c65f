"""Scores: one sample of one case, a case over its k samples, and the pass@k maths.

A sample records each check it reached (``passed``/``failed``/``skipped``; a check that
does not apply to the case is absent), why it was not resolved, and what it cost. pass@k
is the unbiased estimator of Chen et al. (2021): with n samples of which c resolved, the
chance that at least one of k samples drawn without replacement resolves,
``1 - C(n-c, k) / C(n, k)``; pass^k is the chance that all k do, ``C(c, k) / C(n, k)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import comb
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "CHECKS",
    "CaseScore",
    "CheckStatus",
    "SampleScore",
    "pass_at_k",
    "pass_hat_k",
]

CheckStatus = Literal["passed", "failed", "skipped"]

# In the order a sample meets them: the first failed one is the sample's reason.
CHECKS: tuple[str, ...] = (
    "detected",  # the scan found the case's finding(s)
    "schema",  # model fixers: the reply matched the patch schema
    "patch",  # the fixer produced a patch (no codemod, an abstention, edits that fail: no)
    "applies",
    "scope",
    "parses",
    "lint",
    "finding-gone",
    "no-new-findings",
    "smoke",  # the changed modules still import (agent.validate.smoke)
    "tests",  # the repo's own suite, in the funnel
    "fail-to-pass",
    "pass-to-pass",
    "mutants",  # tests cases: the new test kills every mutant
    "patterns",
)


class SampleScore(BaseModel):
    """One sample of one case, scored through the fix and validate path."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    priority: str
    sample: int
    fixer: str
    resolved: bool
    reason: str = ""  # the first failed check and why; empty when resolved
    checks: dict[str, CheckStatus]
    diff_lines: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0  # None: the model's price is unknown
    calls: int = 0
    latency_s: float = 0.0  # time in the fixer (model calls or codemods)
    duration_s: float = 0.0  # the whole sample, tests included

    def passed(self, check: str) -> bool:
        return self.checks.get(check) == "passed"


class CaseScore(BaseModel):
    """A case over its samples."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    priority: str
    samples: tuple[SampleScore, ...]

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def resolved(self) -> int:
        return sum(s.resolved for s in self.samples)

    @property
    def pass_at_1(self) -> float:
        return pass_at_k(self.n, self.resolved, 1)

    @property
    def pass_at_k(self) -> float:
        return pass_at_k(self.n, self.resolved, self.n)

    @property
    def pass_hat_k(self) -> float:
        return pass_hat_k(self.n, self.resolved, self.n)

    @property
    def cost_usd(self) -> float | None:
        return total_cost(self.samples)

    @property
    def reasons(self) -> list[str]:
        return list(dict.fromkeys(s.reason for s in self.samples if s.reason))


def pass_at_k(n: int, c: int, k: int) -> float:
    """The chance that at least one of k of the n samples (c resolved) is resolved."""
    _check(n, c, k)
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    """The chance that all k of k samples drawn from the n (c resolved) are resolved."""
    _check(n, c, k)
    return comb(c, k) / comb(n, k)


def total_cost(samples: Sequence[SampleScore]) -> float | None:
    """Dollars of the samples; None when any call's price was unknown."""
    costs = [s.cost_usd for s in samples]
    return None if any(c is None for c in costs) else sum(c or 0.0 for c in costs)


def _check(n: int, c: int, k: int) -> None:
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
