"""A pytest plugin harden loads with ``-p harden_outcomes``: each test's outcome, as it ends.

Not part of the ``agent`` package: harden puts this directory on the test run's
PYTHONPATH, so the project's own interpreter imports it (stdlib and pytest only). pytest
imports ``-p`` plugins before any conftest or test module, so this module runs before any
code under test: it takes the channel from the environment (and removes it from there),
reads the run's key from a pipe harden wrote and closed, makes the result pipe
non-inheritable, and keeps its own references to ``os.write`` and ``json.dumps``.

Each line written to the result pipe is one JSON object: the key, a sequence number, and
an event (``collected``, ``report`` per test phase, ``collecterror``, ``finish``). What
harden makes of them, and what this cannot prevent, is in `agent.sandbox.outcomes`. Under
coverage.py it also names each test's coverage context after its node id, so harden learns
which tests reach which lines (`agent.sandbox.testmap`).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

ENV = "HARDEN_OUTCOME_FDS"
_write = os.write
_dumps = json.dumps
_closed: list[bool] = []


def _open() -> tuple[str, int] | None:
    spec = os.environ.pop(ENV, "")
    try:
        key_fd, out_fd = (int(part) for part in spec.split(","))
        key = os.read(key_fd, 256).decode("ascii")
        os.close(key_fd)
        os.set_inheritable(out_fd, False)
    except (OSError, ValueError):
        return None
    return key, out_fd


_CHANNEL = _open()
_SEQ = [0]


def _emit(event: dict[str, Any]) -> None:
    if _CHANNEL is None or _closed:
        return
    key, fd = _CHANNEL
    _SEQ[0] += 1
    line = _dumps({"k": key, "s": _SEQ[0], **event}, ensure_ascii=True) + "\n"
    data = line.encode("ascii")
    while data:
        data = data[_write(fd, data) :]


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    _emit({"e": "collected", "n": len(session.items)})


@pytest.hookimpl(tryfirst=True)
def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _emit({"e": "collecterror", "id": report.nodeid})


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    xfail = hasattr(report, "wasxfail")
    event = {"e": "report", "id": report.nodeid, "when": report.when, "outcome": report.outcome}
    _emit({**event, "xfail": xfail})


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """Under coverage.py (harden's baseline run), each test's lines go to its own context."""
    running = sys.modules.get("coverage")
    current = running.Coverage.current() if running is not None else None
    if current is not None:
        current.switch_context(item.nodeid)
    yield
    if current is not None:
        current.switch_context("")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _emit({"e": "finish", "exit": int(exitstatus)})
    _closed.append(True)
    if _CHANNEL is not None:
        os.close(_CHANNEL[1])
