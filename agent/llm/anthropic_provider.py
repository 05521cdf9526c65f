"""Anthropic adapter: structured output through the Messages API's ``output_config``.

The request is what ``client.messages.parse(output_format=schema)`` sends: ``output_config
= {"format": {"type": "json_schema", "schema": anthropic.transform_schema(schema)}}``. We
call ``messages.create`` and validate the text block ourselves (as ``parse`` does) because
``parse`` validates inside the SDK and drops the usage of an unparsable reply, which was
billed all the same. The system block carries ``cache_control`` so the stable prompt
prefix is cached.

``temperature`` is accepted and not sent: anthropic 2.x speaks API version 2026-10-21,
whose Messages API rejects ``temperature``/``top_p``/``top_k`` with a 400 even at their
defaults (the SDK removed the parameters; ``extra_body`` would only earn that 400).

SDK errors are classified into agent.llm.base's tree; the client never retries itself.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import anthropic
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

if TYPE_CHECKING:
    from anthropic.types import Message

__all__ = ["AnthropicProvider"]


class AnthropicProvider:
    """One ``complete`` = one HTTP request to the Anthropic Messages API."""

    name = "anthropic"

    def __init__(
        self, model: str, *, api_key: str, base_url: str | None = None, timeout_s: float = 60.0
    ) -> None:
        self.model = model
        self.client = anthropic.Anthropic(
            api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout_s
        )

    def complete(
        self, messages: Messages, schema: type[BaseModel], temperature: float, max_tokens: int
    ) -> ProviderReply:
        """Return the structured output as JSON text; raise a ProviderError on failure.

        ``temperature`` is ignored: the 2026-10-21 Messages API refuses sampling parameters.
        """
        try:
            reply = self._send(messages, schema, max_tokens)
        except anthropic.APIError as exc:
            raise classify(exc) from exc
        except json.JSONDecodeError as exc:  # a 200 whose body is not JSON
            raise UnparsableError(f"unparsable reply: {exc}") from exc
        usage = usage_of(reply)
        output = _validated(reply, schema, usage)
        return ProviderReply(text=output.model_dump_json(), usage=usage, model=reply.model)

    def _send(self, messages: Messages, schema: type[BaseModel], max_tokens: int) -> Message:
        return self.client.messages.create(
            model=self.model,
            system=[
                {"type": "text", "text": messages.system, "cache_control": {"type": "ephemeral"}}
            ],
            messages=[{"role": "user", "content": messages.user}],
            output_config={
                "format": {"type": "json_schema", "schema": anthropic.transform_schema(schema)}
            },
            max_tokens=max_tokens,
        )


def classify(exc: anthropic.APIError) -> ProviderError:
    """Map an Anthropic SDK error onto TransientError / FatalError (529 overloaded retries)."""
    if isinstance(exc, anthropic.APIStatusError):
        return status_error(exc.status_code, exc.message, exc.response.headers)
    if isinstance(exc, anthropic.APIConnectionError):  # includes APITimeoutError
        return TransientError(f"{type(exc).__name__}: {exc}")
    return UnparsableError(f"unparsable reply: {type(exc).__name__}: {exc}")


def usage_of(reply: Message) -> Usage:
    """Normalise: Anthropic's ``input_tokens`` exclude cache reads and writes; add them in."""
    usage = getattr(reply, "usage", None)
    checked = reported_usage(
        input_tokens=getattr(usage, "input_tokens", None),
        cached_input_tokens=getattr(usage, "cache_read_input_tokens", None),
        cache_write_tokens=getattr(usage, "cache_creation_input_tokens", None),
        output_tokens=getattr(usage, "output_tokens", None),
    )
    total = checked.input_tokens + checked.cached_input_tokens + checked.cache_write_tokens
    return checked.model_copy(update={"input_tokens": total})


def _validated(reply: Message, schema: type[BaseModel], usage: Usage) -> BaseModel:
    if reply.stop_reason == "refusal":
        raise FatalError(f"model refused: {_text(reply) or 'no reason given'}", usage=usage)
    text = _text(reply)
    if text is None:
        raise TransientError("empty reply: the model returned no text block", usage=usage)
    try:
        return schema.model_validate_json(text)
    except (pydantic.ValidationError, json.JSONDecodeError) as exc:
        cut = " (cut off at max_tokens)" if reply.stop_reason == "max_tokens" else ""
        raise UnparsableError(f"unparsable reply{cut}: {exc}", usage=usage) from exc


def _text(reply: Message) -> str | None:
    texts = [block.text for block in reply.content if block.type == "text"]
    return "".join(texts) if texts else None
