"""What a caller may watch of the run loop: one record per attempt at a group of findings.

The run loop (agent.run.fixing) tells an ``AttemptObserver`` about every attempt it
makes, codemod or model, as it makes it: the funnel's verdict, or why no patch came of
it. ``harden run`` does not watch; ``harden eval`` scores a case from these records (and
stops the whole eval on a provider's permanent refusal by raising from ``attempted``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from agent.llm.call import CallOutcome
from agent.models import Finding, Verdict

__all__ = ["Attempt", "AttemptObserver", "Unobserved"]


@dataclass(frozen=True)
class Attempt:
    """One try at a group: the funnel's verdict, or why no patch was made."""

    findings: tuple[Finding, ...]  # the group, as the attempt saw it
    verdict: Verdict | None = None  # None when no patch was made
    reason: str = ""  # why no patch was made
    schema_ok: bool = True  # a model's reply matched the patch schema
    outcome: CallOutcome | None = None  # a model call's outcome; None for a codemod
    error: str | None = None  # the model call's error, if it failed
    latency_s: float = 0.0  # the codemods' time (a model's is in its call results)


class AttemptObserver(Protocol):
    def attempted(self, attempt: Attempt) -> None: ...


class Unobserved:
    """The run's observer: it does not watch."""

    def attempted(self, attempt: Attempt) -> None:
        return None
