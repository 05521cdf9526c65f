"""What one run is given before it starts working: its settings, repo, id, priority."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from agent.config import Settings
from agent.fix.llm_fixer import LlmFixer
from agent.git.repo import Repo
from agent.models import Priority
from agent.run.journal import Journal
from agent.run.touched import Symbol
from agent.sandbox.baseline import BaselineMemo

__all__ = ["RunSetup", "Status"]

Status = Callable[[str], None]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class RunSetup:
    """What one run is given before it starts working: fixed for the run's length."""

    settings: Settings
    repo: Repo
    run_id: str
    priority: Priority
    status: Status
    fixer: LlmFixer | None
    journal: Journal
    taken: frozenset[Symbol] = frozenset()  # symbols an earlier priority's branch changed
    key: str = ""  # what decides the run's result (agent.run.finished)
    baselines: BaselineMemo = field(default_factory=BaselineMemo)  # shared by priorities
    started: float = field(default_factory=time.monotonic)
    started_at: str = field(default_factory=_now)
