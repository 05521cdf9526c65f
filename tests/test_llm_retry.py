"""The one retry policy: what it retries, how long it waits, when it gives up."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agent.llm.base import FatalError, ProviderError, TransientError
from agent.llm.retry import RetryPolicy, attempts_of


class FakeTime:
    """A clock that only moves when the policy sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def scripted(*outcomes: object) -> tuple[list[int], Callable[[], object]]:
    calls: list[int] = []
    queue = list(outcomes)

    def fn() -> object:
        calls.append(1)
        item = queue.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    return calls, fn


def policy(
    fake: FakeTime, *, max_attempts: int = 4, max_delay_s: float = 30.0, deadline_s: float = 120.0
) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=max_attempts,
        max_delay_s=max_delay_s,
        deadline_s=deadline_s,
        sleep=fake.sleep,
        clock=fake.clock,
    )


def test_retry_after_is_waited_exactly() -> None:
    fake = FakeTime()
    _, fn = scripted(TransientError("429", status=429, retry_after=2), "ok")
    assert policy(fake).call(fn) == ("ok", 2)
    assert fake.waits == [2.0]


def test_retry_after_is_capped_by_max_delay() -> None:
    fake = FakeTime()
    _, fn = scripted(TransientError("429", retry_after=500), "ok")
    policy(fake, max_delay_s=30.0, deadline_s=1000.0).call(fn)
    assert fake.waits == [30.0]


def test_two_server_errors_then_ok_take_three_attempts_with_jittered_backoff() -> None:
    fake = FakeTime()
    _, fn = scripted(TransientError("500", status=500), TransientError("502"), "ok")
    assert policy(fake).call(fn) == ("ok", 3)
    assert len(fake.waits) == 2
    assert 0.0 <= fake.waits[0] <= 1.0
    assert 0.0 <= fake.waits[1] <= 2.0


def test_fatal_error_is_not_retried() -> None:
    fake = FakeTime()
    calls, fn = scripted(FatalError("401 bad key", status=401), "never")
    with pytest.raises(FatalError) as info:
        policy(fake).call(fn)
    assert len(calls) == 1
    assert fake.waits == []
    assert attempts_of(info.value) == 1


def test_gives_up_after_max_attempts_with_the_last_error() -> None:
    fake = FakeTime()
    errors = [TransientError(f"500 #{n}", status=500) for n in range(5)]
    calls, fn = scripted(*errors)
    with pytest.raises(TransientError) as info:
        policy(fake, max_attempts=4).call(fn)
    assert len(calls) == 4
    assert info.value is errors[3]
    assert attempts_of(info.value) == 4


def test_stops_before_a_wait_that_would_cross_the_deadline() -> None:
    fake = FakeTime()
    errors = [TransientError("429", retry_after=2) for _ in range(10)]
    calls, fn = scripted(*errors)
    with pytest.raises(ProviderError) as info:
        policy(fake, max_attempts=10, deadline_s=5.0).call(fn)
    assert fake.waits == [2.0, 2.0]  # a third wait would end at 6s > 5s
    assert len(calls) == 3
    assert attempts_of(info.value) == 3


def test_retry_after_beyond_the_deadline_is_not_waited() -> None:
    fake = FakeTime()
    calls, fn = scripted(TransientError("429", retry_after=20), "ok")
    with pytest.raises(TransientError):
        policy(fake, deadline_s=10.0).call(fn)
    assert fake.waits == []
    assert len(calls) == 1


def test_other_exceptions_propagate_at_once() -> None:
    fake = FakeTime()
    calls, fn = scripted(KeyError("bug"), "ok")
    with pytest.raises(KeyError):
        policy(fake).call(fn)
    assert len(calls) == 1
