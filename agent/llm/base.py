"""The seam between harden and a model provider: what a call sends, returns and raises.

Exception tree::

    HardenError (agent.errors)
    └── ProviderError             a call failed; ``retryable`` says whether to try again
    ├── TransientError            408/409/429/5xx, timeouts, connection errors: retry,
    │                             honouring ``retry_after`` (seconds) when the server gave it
    └── FatalError                400/401/403/404, insufficient quota, bad config: never retry
        ├── InvalidRequestError   the server rejected the request itself (400/422, or a 500
        │                         whose body is a validation error): never retry; on an
        │                         OpenAI-compatible server a rejected ``response_format``
        │                         moves on to the next structured-output mode instead
        └── UnparsableError       the reply came but is not valid JSON of the schema (billed;
                                  the fixer may ask again with the error as feedback)

Each provider adapter classifies its SDK's exceptions into this tree (``classify``);
one retry policy (agent/llm/retry.py) acts on it. Adapters import their SDK lazily.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict

from agent.errors import HardenError

__all__ = [
    "FatalError",
    "InvalidRequestError",
    "Messages",
    "PromptRef",
    "Provider",
    "ProviderError",
    "ProviderReply",
    "RenderedPrompt",
    "TransientError",
    "UnparsableError",
    "Usage",
    "reported_usage",
]


class Usage(BaseModel):
    """Tokens of one call, normalised: ``input_tokens`` counts every prompt token once.

    ``cached_input_tokens`` and ``cache_write_tokens`` are parts of ``input_tokens``
    (OpenAI reports cached tokens inside the prompt count; Anthropic reports cache reads
    and writes beside ``input_tokens``, so its adapter adds them in).
    """

    model_config = ConfigDict(frozen=True)

    input_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    # Why the counts cannot be trusted ("usage missing", "impossible usage: ..."); the
    # client then settles the call at no less than its estimate. Empty when they can.
    problem: str = ""

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            cached_input_tokens=self.cached_input_tokens + other.cached_input_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            problem="; ".join(p for p in (self.problem, other.problem) if p),
        )


def reported_usage(**counts: object) -> Usage:
    """Usage from the counts a reply reported (None: absent); impossible ones count 0.

    A count that is not a non-negative integer (negative, fractional, text) is replaced
    by 0 and named in ``problem``, as are absent input or output counts.
    """
    clean: dict[str, int] = {}
    bad: list[str] = []
    for name, value in counts.items():
        valid = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        clean[name] = value if valid and isinstance(value, int) else 0
        if value is not None and not valid:
            bad.append(f"{name}={value!r}")
    absent = [n for n in ("input_tokens", "output_tokens") if counts.get(n) is None]
    problems = ["usage missing" + (f": {absent[0]}" if len(absent) == 1 else "")] if absent else []
    problems += ["impossible usage: " + ", ".join(bad)] if bad else []
    return Usage.model_validate({**clean, "problem": "; ".join(problems)})


class Messages(BaseModel):
    """A rendered prompt: stable system text first, the variable user text last."""

    model_config = ConfigDict(frozen=True)

    system: str
    user: str


class PromptRef(BaseModel):
    """Which prompt version produced a call: named in every ledger row and commit."""

    model_config = ConfigDict(frozen=True)

    id: str  # e.g. "fix/security"
    version: int
    content_hash: str  # sha256 of the prompt file, hex

    def __str__(self) -> str:
        return f"{self.id}@v{self.version}"


class RenderedPrompt(BaseModel):
    """A prompt version rendered with its variables, ready to send."""

    model_config = ConfigDict(frozen=True)

    ref: PromptRef
    messages: Messages
    temperature: float


class ProviderReply(BaseModel):
    """What a provider returned: the structured output as JSON text, and its usage.

    On an OpenAI-compatible server, ``mode`` names the structured-output mode that produced
    the reply (agent.llm.structured), ``rejected`` the modes the server refused on the way,
    and ``requests`` the HTTP requests it took (one per mode tried); "" / () / 1 elsewhere.
    """

    model_config = ConfigDict(frozen=True)

    text: str
    usage: Usage
    model: str
    mode: str = ""
    rejected: tuple[str, ...] = ()
    requests: int = 1


class ProviderError(HardenError):
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        usage: Usage | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.usage = usage or Usage()
        self.requests = 1  # HTTP requests this call made (more while negotiating a mode)
        self.rejected: tuple[str, ...] = ()  # structured-output modes refused meanwhile
        self.mode = ""  # the structured-output mode of the answer this error was read from


class TransientError(ProviderError):
    retryable = True


class FatalError(ProviderError):
    retryable = False


class InvalidRequestError(FatalError):
    """The server said the request itself is invalid: sending it again cannot help."""


class UnparsableError(FatalError):
    """A reply that arrived but cannot be read as the requested schema."""


class Provider(Protocol):
    """One adapter per SDK. ``complete`` makes one HTTP request (SDK retries off); on an
    OpenAI-compatible server, one per structured-output mode it tries (``requests``)."""

    name: str
    model: str

    def complete(
        self, messages: Messages, schema: type[BaseModel], temperature: float, max_tokens: int
    ) -> ProviderReply:
        """Return the model's structured output; raise a ProviderError subclass on failure."""
        ...
