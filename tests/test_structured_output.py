"""Structured output negotiated per OpenAI-compatible server, through the real openai SDK.

The fake server imitates what local servers accept (tests/fakellm.py ``Formats``): each
test counts the requests it saw, so a rejected request that was retried would show.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.fix.llm_patch import ModelPatch
from agent.llm.budget import Budget
from agent.llm.client import LLMClient
from agent.llm.ledger import Ledger
from agent.llm.openai_provider import OpenAIProvider
from agent.llm.pricing import Pricing
from agent.llm.providers import make_provider
from agent.llm.retry import RetryPolicy
from agent.llm.structured import MODE_FILE, ModeMemory
from tests.fakellm import FENCED, LLAMA_CPP_PYTHON, OLLAMA_LIKE, FakeLLM, Fault, Formats, Reply
from tests.llm_scripted import rendered

ABSTAIN = {
    "decision": "false_positive",
    "title": "Not reachable",
    "rationale": "The input is a constant.",
    "risk": "low",
    "edits": [],
    "new_test_file": None,
}
CHAT = "/v1/chat/completions"


def client_for(llm: FakeLLM, memory: ModeMemory, ledger: Path) -> LLMClient:
    provider = make_provider("llamacpp/gemma", base_url=llm.url, env={}, modes=memory)
    return LLMClient(
        provider,
        ledger=Ledger(ledger),
        cache=None,
        budget=Budget(None),
        pricing=Pricing.load(),
        retry=RetryPolicy(max_attempts=4, base_delay_s=0.01, max_delay_s=0.1),
        run_id="run-1",
        model_spec="llamacpp/gemma",
    )


def formats_sent(llm: FakeLLM) -> list[str]:
    """The response_format type of each chat request ("none" when absent)."""
    kinds = []
    for request in llm.requests:
        fmt = request.json.get("response_format") if request.path == CHAT else None
        kinds.append(str(fmt["type"]) if isinstance(fmt, dict) else "none")
    return kinds


@pytest.fixture
def memory_file(tmp_path: Path) -> Path:
    return tmp_path / "data" / MODE_FILE


def test_llama_cpp_python_rejects_json_schema_once_then_json_object_is_used(
    tmp_path: Path, memory_file: Path
) -> None:
    with FakeLLM(LLAMA_CPP_PYTHON) as llm:
        llm.script(Reply(ABSTAIN), Reply(ABSTAIN))
        client = client_for(llm, ModeMemory(memory_file), tmp_path / "ledger.sqlite")
        first = client.complete(rendered(), ModelPatch, finding_id="f1")
        second = client.complete(rendered(), ModelPatch, finding_id="f2")
    # json_schema was refused with a 500 validation error: sent once, never retried.
    assert formats_sent(llm) == ["json_schema", "json_object", "json_object"]
    assert (first.outcome, first.attempts, first.mode) == ("ok", 2, "json_object")
    assert (second.outcome, second.attempts, second.mode) == ("ok", 1, "json_object")
    schema = llm.requests[1].json["response_format"]["schema"]
    assert schema["title"] == "ModelPatch" and "edits" in schema["properties"]
    assert json.loads(memory_file.read_text()) == {llm.url: "json_object"}
    assert client.structured.answered == ("json_object",)
    assert client.structured.rejected == ("json_schema",)
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        rows = ledger.records("run-1")
    modes = [(r.attempts, r.structured_mode) for r in rows]
    assert modes == [(2, "json_object"), (1, "json_object")]


def test_a_server_that_takes_no_response_format_gets_the_schema_in_the_prompt(
    tmp_path: Path, memory_file: Path
) -> None:
    with FakeLLM(OLLAMA_LIKE) as llm:
        llm.script(Reply(ABSTAIN))
        client = client_for(llm, ModeMemory(memory_file), tmp_path / "ledger.sqlite")
        result = client.complete(rendered(), ModelPatch, finding_id="f1")
    assert formats_sent(llm) == ["json_schema", "json_object", "none"]
    assert (result.outcome, result.attempts, result.mode) == ("ok", 3, "prompt")
    system = llm.requests[-1].json["messages"][0]["content"]
    assert "JSON schema" in system and '"new_test_file"' in system
    assert json.loads(memory_file.read_text()) == {llm.url: "prompt"}


def test_json_wrapped_in_prose_and_a_code_fence_is_read(tmp_path: Path, memory_file: Path) -> None:
    with FakeLLM(FENCED) as llm:
        llm.script(Reply(ABSTAIN))
        client = client_for(llm, ModeMemory(memory_file), tmp_path / "ledger.sqlite")
        result = client.complete(rendered(), ModelPatch, finding_id="f1")
    assert (result.outcome, result.attempts, result.mode) == ("ok", 1, "json_schema")
    assert result.parsed is not None and result.parsed.decision == "false_positive"


def test_a_fenced_reply_in_prompt_mode_is_read_and_validated(
    tmp_path: Path, memory_file: Path
) -> None:
    fenced_prompt_only = Formats(accepts=frozenset({"none"}), status=422, fenced=True)
    with FakeLLM(fenced_prompt_only) as llm:
        llm.script(Reply(ABSTAIN), Reply({"decision": "maybe"}))
        client = client_for(llm, ModeMemory(memory_file), tmp_path / "ledger.sqlite")
        good = client.complete(rendered(), ModelPatch, finding_id="f1")
        bad = client.complete(rendered(), ModelPatch, finding_id="f2")
    assert (good.outcome, good.mode) == ("ok", "prompt")
    assert (bad.outcome, bad.mode) == ("unparsable", "prompt") and "decision" in (bad.error or "")
    assert formats_sent(llm) == ["json_schema", "json_object", "none", "none"]


def test_the_next_run_starts_with_the_remembered_mode(tmp_path: Path, memory_file: Path) -> None:
    with FakeLLM(LLAMA_CPP_PYTHON) as llm:
        llm.script(Reply(ABSTAIN), Reply(ABSTAIN))
        client_for(llm, ModeMemory(memory_file), tmp_path / "a.sqlite").complete(
            rendered(), ModelPatch, finding_id="f1"
        )
        later = client_for(llm, ModeMemory(memory_file), tmp_path / "b.sqlite")
        result = later.complete(rendered(), ModelPatch, finding_id="f1")
    assert formats_sent(llm) == ["json_schema", "json_object", "json_object"]
    assert (result.attempts, result.mode) == (1, "json_object")


def test_an_invalid_request_that_is_not_about_the_format_fails_once(
    tmp_path: Path, memory_file: Path
) -> None:
    too_long = {"error": {"message": "Requested tokens (9000) exceed context window of 8192"}}
    with FakeLLM() as llm:
        llm.script(Fault(400, too_long), Reply(ABSTAIN))
        client = client_for(llm, ModeMemory(memory_file), tmp_path / "ledger.sqlite")
        result = client.complete(rendered(), ModelPatch, finding_id="f1")
    assert (result.outcome, result.attempts) == ("error: InvalidRequestError", 1)
    assert formats_sent(llm) == ["json_schema"]
    assert not memory_file.exists()


@pytest.mark.parametrize("status", [422, 500])
def test_a_validation_error_is_never_retried(
    tmp_path: Path, memory_file: Path, status: int
) -> None:
    body = {"detail": [{"loc": ["body", "messages"], "msg": "Field required"}]}
    with FakeLLM() as llm:
        llm.script(Fault(status, body), Reply(ABSTAIN))
        client = client_for(llm, ModeMemory(memory_file), tmp_path / "ledger.sqlite")
        result = client.complete(rendered(), ModelPatch, finding_id="f1")
    assert (result.outcome, result.attempts, len(llm.requests)) == (
        "error: InvalidRequestError",
        1,
        1,
    )


def test_a_plain_500_is_still_retried(tmp_path: Path, memory_file: Path) -> None:
    with FakeLLM() as llm:
        llm.script(Fault(500), Reply(ABSTAIN))
        client = client_for(llm, ModeMemory(memory_file), tmp_path / "ledger.sqlite")
        result = client.complete(rendered(), ModelPatch, finding_id="f1")
    assert (result.outcome, result.attempts) == ("ok", 2)
    assert formats_sent(llm) == ["json_schema", "json_schema"]


def test_a_server_that_rejects_every_mode_fails_in_three_requests_and_learns_nothing(
    tmp_path: Path, memory_file: Path
) -> None:
    refuses_all = Formats(accepts=frozenset(), message="response_format {type} is not allowed")
    with FakeLLM(refuses_all) as llm:
        client = client_for(llm, ModeMemory(memory_file), tmp_path / "ledger.sqlite")
        first = client.complete(rendered(), ModelPatch, finding_id="f1")
        second = client.complete(rendered(), ModelPatch, finding_id="f2")
    assert (first.outcome, first.attempts) == ("error: InvalidRequestError", 3)
    assert second.attempts == 3  # the run went back to the start: nothing was learned
    assert formats_sent(llm) == ["json_schema", "json_object", "none"] * 2
    assert not memory_file.exists()
    assert client.structured.answered == ()


def test_hosted_openai_is_not_negotiated(tmp_path: Path, memory_file: Path) -> None:
    with FakeLLM(LLAMA_CPP_PYTHON) as llm:
        llm.script(Reply(ABSTAIN))
        provider = OpenAIProvider("gpt-4.1-mini", api_key="sk-test", base_url=llm.url)
        reply = provider.complete(rendered().messages, ModelPatch, 0.0, 256)
    assert [r.path for r in llm.requests] == ["/v1/responses"]
    assert (reply.mode, reply.requests) == ("", 1)


def test_an_unreadable_mode_file_is_ignored_and_rewritten(
    tmp_path: Path, memory_file: Path
) -> None:
    memory_file.parent.mkdir(parents=True)
    memory_file.write_text("{not json")
    with FakeLLM(LLAMA_CPP_PYTHON) as llm:
        llm.script(Reply(ABSTAIN))
        client = client_for(llm, ModeMemory(memory_file), tmp_path / "ledger.sqlite")
        assert client.complete(rendered(), ModelPatch, finding_id="f1").ok
    assert json.loads(memory_file.read_text()) == {llm.url: "json_object"}
