"""One model call as data: what was asked, what it produced, and how its outcome is named.

``CallResult`` is what ``LLMClient.complete`` returns; the rest is the client's
bookkeeping during a call (agent.llm.client).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from agent.llm.base import FatalError, ProviderError, RenderedPrompt, UnparsableError, Usage

__all__ = ["Call", "CallResult", "Meter", "OverBudget", "outcome_of", "validation_outcome"]

M = TypeVar("M", bound=BaseModel)


class CallResult(BaseModel, Generic[M]):
    """What one ``complete`` call produced. ``error`` is the text to show or feed back."""

    model_config = ConfigDict(frozen=True)

    outcome: str
    parsed: M | None = None
    error: str | None = None
    usage: Usage = Usage()
    usage_note: str = ""  # why the usage was not trusted (agent.llm.settle); "" when it was
    cost_usd: float | None = None
    cache_hit: bool = False
    attempts: int = 0
    latency_s: float = 0.0
    mode: str = ""  # the structured-output mode that answered (compatible servers), else ""

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def over_budget(self) -> bool:
        return self.outcome == "refused-budget"


@dataclass(frozen=True)
class Call(Generic[M]):
    prompt: RenderedPrompt
    schema: type[M]
    finding_id: str
    sample: int


class Meter:
    """Usage billed by failed attempts (the retry policy does not return it), requests, and
    the structured-output modes the server answered in or rejected."""

    def __init__(self) -> None:
        self.usage = Usage()
        self.sent = 0
        self.mode = ""
        self.rejected: tuple[str, ...] = ()

    def count(self, requests: int, rejected: tuple[str, ...], mode: str = "") -> None:
        """One provider call made ``requests`` HTTP requests (one was counted when sent)."""
        self.sent += max(requests, 1) - 1
        self.rejected += tuple(m for m in rejected if m not in self.rejected)
        self.mode = mode or self.mode


class OverBudget(FatalError):
    """No further attempt: the budget was reached while this call was retrying."""


def outcome_of(exc: ProviderError) -> str:
    if isinstance(exc, OverBudget):
        return "refused-budget"
    return "unparsable" if isinstance(exc, UnparsableError) else f"error: {type(exc).__name__}"


def validation_outcome(exc: ValidationError) -> tuple[str, str]:
    errors = exc.errors(include_url=False)
    outcome = "unparsable" if any(e["type"] == "json_invalid" for e in errors) else "schema-invalid"
    lines = [f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in errors]
    return outcome, "the reply did not match the schema: " + "; ".join(lines)
