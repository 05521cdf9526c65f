"""Replay one recorded happy-path call of each SDK with vcrpy: no server, no network.

The cassettes in tests/cassettes/ were recorded against the fake LLM server; re-record them
with ``python -m tests.test_llm_cassettes`` (the host is rewritten to ``fake-llm.invalid``
so a replay can never reach a real server, and auth headers are filtered out).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import vcr  # type: ignore[import-untyped]
from pydantic import BaseModel

from agent.llm.anthropic_provider import AnthropicProvider
from agent.llm.base import Messages, Provider, Usage
from agent.llm.openai_provider import OpenAIProvider
from tests.fakellm import FakeLLM, Reply, WireUsage

CASSETTES = Path(__file__).parent / "cassettes"
HOST = "http://fake-llm.invalid"
API_KEY = "sk-cassette-test-key-0123456789"
MESSAGES = Messages(system="You fix code.", user="Fix the finding.")
NAMES = ["openai_responses", "openai_chat", "anthropic_messages"]


class Fix(BaseModel):
    search: str
    replace: str


EXPECTED = Fix(search="random.random()", replace="secrets.randbelow(100)")


def provider(name: str, root: str) -> Provider:
    if name == "anthropic_messages":
        return AnthropicProvider("claude-test", api_key=API_KEY, base_url=root)
    compatible = name == "openai_chat"
    return OpenAIProvider("gpt-test", api_key=API_KEY, base_url=f"{root}/v1", compatible=compatible)


def recorder(mode: str, rewrite_from: str | None = None) -> vcr.VCR:
    def scrub(request: Any) -> Any:
        if rewrite_from:
            request.uri = request.uri.replace(rewrite_from, HOST)
        return request

    return vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode=mode,
        filter_headers=["authorization", "x-api-key", "host"],
        before_record_request=scrub,
        decode_compressed_response=True,
    )


@pytest.mark.parametrize("name", NAMES)
def test_cassette_replays_the_parsed_output(name: str) -> None:
    with recorder("none").use_cassette(f"{name}.yaml") as cassette:
        reply = provider(name, HOST).complete(MESSAGES, Fix, 0.0, 256)
    assert cassette.play_count == 1
    assert Fix.model_validate_json(reply.text) == EXPECTED
    assert reply.usage.input_tokens > 0


def test_cassettes_hold_no_credentials() -> None:
    files = sorted(CASSETTES.glob("*.yaml"))
    assert [f.stem for f in files] == sorted(NAMES)
    for path in files:
        text = path.read_text(encoding="utf-8").lower()
        assert "authorization" not in text
        assert "x-api-key" not in text
        assert API_KEY.lower() not in text


def record() -> None:
    """Record the cassettes against the fake server (run by hand, not by pytest)."""
    usage = WireUsage(input_tokens=1200, cached_tokens=1024, output_tokens=40)
    for name in NAMES:
        (CASSETTES / f"{name}.yaml").unlink(missing_ok=True)
        with FakeLLM() as llm:
            llm.script(Reply(EXPECTED, usage=usage))
            root = llm.anthropic_url
            with recorder("once", root).use_cassette(f"{name}.yaml"):
                reply = provider(name, root).complete(MESSAGES, Fix, 0.0, 256)
        assert reply.usage != Usage()


if __name__ == "__main__":
    record()
