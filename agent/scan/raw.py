"""What one detector reported, before findings from several detectors are merged."""

from __future__ import annotations

from dataclasses import dataclass

from agent.models import Confidence, Severity

__all__ = ["RawFinding"]


@dataclass(frozen=True)
class RawFinding:
    tool: str
    rule: str
    path: str
    line: int
    column: int
    end_line: int
    message: str
    severity: Severity | None = None
    confidence: Confidence | None = None
    cwe: int | None = None
