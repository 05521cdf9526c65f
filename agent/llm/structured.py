"""Structured output on OpenAI-compatible servers: the modes to try, and which one worked.

Servers accept different subsets of ``response_format``. The modes, tried in this order:

- ``json_schema``: ``{"type": "json_schema", ...}`` (OpenAI, vLLM, LM Studio, recent Ollama);
- ``json_object``: ``{"type": "json_object", "schema": <schema>}`` (llama-cpp-python
  constrains the reply to the schema with a grammar; others at least return JSON);
- ``prompt``: no ``response_format``; the schema is described in the prompt and the JSON is
  taken from whatever text comes back (agent.llm.json_text).

A mode the server rejects as an invalid request is not tried again on that server. What
worked is kept per base URL in memory and, when a path is given, in a JSON file (harden's
data dir), so the next run starts with the right mode.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel

__all__ = [
    "MODE_FILE",
    "ModeMemory",
    "StructuredMode",
    "StructuredUse",
    "modes_from",
    "schema_instruction",
]

MODE_FILE = "structured_output.json"


class StructuredMode(StrEnum):
    JSON_SCHEMA = "json_schema"
    JSON_OBJECT = "json_object"
    PROMPT = "prompt"


ORDER = tuple(StructuredMode)


def modes_from(start: StructuredMode | None) -> tuple[StructuredMode, ...]:
    """The modes still to try, best first, starting at ``start`` (all when None)."""
    return ORDER[ORDER.index(start) :] if start is not None else ORDER


def schema_instruction(schema: type[BaseModel]) -> str:
    """What the system prompt gains when the server does not enforce the schema itself."""
    return (
        "\n\nAnswer with exactly one JSON object and nothing else (no prose, no code "
        "fences). It must validate against this JSON schema:\n"
        + json.dumps(schema.model_json_schema(), sort_keys=True)
    )


class ModeMemory:
    """The structured-output mode to start with, per base URL; thread-safe.

    ``remember`` records a mode the server answered in; it is written to ``path`` (a JSON
    file ``{base_url: mode}``, optional) and read back by the next run. ``reject`` moves
    this run past a mode the server refused, without writing: a refusal of every mode
    (say, a prompt too long for the server) teaches nothing, so the start goes back to
    what was known. An unreadable file is ignored, never fatal.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._known: dict[str, StructuredMode] = _load(path) if path is not None else {}
        self._start: dict[str, StructuredMode] = {}

    def get(self, base_url: str) -> StructuredMode | None:
        with self._lock:
            url = _key(base_url)
            return self._start.get(url) or self._known.get(url)

    def reject(self, base_url: str, mode: StructuredMode) -> None:
        """The server refused ``mode``: this run starts at the next one (or anew after all)."""
        later = modes_from(mode)[1:]
        with self._lock:
            if later:
                self._start[_key(base_url)] = later[0]
            else:
                self._start.pop(_key(base_url), None)

    def remember(self, base_url: str, mode: StructuredMode) -> None:
        """The server answered in ``mode``: start there from now on, and in later runs."""
        url = _key(base_url)
        with self._lock:
            self._start[url] = mode
            if self._known.get(url) == mode:
                return
            self._known[url] = mode
            snapshot = {u: str(m) for u, m in self._known.items()}
        if self.path is not None:
            _save(self.path, snapshot)


class StructuredUse:
    """A run's tally: the modes its replies came in (first use first), the modes refused."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answered: dict[str, int] = {}
        self._rejected: dict[str, None] = {}

    def add(self, mode: str, rejected: tuple[str, ...]) -> None:
        with self._lock:
            if mode:
                self._answered[mode] = self._answered.get(mode, 0) + 1
            self._rejected.update(dict.fromkeys(rejected))

    @property
    def answered(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._answered)

    @property
    def rejected(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(m for m in self._rejected if m not in self._answered)


def _key(base_url: str) -> str:
    return base_url.rstrip("/")


def _load(path: Path) -> dict[str, StructuredMode]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    known = {str(m) for m in ORDER}
    return {
        _key(str(url)): StructuredMode(mode)
        for url, mode in data.items()
        if isinstance(mode, str) and mode in known
    }


def _save(path: Path, modes: dict[str, str]) -> None:
    """Write ``modes`` to ``path`` via a temporary file and a rename (never half-written)."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".modes-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(modes, out, indent=2, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        return  # remembering is an optimisation: the next run negotiates again
