"""Per-test outcomes of a pytest run, streamed over a pipe that the code under test did not open.

Why: a test run's exit code is whatever the process says. A new test file that registers
``atexit.register(lambda: os._exit(0))``, or code that calls ``os._exit(0)`` inside a test,
made a suite with a failing test exit 0. So harden judges a run by what each test did.

How: `OutcomeChannel` makes two pipes per run. harden writes a random key into the first
and closes it; the second is the result pipe. pytest loads ``agent/sandbox/_plugin/harden_outcomes``
with ``-p`` (from harden's install directory, outside the worktree) before any conftest or
test module; the plugin takes both descriptors from the environment (removing them there),
reads the key, closes that pipe, marks the result pipe close-on-exec, and writes one JSON
line per event as it happens: how many tests were collected, each test phase's report
(setup, call, teardown), collection errors, and ``finish`` from ``pytest_sessionfinish``,
after which it closes the pipe. A thread of harden drains the pipe while the tests run.
`parse` accepts a stream only if every line carries the key and the next sequence number,
each test phase is reported once, and nothing follows ``finish``; the run's verdict
(`agent.sandbox.judge`) also needs ``finish`` and every test of the base run.

What this stops: anything that happens after pytest finished (atexit hooks, ``os._exit``
at exit, a forged JUnit file, the exit code); a session cut short inside a test
(``os._exit(0)``, a signal): no ``finish``, the missing tests are missing; a line written
by code that merely finds a pipe to write to (wrong key, or it breaks the sequence and
then duplicates a phase the plugin reports itself); later lines changing earlier outcomes
(a pipe is append-only and harden never gives the child its read end); subprocesses of the
tests (the descriptor is not inherited).

Residual risk, honestly: the plugin runs in the same interpreter as the code under test.
Python has no memory isolation, so code that targets this plugin on purpose can read the
key and sequence counter out of the plugin module, or patch pytest's report objects
before the plugin sees them, and write a consistent forged stream. harden narrows who can
do that: the model's new test files are absent from the suite run (they run alone in the
generated-test stage, where forging can at most make their own test look good or bad);
new test files cannot be conftest.py, plugins or config (agent.validate.policy.check); a test that
changes code or configuration files of the worktree is refused (agent.validate.fingerprint); and
a patch whose code newly names exit handlers, ``os._exit``, ``_pytest``, ``pytest`` (in
production code), ``gc`` or frame introspection is refused
(agent.validate.policy.tamper), as is a dynamic
import or lookup in the changed lines of a finding's file (agent.validate.evasion). What remains is
production code written to forge this specific protocol without any of those names
(through a C extension it ships, say), in the run that also executes it.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

__all__ = [
    "BAD",
    "PLUGIN_ARGS",
    "Outcome",
    "OutcomeChannel",
    "Outcomes",
    "parse",
    "with_plugin",
]

Outcome = Literal["passed", "failed", "error", "skipped", "xfailed", "xpassed", "incomplete"]
BAD: frozenset[Outcome] = frozenset({"failed", "error", "incomplete"})
PLUGIN_DIR = Path(__file__).parent / "_plugin"
PLUGIN_ARGS = ("-p", "harden_outcomes")
ENV = "HARDEN_OUTCOME_FDS"
_MAX_BYTES = 50 * 2**20
_DRAIN_S = 5
_PHASES = ("setup", "call", "teardown")


@dataclass(frozen=True)
class Outcomes:
    """What one pytest run reported, test by test (node id -> outcome)."""

    tests: Mapping[str, Outcome] = field(default_factory=dict)
    collected: int | None = None
    finished: bool = False
    collect_errors: tuple[str, ...] = ()
    tampered: tuple[str, ...] = ()  # why the stream cannot be trusted; empty when it can

    def named(self, *kinds: Outcome) -> list[str]:
        return sorted(n for n, o in self.tests.items() if o in kinds)

    def counts(self) -> str:
        kinds: list[Outcome] = ["passed", "failed", "error", "skipped", "xfailed", "xpassed"]
        found = [f"{len(self.named(k))} {k}" for k in [*kinds, "incomplete"] if self.named(k)]
        return ", ".join(found) or "no tests"


def with_plugin(argv: Sequence[str]) -> list[str] | None:
    """``argv`` (a pytest command) with the outcome plugin loaded; None if not pytest."""
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "-m" and args[i + 1 : i + 2] == ["pytest"]:
            return [*args[: i + 2], *PLUGIN_ARGS, *args[i + 2 :]]
        if Path(arg).name in {"pytest", "py.test"}:
            return [*args[: i + 1], *PLUGIN_ARGS, *args[i + 1 :]]
    return None


class OutcomeChannel:
    """The two pipes of one run; the result pipe is drained by a thread while it runs."""

    def __init__(self) -> None:
        self.key = secrets.token_hex(16)
        self._key_r, key_w = os.pipe()
        os.write(key_w, self.key.encode("ascii"))
        os.close(key_w)
        self._out_r, self._out_w = os.pipe()
        self._child_ends = [self._key_r, self._out_w]  # open in harden until the child has them
        self._data = bytearray()
        self._reader = threading.Thread(target=self._drain, daemon=True)

    @property
    def pass_fds(self) -> tuple[int, int]:
        return self._key_r, self._out_w

    def env(self) -> dict[str, str]:
        return {ENV: f"{self._key_r},{self._out_w}", "PYTHONPATH": str(PLUGIN_DIR)}

    def started(self) -> None:
        """The child has its ends: close ours and start reading."""
        self._close_child_ends()
        self._reader.start()

    def result(self) -> Outcomes:
        self._reader.join(_DRAIN_S)
        if self._reader.is_alive():  # an escaped process holds the pipe: what came is it
            return parse(bytes(self._data), self.key, cut=True)
        return parse(bytes(self._data), self.key)

    def _drain(self) -> None:
        while chunk := os.read(self._out_r, 65_536):
            if len(self._data) < _MAX_BYTES:
                self._data += chunk

    def _close_child_ends(self) -> None:
        while self._child_ends:
            _close(self._child_ends.pop())

    def __enter__(self) -> OutcomeChannel:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._close_child_ends()
        if not self._reader.is_alive():
            _close(self._out_r)


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        return


@dataclass
class _Reading:
    """The state of `parse`: what the stream said so far, and what was wrong with it."""

    key: str
    seq: int = 0
    phases: dict[str, dict[str, tuple[str, bool]]] = field(default_factory=dict)
    collected: int | None = None
    finished: bool = False
    collect_errors: list[str] = field(default_factory=list)
    tampered: list[str] = field(default_factory=list)


def parse(data: bytes, key: str, cut: bool = False) -> Outcomes:
    """The outcomes in a result stream; ``cut`` when the writer never closed it."""
    state = _Reading(key)
    lines = data.split(b"\n")
    for number, raw in enumerate(lines[:-1], start=1):
        problem = _take(state, raw)
        if problem:
            state.tampered.append(f"line {number}: {problem}")
    if cut and lines[-1]:
        state.tampered.append("the stream was cut in the middle of a line")
    return Outcomes(
        tests={nodeid: _combine(p) for nodeid, p in state.phases.items()},
        collected=state.collected,
        finished=state.finished,
        collect_errors=tuple(state.collect_errors),
        tampered=tuple(state.tampered[:5]),
    )


def _take(state: _Reading, raw: bytes) -> str | None:
    try:
        event = json.loads(raw)
    except ValueError:
        return "not JSON"
    if not isinstance(event, dict) or event.get("k") != state.key:
        return "not written by the plugin (wrong key)"
    state.seq += 1
    if event.get("s") != state.seq:
        return f"out of sequence (expected {state.seq})"
    if state.finished:
        return "written after the session finished"
    return _event(state, event)


def _event(state: _Reading, event: Mapping[str, Any]) -> str | None:
    kind = event.get("e")
    if kind == "report":
        return _report(state, event)
    if kind == "collected" and state.collected is None and isinstance(event.get("n"), int):
        state.collected = int(event["n"])
    elif kind == "collecterror" and isinstance(event.get("id"), str):
        state.collect_errors.append(str(event["id"]))
    elif kind == "finish":
        state.finished = True
    else:
        return f"unexpected event {str(kind)[:40]!r}"
    return None


def _report(state: _Reading, event: Mapping[str, Any]) -> str | None:
    nodeid, when, outcome = event.get("id"), event.get("when"), event.get("outcome")
    if outcome == "rerun":  # pytest-rerunfailures: the last report of the phase counts
        return None
    if not isinstance(nodeid, str) or when not in _PHASES or outcome not in _REPORTED:
        return "malformed report"
    phases = state.phases.setdefault(nodeid, {})
    if when in phases:
        return f"a second {when} report for {nodeid}"
    phases[str(when)] = (str(outcome), bool(event.get("xfail")))
    return None


_REPORTED = frozenset({"passed", "failed", "skipped"})


def _combine(phases: Mapping[str, tuple[str, bool]]) -> Outcome:
    """One outcome from a test's phase reports (a test without teardown did not end)."""
    for when in _PHASES:
        outcome, _ = phases.get(when, ("passed", False))
        if outcome == "failed":
            return "failed" if when == "call" else "error"
    if "teardown" not in phases:
        return "incomplete"
    skipped = [p for p in ("setup", "call") if phases.get(p, ("", False))[0] == "skipped"]
    if skipped:
        return "xfailed" if phases[skipped[0]][1] else "skipped"
    if "call" not in phases:
        return "incomplete"
    return "xpassed" if phases["call"][1] else "passed"
