"""Slow the whole run down after a rate limit, instead of letting other calls hammer on.

The retry policy makes the call that got a 429 wait; the throttle makes every other call
of the run (``--jobs`` of them may be in flight) wait out the same pause before sending.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Throttle"]

_DEFAULT_PAUSE_S = 1.0


class Throttle:
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._until = 0.0

    def wait(self) -> float:
        """Sleep until any pause is over; return how long that was."""
        with self._lock:
            delay = self._until - self._clock()
        if delay > 0:
            self._sleep(delay)
            return delay
        return 0.0

    def pause(self, seconds: float | None) -> None:
        """After a rate limit: no call starts in the next ``seconds`` (default 1 s)."""
        pause = _DEFAULT_PAUSE_S if seconds is None else max(seconds, 0.0)
        with self._lock:
            self._until = max(self._until, self._clock() + pause)
