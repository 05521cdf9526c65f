"""What the run is doing: a spinner on a terminal, else a line at least every 10 seconds.

When stderr is not a terminal (CI, a pipe, a log file) a spinner shows nothing, and a long
test run looks like a hang. There, once the work has lasted 10 seconds, each new step is
printed as one line, and while a step lasts, a heartbeat line repeats it; short work (and
a one-line error) stays as quiet as before.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.status import Status

__all__ = ["Progress"]

HEARTBEAT_S = 10.0  # the longest silence
_POLL_S = 1.0


class Progress:
    """Use as a context manager; ``update(text)`` is the pipeline's status callback."""

    def __init__(self, console: Console, first: str = "starting") -> None:
        self._console, self._text = console, first
        self._status: Status | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._started = self._said = time.monotonic()  # _said: when the last line went out
        self._thread = threading.Thread(target=self._beat, name="harden-progress", daemon=True)

    def __enter__(self) -> Progress:
        if self._console.is_terminal:
            self._status = self._console.status(self._text)
            self._status.__enter__()
        else:
            self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._status is not None:
            self._status.__exit__(kind, exc, tb)
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def update(self, text: str) -> None:
        if self._status is not None:
            self._status.update(text)
            return
        with self._lock:
            self._text = text
        if time.monotonic() - self._started >= HEARTBEAT_S - _POLL_S:
            self._line(text)

    def _beat(self) -> None:
        while not self._stop.wait(_POLL_S):
            with self._lock:
                quiet = time.monotonic() - self._said >= HEARTBEAT_S - _POLL_S
                text = self._text
            if quiet:
                self._line(f"{text} (still working)")

    def _line(self, text: str) -> None:
        with self._lock:
            self._said = time.monotonic()
            elapsed = self._said - self._started
        self._console.print(f"harden: [{elapsed:4.0f}s] {escape(text)}", highlight=False)
