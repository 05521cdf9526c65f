"""A Provider with a queue of replies and errors, and a history of calls: the network edge."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel

from agent.llm.base import (
    Messages,
    PromptRef,
    ProviderError,
    ProviderReply,
    RenderedPrompt,
    Usage,
)

Script = ProviderReply | ProviderError | str


@dataclass(frozen=True)
class SentCall:
    messages: Messages
    schema: type[BaseModel]
    temperature: float
    max_tokens: int


class ScriptedProvider:
    """Replies from ``script`` in order; a str is reply text with ``usage``; errors are raised."""

    def __init__(
        self,
        script: Iterable[Script] = (),
        *,
        name: str = "scripted",
        model: str = "test-model",
        usage: Usage | None = None,
    ) -> None:
        self.name = name
        self.model = model
        self.usage = usage or Usage(input_tokens=100, output_tokens=50)
        self.script: deque[Script] = deque(script)
        self.calls: list[SentCall] = []

    def complete(
        self, messages: Messages, schema: type[BaseModel], temperature: float, max_tokens: int
    ) -> ProviderReply:
        self.calls.append(SentCall(messages, schema, temperature, max_tokens))
        if not self.script:
            raise AssertionError("ScriptedProvider: no reply left in the script")
        item = self.script.popleft()
        if isinstance(item, ProviderError):
            raise item
        if isinstance(item, str):
            return ProviderReply(text=item, usage=self.usage, model=self.model)
        return item


def rendered(
    user: str = "fix this", *, version: int = 1, temperature: float = 0.0
) -> RenderedPrompt:
    ref = PromptRef(id="fix/security", version=version, content_hash="ab" * 32)
    return RenderedPrompt(
        ref=ref, messages=Messages(system="You fix code.", user=user), temperature=temperature
    )
