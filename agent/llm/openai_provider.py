"""OpenAI adapter: the Responses API in the cloud, Chat Completions on compatible servers.

Cloud (``compatible=False``): ``client.responses.with_raw_response.parse(text_format=...)``
→ ``output_parsed``. Ollama, vLLM, LM Studio, llama.cpp or any ``--base-url``
(``compatible=True``): Chat Completions, with the structured-output mode negotiated per
server (agent.llm.openai_compatible). The raw-response wrapper keeps the reply's JSON at
hand, so an unparsable reply still reports the tokens it was billed for.

SDK errors are classified into agent.llm.base's tree; the client never retries itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import openai
from pydantic import BaseModel

from agent.llm.base import (
    FatalError,
    Messages,
    ProviderReply,
    TransientError,
    UnparsableError,
    Usage,
)
from agent.llm.openai_compatible import CompatibleChat
from agent.llm.openai_wire import UNPARSABLE, body_of, classify, usage_of
from agent.llm.structured import ModeMemory

if TYPE_CHECKING:  # the raw-response wrapper's type is not exported by the SDK
    from openai._legacy_response import LegacyAPIResponse

__all__ = ["OpenAIProvider"]


class OpenAIProvider:
    """One ``complete`` = one HTTP request to OpenAI; on a compatible server, one per
    structured-output mode tried (agent.llm.openai_compatible)."""

    def __init__(
        self,
        model: str,
        *,
        api_key: str,
        base_url: str | None = None,
        compatible: bool = False,
        timeout_s: float = 60.0,
        extra_body: dict[str, Any] | None = None,
        modes: ModeMemory | None = None,
    ) -> None:
        self.name = "openai-compatible" if compatible else "openai"
        self.model = model
        self.compatible = compatible
        self.extra_body = extra_body
        self.client = openai.OpenAI(
            api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout_s
        )
        self.chat = CompatibleChat(self.client, model, modes or ModeMemory(), extra_body)

    def complete(
        self, messages: Messages, schema: type[BaseModel], temperature: float, max_tokens: int
    ) -> ProviderReply:
        """Return the structured output as JSON text; raise a ProviderError on failure."""
        if self.compatible:
            return self.chat.complete(messages, schema, temperature, max_tokens)
        try:
            raw = self._send(messages, schema, temperature, max_tokens)
        except openai.APIError as exc:
            raise classify(exc) from exc
        body = body_of(raw)
        usage = usage_of(body)
        try:
            parsed = raw.parse()
        except UNPARSABLE as exc:
            raise UnparsableError(f"unparsable reply: {exc}", usage=usage) from exc
        output = self._output(parsed, usage)
        model = body.get("model") or self.model
        return ProviderReply(text=output.model_dump_json(), usage=usage, model=str(model))

    def _send(
        self, messages: Messages, schema: type[BaseModel], temperature: float, max_tokens: int
    ) -> LegacyAPIResponse[Any]:
        return self.client.responses.with_raw_response.parse(
            model=self.model,
            instructions=messages.system,
            input=[{"role": "user", "content": messages.user}],
            text_format=schema,
            temperature=temperature,
            max_output_tokens=max_tokens,
            store=False,
            extra_body=self.extra_body,
        )

    def _output(self, parsed: Any, usage: Usage) -> BaseModel:
        refusal = _responses_refusal(parsed)
        output = parsed.output_parsed
        if refusal:
            raise FatalError(f"model refused: {refusal}", usage=usage)
        if not isinstance(output, BaseModel):
            raise TransientError(
                "empty reply: the model returned no structured output", usage=usage
            )
        return output


def _responses_refusal(parsed: Any) -> str | None:
    for item in parsed.output:
        for content in getattr(item, "content", None) or []:
            if getattr(content, "type", None) == "refusal":
                return str(content.refusal)
    return None
