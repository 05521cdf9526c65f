"""The budget refuses calls before they are made, across threads too."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pydantic import BaseModel

from agent.llm.base import Usage
from agent.llm.budget import Budget, BudgetExceeded
from agent.llm.client import LLMClient
from agent.llm.ledger import Ledger
from agent.llm.pricing import Pricing
from agent.llm.retry import RetryPolicy
from agent.llm.settle import settlement
from tests.llm_scripted import ScriptedProvider, rendered


class Answer(BaseModel):
    text: str


def test_third_call_that_would_exceed_the_budget_is_never_sent(tmp_path: Path) -> None:
    # $1000 per million output tokens: 100 tokens reserved or spent = $0.10 a call.
    pricing = Pricing.load({"scripted/test-model": {"input": 0, "output": 1000}})
    provider = ScriptedProvider(['{"text": "a"}'] * 3, usage=Usage(output_tokens=100))
    ledger = Ledger(tmp_path / "ledger.sqlite")
    client = LLMClient(
        provider,
        ledger=ledger,
        cache=None,
        budget=Budget(0.25, allow_unknown=False),
        pricing=pricing,
        retry=RetryPolicy(sleep=lambda _: None),
        run_id="r",
    )
    results = [
        client.complete(rendered(), Answer, finding_id="f", sample=n, max_tokens=100)
        for n in range(3)
    ]
    assert len(provider.calls) == 2
    assert [r.outcome for r in results] == ["ok", "ok", "refused-budget"]
    assert results[2].over_budget
    assert results[2].error is not None
    assert results[2].error.startswith("budget")
    assert ledger.count("r") == 3


def test_reserve_settle_and_remaining() -> None:
    budget = Budget(1.0)
    first = budget.reserve(0.6)
    with pytest.raises(BudgetExceeded):
        budget.reserve(0.5)
    budget.settle(first, 0.3)
    assert budget.spent == pytest.approx(0.3)
    assert budget.remaining == pytest.approx(0.7)
    budget.reserve(0.5)
    assert budget.remaining == pytest.approx(0.2)


def test_unknown_cost_needs_allow_unknown_when_there_is_a_limit() -> None:
    with pytest.raises(BudgetExceeded, match="--allow-unknown-cost"):
        Budget(1.0).reserve(None)
    allowed = Budget(1.0, allow_unknown=True)
    allowed.settle(allowed.reserve(None), None)
    assert allowed.unpriced_calls == 1
    unlimited = Budget(None)
    unlimited.reserve(None)
    unlimited.reserve(1e9)
    assert unlimited.remaining is None


def test_cancel_releases_a_hold() -> None:
    budget = Budget(1.0)
    budget.cancel(budget.reserve(1.0))
    assert budget.remaining == pytest.approx(1.0)


def test_concurrent_reservations_never_exceed_the_limit() -> None:
    budget = Budget(1.0)
    granted: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            try:
                reservation = budget.reserve(0.01)
            except BudgetExceeded:
                return
            budget.settle(reservation, 0.01)
            with lock:
                granted.append(0.01)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert budget.spent <= 1.0 + 1e-9
    assert len(granted) >= 99


def test_a_negative_settlement_never_makes_room() -> None:
    budget = Budget(0.01)
    budget.settle(budget.reserve(0.005), -32.0)
    assert budget.spent == 0.0
    budget.reserve(0.009)  # still only the limit's worth of room
    with pytest.raises(BudgetExceeded):
        budget.reserve(0.005)


def test_nothing_is_sent_once_other_calls_settled_past_the_limit() -> None:
    budget = Budget(0.05)
    first, second = budget.reserve(0.01), budget.reserve(0.01)
    budget.check_send(0.0)  # room for both as reserved
    budget.settle(first, 560.0)  # one reply reported a huge usage
    with pytest.raises(BudgetExceeded, match="nothing more is sent"):
        budget.check_send(0.0)  # the second call, about to be sent (or retried)
    budget.cancel(second)
    assert budget.exhausted


@pytest.mark.parametrize(
    ("usage", "note"),
    [
        (Usage(problem="usage missing"), "usage missing; settled at the estimate"),
        (Usage(problem="impossible usage: output_tokens=-5"), "settled at the estimate"),
        (Usage(output_tokens=10_000), "output_tokens 10,000 > max_tokens 100"),
    ],
)
def test_odd_usage_is_settled_at_no_less_than_the_estimate(usage: Usage, note: str) -> None:
    priced = Pricing.load({"scripted/test-model": {"input": 0, "output": 1000}}).price(
        "scripted/test-model", usage
    )
    cost, said = settlement(usage, priced, 0.1, max_tokens=100, attempts=1)
    assert note in said
    assert cost is not None and cost >= (0.1 if usage.problem else 10.0)
