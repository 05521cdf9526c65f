"""What an eval produced: a run per variant over the cases, and its summary.

A variant is the builtin engine or one prompt version on one model. ``EvalRun`` is also
the format of a blessed baseline (evals/baselines/*.json). The summary gives the resolved
rate overall and per priority, the rate of every check (over the samples it applies to),
mean pass@1 / pass@k / pass^k, cost, tokens and fixer latency p50/p95.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from agent.evals.scoring import CHECKS, CaseScore, SampleScore, total_cost

__all__ = ["BUILTIN", "EvalRun", "Summary", "check_applies", "percentile", "summarise"]

BUILTIN = "builtin"


class EvalRun(BaseModel):
    """One variant over the cases: the builtin engine, or a prompt version on a model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str  # "builtin", "fix/security@v2", "fix/<priority>" (latest per case)
    model: str
    prompts: dict[str, str] = {}  # priority -> "fix/security@v2 <sha8>", as run
    samples: int
    cases: tuple[CaseScore, ...]

    def case(self, case_id: str) -> CaseScore | None:
        return next((c for c in self.cases if c.case_id == case_id), None)


class Summary(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str
    cases: int
    samples: int
    resolved_rate: float
    by_priority: dict[str, float]
    checks: dict[str, float]
    pass_at_1: float
    pass_at_k: float
    pass_hat_k: float
    cost_usd: float | None
    cost_per_sample: float | None
    input_tokens: int
    output_tokens: int
    latency_p50: float
    latency_p95: float


def summarise(run: EvalRun, only: Iterable[str] | None = None) -> Summary:
    """The run's summary, over the cases in ``only`` (all cases when None)."""
    keep = set(only) if only is not None else None
    cases = [c for c in run.cases if keep is None or c.case_id in keep]
    samples = [s for c in cases for s in c.samples]
    cost = total_cost(samples)
    latencies = [s.latency_s for s in samples]
    return Summary(
        label=run.label,
        cases=len(cases),
        samples=len(samples),
        resolved_rate=_rate(samples, lambda s: s.resolved),
        by_priority=_by_priority(samples),
        checks={c: _check_rate(samples, c) for c in CHECKS if _applicable(samples, c)},
        pass_at_1=_mean(c.pass_at_1 for c in cases),
        pass_at_k=_mean(c.pass_at_k for c in cases),
        pass_hat_k=_mean(c.pass_hat_k for c in cases),
        cost_usd=cost,
        cost_per_sample=None if cost is None or not samples else cost / len(samples),
        input_tokens=sum(s.input_tokens for s in samples),
        output_tokens=sum(s.output_tokens for s in samples),
        latency_p50=percentile(latencies, 50),
        latency_p95=percentile(latencies, 95),
    )


def check_applies(check: str, sample: SampleScore) -> bool:
    """Whether ``check`` is scored for this sample at all (e.g. mutants: tests cases)."""
    if check == "schema":
        return sample.fixer != BUILTIN
    if check == "fail-to-pass":
        return sample.priority != "tests"
    if check == "mutants":
        return sample.priority == "tests"
    return True


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(math.ceil(p / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def _applicable(samples: Sequence[SampleScore], check: str) -> list[SampleScore]:
    return [s for s in samples if check_applies(check, s)]


def _check_rate(samples: Sequence[SampleScore], check: str) -> float:
    """Passed over the samples it applies to; a check never reached counts as not passed."""
    return _rate(_applicable(samples, check), lambda s: s.passed(check))


def _by_priority(samples: Sequence[SampleScore]) -> dict[str, float]:
    priorities = sorted({s.priority for s in samples})
    return {
        p: _rate([s for s in samples if s.priority == p], lambda s: s.resolved) for p in priorities
    }


def _rate(samples: Sequence[SampleScore], ok: Callable[[SampleScore], bool]) -> float:
    return sum(ok(s) for s in samples) / len(samples) if samples else 0.0


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items) if items else 0.0
