"""What the replay's recording watches while a plan works: warnings it logs or shows.

A replay prints the plan's answer, not what it logged on the way; a plan that logged a
warning (harden's loggers, or any logger through logging's last resort) or showed a Python
warning is not recorded, so that a replay never hides one.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

__all__ = ["watched"]


class _Spoilable(Protocol):
    spoiled: bool


class _Spy(logging.Handler):
    """Marks the recording spoiled on a record of warning level or more; passes it on."""

    def __init__(self, record: _Spoilable, inner: logging.Handler | None = None) -> None:
        super().__init__(logging.WARNING if inner is None else inner.level)
        self.record, self.inner = record, inner

    def handle(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            self.record.spoiled = True
        return bool(self.inner.handle(record)) if self.inner is not None else True

    def emit(self, record: logging.LogRecord) -> None:
        """Nothing: ``handle`` has seen the record."""


@contextmanager
def watched(record: _Spoilable) -> Iterator[None]:
    harden = logging.getLogger("harden")
    spy = _Spy(record)
    harden.addHandler(spy)
    last_resort = logging.lastResort
    if last_resort is not None:
        logging.lastResort = _Spy(record, last_resort)
    shown = warnings.showwarning

    def showwarning(*args: Any, **kwargs: Any) -> None:
        record.spoiled = True
        shown(*args, **kwargs)

    warnings.showwarning = showwarning
    try:
        yield
    finally:
        warnings.showwarning = shown
        logging.lastResort = last_resort
        harden.removeHandler(spy)
