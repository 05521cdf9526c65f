"""One retry policy for every provider call: tenacity, configured once.

Adapters classify their SDK's errors (``ProviderError.retryable``, ``retry_after``); this
module decides when to try again. Only retryable errors are retried: never a request the
server rejected as invalid (``InvalidRequestError``: 400/422, or a 500 whose body is a
validation error), which would be rejected again. The wait is
exponential backoff with full jitter, or exactly the server's ``retry_after`` (capped by
``max_delay_s``). An overall deadline bounds the whole call: when the next wait would
cross it, the policy stops at once and raises.

The error raised after the last attempt is the provider's own ``ProviderError``, with an
``attempts`` attribute set to the number of requests made; read it with ``attempts_of``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, wait_random_exponential

from agent.llm.base import InvalidRequestError, ProviderError

__all__ = ["RetryPolicy", "attempts_of"]

T = TypeVar("T")


def attempts_of(exc: BaseException) -> int:
    """How many requests the retry policy made before giving up with ``exc`` (1 if unset)."""
    attempts = getattr(exc, "attempts", 1)
    return attempts if isinstance(attempts, int) else 1


def _is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, InvalidRequestError):
        return False
    return isinstance(exc, ProviderError) and exc.retryable


@dataclass(frozen=True)
class RetryPolicy:
    """Retry retryable ``ProviderError``s; ``sleep`` and ``clock`` are injectable for tests."""

    max_attempts: int = 4
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0
    deadline_s: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = field(default=time.monotonic)

    def call(self, fn: Callable[[], T]) -> tuple[T, int]:
        """Run ``fn`` until it succeeds or the policy gives up; return (result, attempts)."""
        attempts = 0

        def attempt() -> T:
            nonlocal attempts
            attempts += 1
            return fn()

        try:
            return self._retrying(self.clock())(attempt), attempts
        except ProviderError as exc:
            exc.attempts = attempts  # type: ignore[attr-defined]  # documented above
            raise

    def _retrying(self, start: float) -> Retrying:
        return Retrying(
            sleep=self.sleep,
            stop=lambda state: self._should_stop(state, start),
            wait=self._wait,
            retry=retry_if_exception(_is_retryable),
            reraise=True,
        )

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = exc.retry_after if isinstance(exc, ProviderError) else None
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay_s)
        backoff = wait_random_exponential(multiplier=self.base_delay_s, max=self.max_delay_s)
        return float(backoff(state))

    def _should_stop(self, state: RetryCallState, start: float) -> bool:
        if state.attempt_number >= self.max_attempts:
            return True
        return self.clock() - start + state.upcoming_sleep > self.deadline_s
