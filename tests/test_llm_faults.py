"""Faults on the wire, end to end: real SDK -> fake server, through the one client path.

Each test counts the requests the server saw and checks the ledger agrees: every call
is recorded, failed ones included.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.fix.llm_patch import ModelPatch
from agent.llm.anthropic_provider import AnthropicProvider
from agent.llm.base import Provider
from agent.llm.budget import Budget
from agent.llm.client import LLMClient
from agent.llm.ledger import Ledger
from agent.llm.openai_provider import OpenAIProvider
from agent.llm.pricing import Pricing
from agent.llm.retry import RetryPolicy
from tests.fakellm import Delay, FakeLLM, Fault, Raw, Reply, Reset
from tests.llm_scripted import rendered

ABSTAIN = {
    "decision": "false_positive",
    "title": "Not reachable",
    "rationale": "The input is a constant.",
    "risk": "low",
    "edits": [],
    "new_test_file": None,
}


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as fake:
        yield fake


def client_for(provider: Provider, tmp_path: Path, *, max_attempts: int = 4) -> LLMClient:
    return LLMClient(
        provider,
        ledger=Ledger(tmp_path / "ledger.sqlite"),
        cache=None,
        budget=Budget(None),
        pricing=Pricing.load(),
        retry=RetryPolicy(max_attempts=max_attempts, base_delay_s=0.05, max_delay_s=5.0),
        run_id="run-1",
        model_spec="openai/gpt-4.1-mini",
    )


def openai(llm: FakeLLM, timeout_s: float = 10.0) -> OpenAIProvider:
    return OpenAIProvider("gpt-4.1-mini", api_key="sk-test", base_url=llm.url, timeout_s=timeout_s)


def call(client: LLMClient) -> tuple[str, int]:
    result = client.complete(rendered(), ModelPatch, finding_id="f1")
    return result.outcome, result.attempts


def test_429_with_retry_after_waits_that_long_then_succeeds(llm: FakeLLM, tmp_path: Path) -> None:
    llm.script(Fault(429, headers={"retry-after": "1"}), Reply(ABSTAIN))
    assert call(client_for(openai(llm), tmp_path)) == ("ok", 2)
    first, second = llm.requests
    assert len(llm.requests) == 2
    assert 1.0 <= second.time - first.time < 3.0


def test_429_with_retry_after_ms(llm: FakeLLM, tmp_path: Path) -> None:
    llm.script(Fault(429, headers={"retry-after-ms": "300"}), Reply(ABSTAIN))
    assert call(client_for(openai(llm), tmp_path)) == ("ok", 2)
    first, second = llm.requests
    assert 0.3 <= second.time - first.time < 2.0


def test_500_then_success(llm: FakeLLM, tmp_path: Path) -> None:
    llm.script(Fault(500), Reply(ABSTAIN))
    assert call(client_for(openai(llm), tmp_path)) == ("ok", 2)
    assert len(llm.requests) == 2


def test_a_reset_connection_and_a_timeout_are_retried(llm: FakeLLM, tmp_path: Path) -> None:
    llm.script(Reset(), Delay(2.0), Reply(ABSTAIN), Reply(ABSTAIN))
    assert call(client_for(openai(llm, timeout_s=0.5), tmp_path)) == ("ok", 3)


def test_401_is_not_retried(llm: FakeLLM, tmp_path: Path) -> None:
    llm.script(Fault(401), Reply(ABSTAIN))
    outcome, attempts = call(client_for(openai(llm), tmp_path))
    assert (outcome, attempts) == ("error: FatalError", 1)
    assert len(llm.requests) == 1


def test_persistent_429_stops_after_the_policy_s_attempts(llm: FakeLLM, tmp_path: Path) -> None:
    llm.script(*[Fault(429, headers={"retry-after": "0"})] * 5)
    assert call(client_for(openai(llm), tmp_path, max_attempts=3)) == ("error: TransientError", 3)
    assert len(llm.requests) == 3  # not 3 x the SDK's own retries: they are off


@pytest.mark.parametrize(
    ("step", "outcome"),
    [
        (Raw('{"decision": "fix", "title": '), "unparsable"),
        (Reply({"decision": "maybe"}), "unparsable"),
    ],
)
def test_malformed_and_schema_invalid_replies_are_recorded_not_retried(
    llm: FakeLLM, tmp_path: Path, step: Raw | Reply, outcome: str
) -> None:
    llm.script(step, Reply(ABSTAIN))
    client = client_for(openai(llm), tmp_path)
    assert call(client) == (outcome, 1)
    assert len(llm.requests) == 1


def test_anthropic_529_overloaded_is_retried(llm: FakeLLM, tmp_path: Path) -> None:
    provider = AnthropicProvider(
        "claude-haiku-4-5", api_key="sk-ant-test", base_url=llm.anthropic_url
    )
    llm.script(Fault(529), Reply(ABSTAIN))
    assert call(client_for(provider, tmp_path)) == ("ok", 2)


def test_the_ledger_counts_every_call_the_server_saw(llm: FakeLLM, tmp_path: Path) -> None:
    llm.script(Fault(503), Reply(ABSTAIN), Fault(401), Raw("not json"), Reply(ABSTAIN))
    client = client_for(openai(llm), tmp_path)
    outcomes = [call(client)[0] for _ in range(4)]
    assert outcomes == ["ok", "error: FatalError", "unparsable", "ok"]
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        rows = ledger.records("run-1")
    assert sum(r.attempts for r in rows) == len(llm.requests) == 5
