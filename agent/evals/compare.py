"""Compare a candidate run with its baseline, paired by case, and judge regressions.

Only the cases both runs scored are compared. A case is better or worse when its share of
resolved samples (pass@1) went up or down. The thresholds come from ``[tool.harden.eval]``
in the project's pyproject.toml: ``max_resolved_drop`` (default 0.0: any drop in the
resolved rate regresses) and ``max_cost_increase`` (default 0.10: cost per sample up more
than 10% regresses).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.evals.errors import EvalError
from agent.evals.results import EvalRun, Summary, summarise

__all__ = ["Comparison", "Delta", "Thresholds", "compare", "load_thresholds"]


class Thresholds(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_resolved_drop: float = Field(default=0.0, ge=0.0, le=1.0)
    max_cost_increase: float = Field(default=0.10, ge=0.0)


class Delta(BaseModel):
    model_config = ConfigDict(frozen=True)

    baseline: float | None
    candidate: float | None

    @property
    def change(self) -> float | None:
        if self.baseline is None or self.candidate is None:
            return None
        return self.candidate - self.baseline


class Comparison(BaseModel):
    model_config = ConfigDict(frozen=True)

    baseline: str
    candidate: str
    paired: int
    better: tuple[str, ...]
    worse: tuple[str, ...]
    same: int
    only_in_candidate: tuple[str, ...] = ()
    only_in_baseline: tuple[str, ...] = ()
    deltas: dict[str, Delta]
    regressions: tuple[str, ...]


def load_thresholds(project: Path) -> Thresholds:
    """``[tool.harden.eval]`` of ``project``/pyproject.toml, or the defaults."""
    path = project / "pyproject.toml"
    if not path.is_file():
        return Thresholds()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Thresholds.model_validate(data.get("tool", {}).get("harden", {}).get("eval", {}))
    except tomllib.TOMLDecodeError as exc:
        raise EvalError(f"cannot read {path}: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise EvalError(f"[tool.harden.eval] {where} in {path}: {first['msg']}") from exc


def compare(baseline: EvalRun, candidate: EvalRun, thresholds: Thresholds) -> Comparison:
    base_ids = {c.case_id for c in baseline.cases}
    cand_ids = {c.case_id for c in candidate.cases}
    paired = sorted(base_ids & cand_ids)
    better, worse = _moves(baseline, candidate, paired)
    base, cand = summarise(baseline, paired), summarise(candidate, paired)
    deltas = _deltas(base, cand)
    return Comparison(
        baseline=baseline.label,
        candidate=candidate.label,
        paired=len(paired),
        better=tuple(better),
        worse=tuple(worse),
        same=len(paired) - len(better) - len(worse),
        only_in_candidate=tuple(sorted(cand_ids - base_ids)),
        only_in_baseline=tuple(sorted(base_ids - cand_ids)),
        deltas=deltas,
        regressions=tuple(_regressions(deltas, thresholds, worse)),
    )


def _moves(baseline: EvalRun, candidate: EvalRun, paired: list[str]) -> tuple[list[str], ...]:
    better: list[str] = []
    worse: list[str] = []
    for case_id in paired:
        before, after = baseline.case(case_id), candidate.case(case_id)
        if before is None or after is None:
            continue
        if after.pass_at_1 > before.pass_at_1:
            better.append(case_id)
        elif after.pass_at_1 < before.pass_at_1:
            worse.append(case_id)
    return better, worse


def _deltas(base: Summary, cand: Summary) -> dict[str, Delta]:
    deltas = {
        "resolved": Delta(baseline=base.resolved_rate, candidate=cand.resolved_rate),
        "pass@1": Delta(baseline=base.pass_at_1, candidate=cand.pass_at_1),
        "pass@k": Delta(baseline=base.pass_at_k, candidate=cand.pass_at_k),
        "pass^k": Delta(baseline=base.pass_hat_k, candidate=cand.pass_hat_k),
    }
    for check in dict.fromkeys([*base.checks, *cand.checks]):
        deltas[check] = Delta(baseline=base.checks.get(check), candidate=cand.checks.get(check))
    deltas["cost/sample"] = Delta(baseline=base.cost_per_sample, candidate=cand.cost_per_sample)
    deltas["latency p50"] = Delta(baseline=base.latency_p50, candidate=cand.latency_p50)
    return deltas


def _regressions(deltas: dict[str, Delta], limits: Thresholds, worse: list[str]) -> list[str]:
    found: list[str] = []
    resolved = deltas["resolved"]
    drop = -(resolved.change or 0.0)
    if drop > limits.max_resolved_drop + 1e-9:
        found.append(
            f"resolved rate fell {resolved.baseline:.0%} -> {resolved.candidate:.0%} "
            f"(allowed drop {limits.max_resolved_drop:.0%}); worse: {', '.join(worse) or '-'}"
        )
    cost = deltas["cost/sample"]
    rise = _relative_rise(cost)
    if rise is not None and rise > limits.max_cost_increase + 1e-9:
        found.append(
            f"cost per sample rose ${cost.baseline or 0:.4f} -> ${cost.candidate or 0:.4f} "
            f"(+{rise:.0%}, allowed +{limits.max_cost_increase:.0%})"
        )
    return found


def _relative_rise(cost: Delta) -> float | None:
    if cost.baseline is None or cost.candidate is None:
        return None
    if cost.baseline == 0:
        return float("inf") if cost.candidate > 0 else 0.0
    return (cost.candidate - cost.baseline) / cost.baseline
