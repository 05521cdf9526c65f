"""Each provider adapter, through its real SDK, against the local fake LLM server."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pydantic import BaseModel

from agent.llm.anthropic_provider import AnthropicProvider
from agent.llm.base import FatalError, Messages, Provider, ProviderError, TransientError, Usage
from agent.llm.openai_provider import OpenAIProvider
from agent.llm.providers import make_provider
from tests.fakellm import Delay, FakeLLM, Fault, Raw, Reply, Reset, Step, WireUsage

FLAVOURS = ["openai", "compatible", "anthropic"]
MESSAGES = Messages(system="You fix code.", user="Fix this finding.")
PAYLOAD = {"answer": 42, "note": "use secrets.token_hex"}

MakeProvider = Callable[..., Provider]


class Answer(BaseModel):
    answer: int
    note: str


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as fake:
        yield fake


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def provider_for(flavour: str, llm: FakeLLM, timeout_s: float = 5.0) -> Provider:
    if flavour == "anthropic":
        return AnthropicProvider(
            "claude-test", api_key="k", base_url=llm.anthropic_url, timeout_s=timeout_s
        )
    compatible = flavour == "compatible"
    return OpenAIProvider(
        "gpt-test", api_key="k", base_url=llm.url, compatible=compatible, timeout_s=timeout_s
    )


def call(flavour: str, llm: FakeLLM, *steps: Step, timeout_s: float = 5.0) -> Answer:
    llm.script(*steps)
    reply = provider_for(flavour, llm, timeout_s).complete(MESSAGES, Answer, 0.2, 256)
    return Answer.model_validate_json(reply.text)


def failure(flavour: str, llm: FakeLLM, *steps: Step, timeout_s: float = 5.0) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        call(flavour, llm, *steps, timeout_s=timeout_s)
    assert len(llm.requests) == 1, "the SDK retried: max_retries must be 0"
    return info.value


def test_parsed_reply_round_trips(flavour: str, llm: FakeLLM) -> None:
    assert call(flavour, llm, Reply(PAYLOAD)) == Answer(**PAYLOAD)
    assert len(llm.requests) == 1


def test_reply_accepts_a_model_payload(flavour: str, llm: FakeLLM) -> None:
    assert call(flavour, llm, Reply(Answer(**PAYLOAD))) == Answer(**PAYLOAD)


@pytest.mark.parametrize("flavour", ["openai", "compatible"])
def test_openai_usage_counts_cached_tokens_inside_the_prompt(flavour: str, llm: FakeLLM) -> None:
    llm.script(
        Reply(PAYLOAD, usage=WireUsage(input_tokens=1000, cached_tokens=400, output_tokens=50))
    )
    reply = provider_for(flavour, llm).complete(MESSAGES, Answer, 0.2, 256)
    assert reply.usage == Usage(input_tokens=1000, cached_input_tokens=400, output_tokens=50)
    assert reply.model == "fake-model"


def test_anthropic_usage_adds_cache_reads_and_writes(llm: FakeLLM) -> None:
    wire = WireUsage(input_tokens=600, cached_tokens=400, cache_write_tokens=100, output_tokens=70)
    llm.script(Reply(PAYLOAD, usage=wire))
    reply = provider_for("anthropic", llm).complete(MESSAGES, Answer, 0.2, 256)
    expected = Usage(
        input_tokens=1100, cached_input_tokens=400, cache_write_tokens=100, output_tokens=70
    )
    assert reply.usage == expected


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [({"retry-after": "2"}, 2.0), ({"retry-after-ms": "1500"}, 1.5), ({}, None)],
)
def test_429_is_transient_and_carries_retry_after(
    flavour: str, llm: FakeLLM, headers: dict[str, str], seconds: float | None
) -> None:
    error = failure(flavour, llm, Fault(429, headers=headers))
    assert isinstance(error, TransientError)
    assert (error.status, error.retry_after) == (429, seconds)


@pytest.mark.parametrize("status", [408, 409, 500, 502, 503, 529])
def test_server_errors_are_transient(flavour: str, llm: FakeLLM, status: int) -> None:
    error = failure(flavour, llm, Fault(status))
    assert isinstance(error, TransientError)
    assert error.status == status


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_fatal(flavour: str, llm: FakeLLM, status: int) -> None:
    error = failure(flavour, llm, Fault(status))
    assert isinstance(error, FatalError)
    assert error.status == status


@pytest.mark.parametrize("flavour", ["openai", "compatible"])
def test_429_out_of_quota_is_fatal(flavour: str, llm: FakeLLM) -> None:
    body = {
        "error": {
            "message": "You exceeded your quota",
            "type": "insufficient_quota",
            "code": "insufficient_quota",
        }
    }
    error = failure(flavour, llm, Fault(429, body=body, headers={"retry-after": "1"}))
    assert isinstance(error, FatalError)
    assert "quota" in error.message


def test_connection_reset_is_transient(flavour: str, llm: FakeLLM) -> None:
    assert isinstance(failure(flavour, llm, Reset()), TransientError)


def test_a_reply_slower_than_the_timeout_is_transient(flavour: str, llm: FakeLLM) -> None:
    error = failure(flavour, llm, Delay(1.5), Reply(PAYLOAD), timeout_s=0.3)
    assert isinstance(error, TransientError)


def test_an_empty_script_answers_500_and_never_hangs(flavour: str, llm: FakeLLM) -> None:
    error = failure(flavour, llm)
    assert isinstance(error, TransientError)
    assert "no scripted reply" in error.message


@pytest.mark.parametrize(
    "step",
    [
        Raw("{not json"),
        Reply("{not json"),
        Reply('{"answer": "forty-two"}'),
        Reply('{"answer": 42, "no', truncated=True),
    ],
    ids=["malformed-body", "malformed-output", "schema-invalid", "truncated"],
)
def test_unparsable_replies_are_fatal(flavour: str, llm: FakeLLM, step: Step) -> None:
    error = failure(flavour, llm, step)
    assert isinstance(error, FatalError)
    assert error.message.startswith("unparsable reply")


def test_an_unparsable_reply_still_reports_its_usage(flavour: str, llm: FakeLLM) -> None:
    error = failure(
        flavour, llm, Reply("{not json", usage=WireUsage(input_tokens=300, output_tokens=9))
    )
    assert (error.usage.input_tokens, error.usage.output_tokens) == (300, 9)


def test_a_refusal_is_fatal(flavour: str, llm: FakeLLM) -> None:
    error = failure(flavour, llm, Reply(PAYLOAD, refusal="I can't help with that"))
    assert isinstance(error, FatalError)
    assert error.message.startswith("model refused")


def test_anthropic_marks_the_system_block_for_caching(llm: FakeLLM) -> None:
    call("anthropic", llm, Reply(PAYLOAD))
    body = llm.requests[0].json
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert body["output_config"]["format"]["type"] == "json_schema"
    assert "temperature" not in body  # the 2026-10-21 API answers 400 to it


def test_openai_cloud_uses_the_responses_api(llm: FakeLLM) -> None:
    call("openai", llm, Reply(PAYLOAD))
    request = llm.requests[0]
    assert request.path == "/v1/responses"
    assert request.json["text"]["format"]["type"] == "json_schema"
    assert (request.json["max_output_tokens"], request.json["store"]) == (256, False)
    assert request.headers["x-stainless-retry-count"] == "0"


def test_compatible_servers_use_chat_completions(llm: FakeLLM) -> None:
    call("compatible", llm, Reply(PAYLOAD))
    request = llm.requests[0]
    assert request.path == "/v1/chat/completions"
    assert [m["role"] for m in request.json["messages"]] == ["system", "user"]
    assert request.json["response_format"]["type"] == "json_schema"


def test_ollama_requests_carry_num_ctx(llm: FakeLLM) -> None:
    provider = make_provider("ollama/qwen2.5-coder:7b", base_url=llm.url, env={})
    llm.script(Reply(PAYLOAD))
    provider.complete(MESSAGES, Answer, 0.0, 256)
    body = llm.requests[0].json
    assert body["options"]["num_ctx"] == 16384
    assert body["model"] == "qwen2.5-coder:7b"
