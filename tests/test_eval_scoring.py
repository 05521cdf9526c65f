"""pass@k maths against hand computation; summaries, paired comparison and thresholds."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.evals.compare import Thresholds, compare, load_thresholds
from agent.evals.errors import EvalError
from agent.evals.results import EvalRun, percentile, summarise
from agent.evals.scoring import CaseScore, SampleScore, pass_at_k, pass_hat_k


def test_pass_at_k_matches_hand_computation() -> None:
    # n=5, c=2, k=2: 1 - C(3,2)/C(5,2) = 1 - 3/10; pass^2 = C(2,2)/C(5,2) = 1/10.
    assert pass_at_k(5, 2, 2) == pytest.approx(0.7)
    assert pass_hat_k(5, 2, 2) == pytest.approx(0.1)
    # n=4, c=1, k=1: 1/4 either way; n=3, c=0: nothing passes.
    assert pass_at_k(4, 1, 1) == pytest.approx(0.25) == pass_hat_k(4, 1, 1)
    assert pass_at_k(3, 0, 3) == 0.0 and pass_hat_k(3, 0, 3) == 0.0
    # k = n: pass@k is "any resolved", pass^k "all resolved".
    assert (pass_at_k(3, 1, 3), pass_hat_k(3, 1, 3), pass_hat_k(3, 3, 3)) == (1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="c <= n"):
        pass_at_k(2, 3, 1)


def sample(case: str, k: int, resolved: bool, cost: float = 0.01) -> SampleScore:
    checks = {"detected": "passed", "patch": "passed", "tests": "passed" if resolved else "failed"}
    return SampleScore(
        case_id=case,
        priority="security",
        sample=k,
        fixer="fix/security@v1 via m",
        resolved=resolved,
        reason="" if resolved else "tests: 1 failed",
        checks=checks,  # type: ignore[arg-type]
        cost_usd=cost,
        latency_s=float(k + 1),
    )


def run(label: str, outcomes: dict[str, list[bool]], cost: float = 0.01) -> EvalRun:
    cases = tuple(
        CaseScore(
            case_id=case,
            priority="security",
            samples=tuple(sample(case, k, ok, cost) for k, ok in enumerate(oks)),
        )
        for case, oks in outcomes.items()
    )
    return EvalRun(label=label, model="m", samples=2, cases=cases)


def test_summary_rates_and_pass_at_k_over_cases() -> None:
    summary = summarise(run("v1", {"a": [True, False], "b": [True, True], "c": [False, False]}))
    assert summary.resolved_rate == pytest.approx(3 / 6)
    assert summary.pass_at_1 == pytest.approx((0.5 + 1 + 0) / 3)
    assert summary.pass_at_k == pytest.approx(2 / 3)  # a and b resolved at least once
    assert summary.pass_hat_k == pytest.approx(1 / 3)  # only b resolved both times
    assert summary.checks["tests"] == pytest.approx(3 / 6)
    assert summary.cost_usd == pytest.approx(0.06)
    assert (summary.latency_p50, summary.latency_p95) == (1.0, 2.0)
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0


def test_a_drop_in_resolved_rate_is_a_regression_naming_the_worse_cases() -> None:
    base = run("v1", {"a": [True, True], "b": [True, False], "c": [False, False]})
    cand = run("v2", {"a": [True, False], "b": [True, True], "c": [False, False]})
    same = compare(base, cand, Thresholds())
    assert (same.better, same.worse, same.same) == (("b",), ("a",), 1)
    assert same.regressions == ()  # 3/6 resolved both times
    worse = compare(
        base, run("v2", {"a": [False, False], "b": [True, False], "c": [False]}), Thresholds()
    )
    assert worse.worse == ("a",) and len(worse.regressions) == 1
    assert "resolved rate fell" in worse.regressions[0] and "worse: a" in worse.regressions[0]
    lenient = Thresholds(max_resolved_drop=0.5)
    assert (
        compare(base, run("v2", {"a": [False, False], "b": [True, False]}), lenient).regressions
        == ()
    )


def test_cost_thresholds_and_unpaired_cases() -> None:
    base = run("v1", {"a": [True], "b": [True]}, cost=0.010)
    pricier = run("v2", {"a": [True], "b": [True], "new": [True]}, cost=0.0115)
    result = compare(base, pricier, Thresholds())
    assert result.only_in_candidate == ("new",) and result.paired == 2
    assert len(result.regressions) == 1 and "cost per sample rose" in result.regressions[0]
    assert compare(base, pricier, Thresholds(max_cost_increase=0.2)).regressions == ()


def test_thresholds_come_from_the_projects_pyproject(tmp_path: Path) -> None:
    assert load_thresholds(tmp_path) == Thresholds()
    (tmp_path / "pyproject.toml").write_text(
        "[tool.harden.eval]\nmax_resolved_drop = 0.05\nmax_cost_increase = 0.5\n"
    )
    assert load_thresholds(tmp_path) == Thresholds(max_resolved_drop=0.05, max_cost_increase=0.5)
    (tmp_path / "pyproject.toml").write_text("[tool.harden.eval]\nmax_cost_rise = 1\n")
    with pytest.raises(EvalError, match="max_cost_rise"):
        load_thresholds(tmp_path)
