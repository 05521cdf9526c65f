"""The replay's front: an unchanged plan answered before harden's imports, a plan recorded.

``agent.__main__.main`` makes an ``Invocation`` of its arguments; ``serve()`` prints a
recorded answer and returns its exit code (None: no sound entry matches), ``record()``
runs the real command line. The plan command tells the recording what it does:
``note_target`` (the PATH it plans, before its settings are read), ``computing`` (the work,
whose progress display is not part of the answer) and ``answered`` (its exit code, and
whether such a plan may be replayed). All three do nothing when nothing records (the CLI
called in process, as some tests do). Standard library only, up to ``computing``.
"""

from __future__ import annotations

import os
import sys

from agent.run.replay.inputs import answer_key, invocation, repo_state
from agent.run.replay.store import Store

TYPE_CHECKING = False  # typing and contextlib cost more to import than the replay saves
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType
    from typing import Any, Literal, TextIO

    Phase = Literal["started", "computing", "answering", "answered"]

__all__ = ["Invocation", "answered", "computing", "note_target"]

_active: _Recording | None = None
# What a .env may not set for the plan to be recorded: the replay checks the repository
# and keeps its entries with the environment the command was started with.
_UNSEEN = ("GIT_", "HARDEN_CACHE_DIR", "XDG_CACHE_HOME", "HOME")
_OURS = {"GIT_PYTHON_REFRESH": "quiet"}  # set by harden itself (agent.config)


class Invocation:
    """One start of harden: its arguments and the environment before ``.env`` is loaded."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = list(argv)
        self.environ = dict(os.environ)
        self.path = tuple(sys.path)
        try:
            self.cwd: str | None = os.getcwd()
        except OSError:
            self.cwd = None
        self.eligible = self.cwd is not None and self.argv[:1] == ["plan"]
        self._key: str | None = None

    def key(self) -> str:
        if self._key is None:
            self._key = self.fresh_key()
        return self._key

    def fresh_key(self) -> str:
        return invocation(self.argv, self.environ, self.cwd or "", self.path)

    def serve(self) -> int | None:
        """Print the recorded answer of this invocation; None when there is none to trust.

        Two entries: the invocation's names the PATH it planned, whose repository state
        then names the answer (so switching back to a branch replays that branch's plan)."""
        if not self.eligible:
            return None
        try:
            return self._served()
        except OSError:  # a file of harden's or git gone meanwhile: the plan runs
            return None

    def _served(self) -> int | None:
        store = Store(self.environ)
        index = store.load(self.key())
        if index is None or not isinstance(target := index.get("target"), str):
            return None
        state = repo_state(target, self.cwd or "", self.environ)
        if state is None:
            return None
        entry = store.load(answer_key(self.key(), state))
        if entry is None or not _sound(entry) or entry["state"] != state:
            return None
        for stream, text in entry["output"]:
            out = sys.stdout if stream == "out" else sys.stderr
            out.write(text)
            out.flush()
        return int(entry["code"])

    def record(self, command: Callable[[], object]) -> None:
        """Run ``command`` (the command line) with its output watched; a replayable plan
        that completed is recorded."""
        global _active
        if not self.eligible:
            command()
            return
        record = _Recording(self)
        streams = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Tee(streams[0], record, "out"), _Tee(streams[1], record, "err")
        _active = record
        try:
            command()
        except SystemExit as exc:
            record.finish(exc.code)  # writes only to the store, never to the streams
            raise
        finally:
            self._restore(streams)

    @staticmethod
    def _restore(streams: tuple[TextIO, TextIO]) -> None:
        global _active
        _active = None
        sys.stdout, sys.stderr = streams


def _sound(entry: dict[str, Any]) -> bool:
    output = entry.get("output")
    return (
        isinstance(entry.get("state"), dict)
        and type(entry.get("code")) is int
        and isinstance(output, list)
        and all(_chunk(c) for c in output)
    )


def _chunk(chunk: object) -> bool:
    return (
        isinstance(chunk, list)
        and len(chunk) == 2
        and chunk[0] in ("out", "err")
        and isinstance(chunk[1], str)
    )


class _Recording:
    """What one plan printed; recorded only through every check (see ``finish``)."""

    def __init__(self, invocation: Invocation) -> None:
        self.invocation = invocation
        self.phase: Phase = "started"  # -> computing -> answering -> answered
        self.spoiled = False
        self.output: list[list[str]] = []
        self.target: str | None = None
        self.state: dict[str, Any] | None = None
        self.code: int | None = None

    def wrote(self, stream: str, text: str) -> None:
        """Text is the answer only while answering; stdout outside it, or stderr outside the
        work's progress display, is something a replay would not print: not recorded."""
        if self.phase == "answering":
            if self.output and self.output[-1][0] == stream:
                self.output[-1][1] += text
            else:
                self.output.append([stream, text])
        elif stream == "out" or self.phase != "computing":
            self.spoiled = True

    def finish(self, code: object) -> None:
        """Store the answer if the plan completed, nothing spoiled it, and neither the
        repository nor the invocation changed while it ran."""
        try:
            self._finish(code)
        except OSError:  # a file of harden's or git gone meanwhile: not recorded
            return

    def _finish(self, code: object) -> None:
        if self.phase != "answered" or self.spoiled or self.state is None or code != self.code:
            return
        invocation = self.invocation
        if _dotenv_moved(invocation.environ) or invocation.fresh_key() != invocation.key():
            return
        if repo_state(self.target or "", invocation.cwd or "", invocation.environ) != self.state:
            return
        store = Store(invocation.environ)
        store.save({"key": invocation.key(), "target": self.target})
        answer = answer_key(invocation.key(), self.state)
        store.save({"key": answer, "state": self.state, "code": self.code, "output": self.output})


def _dotenv_moved(started: dict[str, str]) -> bool:
    """Whether ``.env`` set a variable that moves git or the store away from what the
    replay checks (it reads the environment the command was started with)."""
    added = {k: v for k, v in os.environ.items() if k not in started and _OURS.get(k) != v}
    return any(name.startswith(_UNSEEN) for name in added)


class _Tee:
    """A text stream that passes everything through and shows the recording what it wrote."""

    def __init__(self, stream: TextIO, record: _Recording, name: str) -> None:
        self._stream, self._record, self._name = stream, record, name

    def write(self, text: str) -> int:
        written = self._stream.write(text)
        self._record.wrote(self._name, text)
        return written

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":  # bytes written below the text layer would go unseen
            self._record.spoiled = True
        return getattr(self._stream, name)


def note_target(path: os.PathLike[str] | str) -> None:
    """The plan's PATH argument: the repository's state is taken now, before the plan
    reads its settings."""
    record = _active
    if record is None:
        return
    if record.target is not None:
        record.spoiled = True
        return
    record.target = os.fspath(path)
    invocation = record.invocation
    record.state = repo_state(record.target, invocation.cwd or "", invocation.environ)


def computing() -> _Computing:
    """The plan's work: its progress display is not recorded, and a warning it logs or
    shows (which a replay would not repeat) keeps the plan from being recorded."""
    return _Computing()


class _Computing:
    """``computing()``'s context manager (contextlib costs an import on the serving path)."""

    def __init__(self) -> None:
        self.record = _active
        self.watch: Any = None

    def __enter__(self) -> None:
        record = self.record
        if record is None:
            return
        if record.phase != "started":
            record.spoiled = True
            self.record = None
            return
        from agent.run.replay.watch import watched  # logging and warnings: not when serving

        record.phase = "computing"
        self.watch = watched(record)
        self.watch.__enter__()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.record is None:
            return
        self.watch.__exit__(kind, exc, tb)
        if kind is None:
            self.record.phase = "answering"


def answered(code: int, replayable: bool) -> None:
    """The plan printed its answer and exits with ``code``; ``replayable``: such a plan may
    be replayed (see the package docstring)."""
    record = _active
    if record is None:
        return
    if record.phase == "answering" and replayable:
        record.code, record.phase = code, "answered"
    else:
        record.spoiled = True
