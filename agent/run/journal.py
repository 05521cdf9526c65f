"""The run's journal: what a run has done, appended and flushed as it happens.

``.harden/runs/<run-id>/journal.jsonl`` gets one JSON line per event: the run started
(base commit, branch, priority), a fix was committed, the run ended. After a crash or
Ctrl-C, ``harden run --resume <run-id>`` reads it to continue on the same branch: what is
committed stays committed, and model calls already paid for come back from the cache.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from agent.errors import ConfigError

__all__ = ["Commit", "End", "Journal", "Start"]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Start(_Event):
    event: Literal["start"] = "start"
    run_id: str
    base_commit: str
    branch: str
    priority: str
    key: str = ""  # what decides the run's result (agent.run.finished); "" before it existed


class Commit(_Event):
    event: Literal["commit"] = "commit"
    sha: str
    title: str
    finding_ids: tuple[str, ...]


class End(_Event):
    event: Literal["end"] = "end"


Event = Annotated[Start | Commit | End, Field(discriminator="event")]
_EVENT = TypeAdapter(Event)


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, event: Start | Commit | End) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(event.model_dump_json() + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def events(self) -> list[Start | Commit | End]:
        """Every complete event; a line cut short by a crash is ignored."""
        if not self.path.is_file():
            raise ConfigError(f"no journal at {self.path}: is the run id right?")
        events: list[Start | Commit | End] = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                events.append(_EVENT.validate_json(line))
            except (ValidationError, json.JSONDecodeError):
                continue
        return events

    def start(self) -> Start:
        first = next((e for e in self.events() if isinstance(e, Start)), None)
        if first is None:
            raise ConfigError(f"the journal {self.path} has no start record; cannot resume")
        return first

    def commits(self) -> list[Commit]:
        return [e for e in self.events() if isinstance(e, Commit)]

    def ended(self) -> bool:
        return any(isinstance(e, End) for e in self.events())
