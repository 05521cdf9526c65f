"""Every outcome of LLMClient.complete, as the caller and the ledger see it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import BaseModel

from agent.llm.base import FatalError, TransientError, Usage
from agent.llm.budget import Budget
from agent.llm.cache import ResponseCache
from agent.llm.client import LLMClient, estimate_cost
from agent.llm.ledger import Ledger
from agent.llm.pricing import Pricing
from agent.llm.retry import RetryPolicy
from tests.llm_scripted import Script, ScriptedProvider, rendered

OK = '{"text": "fixed"}'
PRICES = {"scripted/test-model": {"input": 10.0, "output": 100.0}}
USAGE = Usage(input_tokens=1000, output_tokens=100)
COST = (1000 * 10 + 100 * 100) / 1e6


class Answer(BaseModel):
    text: str


def rows(ledger: Ledger) -> list[dict[str, object]]:
    return [record.model_dump() for record in ledger.records()]


def make(
    tmp_path: Path,
    script: list[Script],
    *,
    budget: float | None = None,
    prices: dict[str, dict[str, float]] | None = None,
) -> tuple[LLMClient, ScriptedProvider, Ledger]:
    provider = ScriptedProvider(script, usage=USAGE)
    ledger = Ledger(tmp_path / "data" / "ledger.sqlite")
    client = LLMClient(
        provider,
        ledger=ledger,
        cache=ResponseCache(tmp_path / "cache"),
        budget=Budget(budget, allow_unknown=False),
        pricing=Pricing.load(PRICES if prices is None else prices),
        retry=RetryPolicy(sleep=lambda _: None),
        run_id="run-1",
    )
    return client, provider, ledger


def test_ok_call_is_parsed_billed_and_recorded(tmp_path: Path) -> None:
    client, provider, ledger = make(tmp_path, [OK])
    result = client.complete(rendered(), Answer, finding_id="f1", max_tokens=500)
    assert result.parsed == Answer(text="fixed")
    assert (result.outcome, result.error, result.attempts) == ("ok", None, 1)
    assert result.cost_usd == pytest.approx(COST)
    assert provider.calls[0].max_tokens == 500
    assert provider.calls[0].schema is Answer
    [row] = rows(ledger)
    assert row["outcome"] == "ok"
    assert row["prompt"] == "fix/security@v1"
    assert (row["provider"], row["model"], row["finding_id"]) == ("scripted", "test-model", "f1")
    assert (row["input_tokens"], row["output_tokens"], row["cache_hit"]) == (1000, 100, False)
    assert row["cost_usd"] == pytest.approx(COST)


def test_second_identical_call_is_a_cache_hit_with_no_provider_call(tmp_path: Path) -> None:
    client, provider, ledger = make(tmp_path, [OK])
    client.complete(rendered(), Answer, finding_id="f1")
    again = client.complete(rendered(), Answer, finding_id="another finding")
    assert len(provider.calls) == 1
    assert again.cache_hit
    assert again.parsed == Answer(text="fixed")
    assert again.cost_usd == 0.0
    hit = rows(ledger)[1]
    assert (hit["cache_hit"], hit["cost_usd"], hit["outcome"]) == (True, 0.0, "ok")
    assert hit["saved_usd"] == pytest.approx(COST)
    assert ledger.summary()[0].saved_usd == pytest.approx(COST)


def test_another_sample_is_not_a_cache_hit(tmp_path: Path) -> None:
    client, provider, _ = make(tmp_path, [OK, OK])
    client.complete(rendered(), Answer, finding_id="f1", sample=0)
    assert not client.complete(rendered(), Answer, finding_id="f1", sample=1).cache_hit
    assert len(provider.calls) == 2


def test_schema_invalid_reply_is_billed_recorded_and_not_cached(tmp_path: Path) -> None:
    client, provider, ledger = make(tmp_path, ['{"txt": 1}', OK])
    bad = client.complete(rendered(), Answer, finding_id="f1")
    assert bad.parsed is None
    assert bad.outcome == "schema-invalid"
    assert bad.error is not None
    assert "text" in bad.error
    assert bad.cost_usd == pytest.approx(COST)
    assert rows(ledger)[0]["outcome"] == "schema-invalid"
    assert rows(ledger)[0]["cost_usd"] == pytest.approx(COST)
    assert client.complete(rendered(), Answer, finding_id="f1").outcome == "ok"
    assert len(provider.calls) == 2


def test_text_that_is_not_json_is_unparsable(tmp_path: Path) -> None:
    client, _, ledger = make(tmp_path, ["Sure! Here is the fix:"])
    assert client.complete(rendered(), Answer, finding_id="f1").outcome == "unparsable"
    assert rows(ledger)[0]["outcome"] == "unparsable"


def test_transient_then_ok_records_two_attempts_and_bills_both(tmp_path: Path) -> None:
    failed = TransientError("overloaded", status=529, usage=Usage(input_tokens=1000))
    client, provider, ledger = make(tmp_path, [failed, OK])
    result = client.complete(rendered(), Answer, finding_id="f1")
    assert (result.outcome, result.attempts, len(provider.calls)) == ("ok", 2, 2)
    assert result.usage.input_tokens == 2000
    [row] = rows(ledger)
    assert row["attempts"] == 2
    assert row["input_tokens"] == 2000


def test_fatal_error_is_not_retried_and_is_recorded(tmp_path: Path) -> None:
    client, provider, ledger = make(tmp_path, [FatalError("401: invalid api key", status=401)])
    result = client.complete(rendered(), Answer, finding_id="f1")
    assert len(provider.calls) == 1
    assert (result.outcome, result.error, result.attempts) == (
        "error: FatalError",
        "401: invalid api key",
        1,
    )
    assert result.cost_usd == 0.0
    assert rows(ledger)[0]["outcome"] == "error: FatalError"


def test_exhausted_retries_record_every_attempt(tmp_path: Path) -> None:
    errors: list[Script] = [TransientError("500", status=500) for _ in range(4)]
    client, provider, ledger = make(tmp_path, errors)
    result = client.complete(rendered(), Answer, finding_id="f1")
    assert (result.outcome, result.attempts, len(provider.calls)) == ("error: TransientError", 4, 4)
    assert rows(ledger)[0]["attempts"] == 4


def test_budget_refusal_makes_no_call(tmp_path: Path) -> None:
    client, provider, ledger = make(tmp_path, [OK], budget=0.0001)
    result = client.complete(rendered(), Answer, finding_id="f1")
    assert provider.calls == []
    assert result.outcome == "refused-budget"
    assert result.over_budget
    [row] = rows(ledger)
    assert (row["outcome"], row["cost_usd"], row["attempts"]) == ("refused-budget", 0.0, 0)


def test_unknown_price_is_recorded_as_null_and_warned_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client, _, ledger = make(tmp_path, [OK, OK], prices={})
    with caplog.at_level(logging.WARNING, logger="harden.llm"):
        first = client.complete(rendered(), Answer, finding_id="f1", sample=0)
        client.complete(rendered(), Answer, finding_id="f1", sample=1)
    assert first.cost_usd is None
    assert [r["cost_usd"] for r in rows(ledger)] == [None, None]
    assert len([r for r in caplog.records if "no price known" in r.getMessage()]) == 1


def test_estimate_cost_for_plan() -> None:
    pricing = Pricing.load(PRICES)
    assert estimate_cost("scripted/test-model", 1000, 100, pricing) == pytest.approx(COST)
    assert estimate_cost("openai/gpt-4.1-mini", 1_000_000, 0) == pytest.approx(0.4)
    assert estimate_cost("nobody/knows", 1, 1) is None
