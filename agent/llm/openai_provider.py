"""OpenAI adapter: the Responses API in the cloud, Chat Completions on compatible servers.

Cloud (``compatible=False``): ``client.responses.with_raw_response.parse(text_format=...)``
→ ``output_parsed``. Ollama, vLLM, LM Studio, llama.cpp or any ``--base-url``
(``compatible=True``): ``client.chat.completions.with_raw_response.parse(
response_format=...)`` → ``choices[0].message.parsed``, the one structured-output call
those servers support. The raw-response wrapper keeps the reply's JSON at hand, so an
unparsable reply still reports the tokens it was billed for.

SDK errors are classified into agent.llm.base's tree; the client never retries itself.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import openai
import pydantic
from pydantic import BaseModel

from agent.llm.base import (
    FatalError,
    Messages,
    ProviderError,
    ProviderReply,
    TransientError,
    UnparsableError,
    Usage,
    reported_usage,
)
from agent.llm.providers import status_error

if TYPE_CHECKING:  # the raw-response wrapper's type is not exported by the SDK
    from openai._legacy_response import LegacyAPIResponse

__all__ = ["OpenAIProvider"]

UNPARSABLE = (
    openai.LengthFinishReasonError,
    openai.ContentFilterFinishReasonError,
    openai.APIResponseValidationError,
    pydantic.ValidationError,
    json.JSONDecodeError,
)


class OpenAIProvider:
    """One ``complete`` = one HTTP request to OpenAI or an OpenAI-compatible server."""

    def __init__(
        self,
        model: str,
        *,
        api_key: str,
        base_url: str | None = None,
        compatible: bool = False,
        timeout_s: float = 60.0,
        extra_body: dict[str, Any] | None = None,
    ) -> None:
        self.name = "openai-compatible" if compatible else "openai"
        self.model = model
        self.compatible = compatible
        self.extra_body = extra_body
        self.client = openai.OpenAI(
            api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout_s
        )

    def complete(
        self, messages: Messages, schema: type[BaseModel], temperature: float, max_tokens: int
    ) -> ProviderReply:
        """Return the structured output as JSON text; raise a ProviderError on failure."""
        try:
            raw = self._send(messages, schema, temperature, max_tokens)
        except openai.APIError as exc:
            raise classify(exc) from exc
        body = _body(raw)
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
        if self.compatible:
            return self.client.chat.completions.with_raw_response.parse(
                model=self.model,
                messages=[
                    {"role": "system", "content": messages.system},
                    {"role": "user", "content": messages.user},
                ],
                response_format=schema,
                temperature=temperature,
                max_tokens=max_tokens,
                extra_body=self.extra_body,
            )
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
        if self.compatible:
            message = parsed.choices[0].message if parsed.choices else None
            refusal = message.refusal if message else None
            output = message.parsed if message else None
        else:
            refusal = _responses_refusal(parsed)
            output = parsed.output_parsed
        if refusal:
            raise FatalError(f"model refused: {refusal}", usage=usage)
        if not isinstance(output, BaseModel):
            raise TransientError(
                "empty reply: the model returned no structured output", usage=usage
            )
        return output


def classify(exc: openai.APIError) -> ProviderError:
    """Map an OpenAI SDK error onto TransientError / FatalError."""
    if isinstance(exc, openai.APIStatusError):
        quota = exc.status_code == 429 and _error_code(exc.body) == "insufficient_quota"
        return status_error(exc.status_code, exc.message, exc.response.headers, quota=quota)
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return TransientError(f"{type(exc).__name__}: {exc}")
    return FatalError(f"{type(exc).__name__}: {exc}")


def usage_of(body: dict[str, Any]) -> Usage:
    """Normalise either API's usage: cached tokens are already inside the prompt count."""
    usage = body.get("usage")
    if not isinstance(usage, dict):
        return reported_usage(input_tokens=None, output_tokens=None)
    if "prompt_tokens" in usage:  # Chat Completions
        details = _dict(usage.get("prompt_tokens_details"))
        prompt, output = usage.get("prompt_tokens"), usage.get("completion_tokens")
    else:  # Responses
        details = _dict(usage.get("input_tokens_details"))
        prompt, output = usage.get("input_tokens"), usage.get("output_tokens")
    return reported_usage(
        input_tokens=prompt, cached_input_tokens=details.get("cached_tokens"), output_tokens=output
    )


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _body(raw: LegacyAPIResponse[Any]) -> dict[str, Any]:
    try:
        body = raw.http_response.json()
    except json.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}


def _error_code(body: object) -> str | None:
    if not isinstance(body, dict):
        return None
    error = body.get("error", body)
    code = error.get("code") or error.get("type") if isinstance(error, dict) else None
    return str(code) if code else None


def _responses_refusal(parsed: Any) -> str | None:
    for item in parsed.output:
        for content in getattr(item, "content", None) or []:
            if getattr(content, "type", None) == "refusal":
                return str(content.refusal)
    return None
