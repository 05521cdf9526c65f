"""Chat Completions on an OpenAI-compatible server, with the structured-output mode negotiated.

One ``complete`` tries the modes of agent.llm.structured from the one remembered for this
base URL: a mode the server rejects as an invalid request (``InvalidRequestError``) moves
on to the next at once, never retried (only a rejection that names the format: any other
invalid request, e.g. a prompt too long, fails as it is, as does any other failure). The mode
that answered is remembered. Every reply is validated with pydantic here, and again by the
client; text replies (``json_object``, ``prompt``) are read tolerantly (agent.llm.json_text).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import openai
import pydantic
from pydantic import BaseModel

from agent.llm.base import (
    FatalError,
    InvalidRequestError,
    Messages,
    ProviderError,
    ProviderReply,
    TransientError,
    UnparsableError,
    Usage,
)
from agent.llm.json_text import extract_json
from agent.llm.openai_wire import UNPARSABLE, body_of, classify, usage_of
from agent.llm.structured import ModeMemory, StructuredMode, modes_from, schema_instruction

if TYPE_CHECKING:
    from openai._legacy_response import LegacyAPIResponse

__all__ = ["CompatibleChat"]

_log = logging.getLogger("harden.llm")
# A rejection that names the structured-output request (llama-cpp-python: "Input should be
# 'text' or 'json_object'"); any other invalid request fails as it is, in every mode.
_ABOUT_FORMAT = re.compile(r"response_format|json_schema|json_object|\bformat\b|\bschema\b")


class CompatibleChat:
    """The ``compatible=True`` side of OpenAIProvider (see the module docstring)."""

    def __init__(
        self,
        client: openai.OpenAI,
        model: str,
        memory: ModeMemory,
        extra_body: dict[str, Any] | None = None,
    ) -> None:
        self.client, self.model, self.memory = client, model, memory
        self.extra_body = extra_body or {}
        self.base_url = str(client.base_url)

    def complete(
        self, messages: Messages, schema: type[BaseModel], temperature: float, max_tokens: int
    ) -> ProviderReply:
        rejected: list[str] = []
        for tried, mode in enumerate(modes_from(self.memory.get(self.base_url)), start=1):
            try:
                reply = self._attempt(mode, messages, schema, temperature, max_tokens)
            except ProviderError as exc:
                if not self._moves_on(exc, mode, rejected):
                    exc.requests, exc.rejected = tried, tuple(rejected)
                    raise
                continue
            self.memory.remember(self.base_url, mode)
            update = {"mode": str(mode), "rejected": tuple(rejected), "requests": tried}
            return reply.model_copy(update=update)
        raise FatalError("no structured-output mode to try")  # modes_from is never empty

    def _moves_on(self, exc: ProviderError, mode: StructuredMode, rejected: list[str]) -> bool:
        """Whether to try the next mode after ``exc``; notes what ``exc`` taught."""
        if exc.mode:  # the server answered (badly): the mode itself works
            self.memory.remember(self.base_url, mode)
        if not isinstance(exc, InvalidRequestError) or not _ABOUT_FORMAT.search(exc.message):
            return False
        rejected.append(str(mode))
        self.memory.reject(self.base_url, mode)
        _log.info("%s rejected structured output %s: %s", self.base_url, mode, exc.message)
        return mode is not StructuredMode.PROMPT

    def _attempt(
        self,
        mode: StructuredMode,
        messages: Messages,
        schema: type[BaseModel],
        temperature: float,
        max_tokens: int,
    ) -> ProviderReply:
        try:
            if mode is StructuredMode.JSON_SCHEMA:
                return self._json_schema(messages, schema, temperature, max_tokens)
            return self._text(mode, messages, schema, temperature, max_tokens)
        except openai.APIError as exc:
            raise classify(exc) from exc
        except ProviderError as exc:  # raised reading an answer the server gave in this mode
            exc.mode = str(mode)
            raise

    def _json_schema(
        self, messages: Messages, schema: type[BaseModel], temperature: float, max_tokens: int
    ) -> ProviderReply:
        raw = self.client.chat.completions.with_raw_response.parse(
            model=self.model,
            messages=_chat(messages),
            response_format=schema,
            temperature=temperature,
            max_tokens=max_tokens,
            extra_body=self.extra_body or None,
        )
        body = body_of(raw)
        usage = usage_of(body)
        try:
            message = _first_message(raw.parse())
        except UNPARSABLE as exc:  # e.g. a server that ignored the schema and wrapped its JSON
            return self._reply(body, _validated(_content(body), schema, usage, exc), usage)
        if message is not None and message.refusal:
            raise FatalError(f"model refused: {message.refusal}", usage=usage)
        if message is None or not isinstance(message.parsed, BaseModel):
            empty = "empty reply: the model returned no structured output"
            raise TransientError(empty, usage=usage)
        return self._reply(body, message.parsed, usage)

    def _text(
        self,
        mode: StructuredMode,
        messages: Messages,
        schema: type[BaseModel],
        temperature: float,
        max_tokens: int,
    ) -> ProviderReply:
        extra = dict(self.extra_body)
        if mode is StructuredMode.JSON_OBJECT:
            extra["response_format"] = {"type": "json_object", "schema": schema.model_json_schema()}
        system = messages.system + schema_instruction(schema)
        raw: LegacyAPIResponse[Any] = self.client.chat.completions.with_raw_response.create(
            model=self.model,
            messages=_chat(Messages(system=system, user=messages.user)),
            temperature=temperature,
            max_tokens=max_tokens,
            extra_body=extra or None,
        )
        body = body_of(raw)
        usage = usage_of(body)
        _check_finish(body, usage)
        return self._reply(body, _validated(_content(body), schema, usage), usage)

    def _reply(self, body: dict[str, Any], output: BaseModel, usage: Usage) -> ProviderReply:
        model = body.get("model") or self.model
        return ProviderReply(text=output.model_dump_json(), usage=usage, model=str(model))


def _chat(messages: Messages) -> list[Any]:
    return [
        {"role": "system", "content": messages.system},
        {"role": "user", "content": messages.user},
    ]


def _first_message(parsed: Any) -> Any:
    return parsed.choices[0].message if parsed.choices else None


def _choice(body: dict[str, Any]) -> dict[str, Any]:
    choices = body.get("choices")
    first = choices[0] if isinstance(choices, list) and choices else None
    return first if isinstance(first, dict) else {}


def _content(body: dict[str, Any]) -> str:
    message = _choice(body).get("message")
    content = message.get("content") if isinstance(message, dict) else None
    return content if isinstance(content, str) else ""


def _check_finish(body: dict[str, Any], usage: Usage) -> None:
    """Refusals, truncation and empty replies, as the json_schema path treats them."""
    choice = _choice(body)
    message = choice.get("message")
    refusal = message.get("refusal") if isinstance(message, dict) else None
    if refusal:
        raise FatalError(f"model refused: {refusal}", usage=usage)
    if choice.get("finish_reason") == "length":
        raise UnparsableError("unparsable reply: cut off at max_tokens", usage=usage)
    if not _content(body).strip():
        raise TransientError("empty reply: the model returned no text", usage=usage)


def _validated(
    text: str, schema: type[BaseModel], usage: Usage, cause: Exception | None = None
) -> BaseModel:
    """The schema object in ``text`` (found tolerantly), or UnparsableError."""
    try:
        return schema.model_validate_json(extract_json(text))
    except pydantic.ValidationError as exc:
        error = cause or exc
        raise UnparsableError(f"unparsable reply: {error}", usage=usage) from error
