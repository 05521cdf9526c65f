"""One model call as data: what was asked, what it produced, and how its outcome is named.

``CallResult`` is what ``LLMClient.complete`` returns; the rest is the client's
bookkeeping during a call (agent.llm.client).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from agent.llm.base import (
    FatalError,
    InvalidRequestError,
    ProviderError,
    RenderedPrompt,
    TransientError,
    UnparsableError,
    Usage,
)

__all__ = [
    "Call",
    "CallOutcome",
    "CallResult",
    "Meter",
    "OverBudget",
    "outcome_of",
    "validation_outcome",
]

M = TypeVar("M", bound=BaseModel)


class CallOutcome(StrEnum):
    """How a call ended; the values are what the ledger and the eval's files hold."""

    OK = "ok"
    UNPARSABLE = "unparsable"  # the reply was not JSON
    SCHEMA_INVALID = "schema-invalid"  # JSON that does not match the schema
    REFUSED_BUDGET = "refused-budget"  # never sent: the budget would be exceeded
    TRANSIENT_ERROR = "error: TransientError"  # retries exhausted (429, 5xx, timeouts)
    INVALID_REQUEST = "error: InvalidRequestError"  # the server called the request invalid
    FATAL_ERROR = "error: FatalError"  # the provider refused for good (auth, bad model)
    PROVIDER_ERROR = "error: ProviderError"  # any other provider failure

    @property
    def is_error(self) -> bool:
        return self.value.startswith("error: ")

    @property
    def retryable(self) -> bool:
        """A reply that could not be read is worth one more try with the error shown."""
        return self in (CallOutcome.UNPARSABLE, CallOutcome.SCHEMA_INVALID)


class CallResult(BaseModel, Generic[M]):
    """What one ``complete`` call produced. ``error`` is the text to show or feed back."""

    model_config = ConfigDict(frozen=True)

    outcome: CallOutcome
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
        return self.outcome is CallOutcome.OK

    @property
    def over_budget(self) -> bool:
        return self.outcome is CallOutcome.REFUSED_BUDGET


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


_BY_ERROR: tuple[tuple[type[ProviderError], CallOutcome], ...] = (
    (OverBudget, CallOutcome.REFUSED_BUDGET),
    (UnparsableError, CallOutcome.UNPARSABLE),
    (InvalidRequestError, CallOutcome.INVALID_REQUEST),
    (FatalError, CallOutcome.FATAL_ERROR),
    (TransientError, CallOutcome.TRANSIENT_ERROR),
)


def outcome_of(exc: ProviderError) -> CallOutcome:
    """The outcome a provider error ends a call with (the most specific class first)."""
    return next((o for kind, o in _BY_ERROR if isinstance(exc, kind)), CallOutcome.PROVIDER_ERROR)


def validation_outcome(exc: ValidationError) -> tuple[CallOutcome, str]:
    errors = exc.errors(include_url=False)
    invalid_json = any(e["type"] == "json_invalid" for e in errors)
    outcome = CallOutcome.UNPARSABLE if invalid_json else CallOutcome.SCHEMA_INVALID
    lines = [f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in errors]
    return outcome, "the reply did not match the schema: " + "; ".join(lines)
