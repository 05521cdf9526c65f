"""Structured logging: every record carries the run id and, inside a finding's work, its id.

``configure`` sends records to stderr (text or JSON lines) and, once a run directory
exists, ``log_to_file`` adds a JSON-lines file there. ``finding_context`` scopes the
finding id. Every record's message and traceback pass through ``redact_fixed`` before
they are written, so no secret lands on stderr or in harden.log.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TextIO

from agent.redaction.secrets import redact_fixed

__all__ = ["configure", "finding_context", "get_logger", "log_to_file", "run_context"]

_run_id: ContextVar[str] = ContextVar("harden_run_id", default="-")
_finding_id: ContextVar[str] = ContextVar("harden_finding_id", default="-")
_ROOT = "harden"


class _ContextFilter(logging.Filter):
    """Adds the run and finding ids, and redacts the secrets in the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.run_id = _run_id.get()
        record.finding_id = _finding_id.get()
        record.msg, record.args = redact_fixed(record.getMessage()), None
        return True


class TextFormatter(logging.Formatter):
    """The stderr text format; tracebacks are redacted like messages."""

    def formatException(self, ei: Any) -> str:  # logging's name
        return redact_fixed(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:  # logging's name
        return redact_fixed(super().formatStack(stack_info))


class JsonFormatter(TextFormatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "run_id": getattr(record, "run_id", "-"),
            "finding_id": getattr(record, "finding_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to ``sys.stderr`` as it is at each record, not as it was at ``configure``:
    while a spinner runs, rich puts a proxy there that prints the line above the spinner
    through the one console (agent/report/console.py) instead of across it."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


_TEXT = "%(levelname)s run=%(run_id)s finding=%(finding_id)s %(name)s: %(message)s"


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"{_ROOT}.{name}")


def configure(verbosity: int, fmt: str) -> None:
    """Log to stderr: warnings by default, info with -v, debug with -vv."""
    root = logging.getLogger(_ROOT)
    root.handlers.clear()
    root.setLevel(logging.DEBUG)
    root.propagate = False
    handler = _StderrHandler()
    handler.setLevel([logging.WARNING, logging.INFO, logging.DEBUG][min(verbosity, 2)])
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter(_TEXT))
    handler.addFilter(_ContextFilter())
    root.addHandler(handler)


@contextlib.contextmanager
def log_to_file(path: Path) -> Iterator[None]:
    """Also write every record (debug and up) as JSON lines to ``path``."""
    root = logging.getLogger(_ROOT)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(_ContextFilter())
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()


@contextlib.contextmanager
def run_context(run_id: str) -> Iterator[None]:
    token = _run_id.set(run_id)
    try:
        yield
    finally:
        _run_id.reset(token)


@contextlib.contextmanager
def finding_context(finding_id: str) -> Iterator[None]:
    token = _finding_id.set(finding_id)
    try:
        yield
    finally:
        _finding_id.reset(token)
