"""Counts a run report is summed up by, shared by report.md and the terminal summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from agent.models import CommitRecord, Finding, RunReport, RuntimeEvidence, Severity, Stage, Verdict
from agent.report.sarif import FindingStatus, finding_statuses

__all__ = [
    "SeverityCounts",
    "rejected_by_stage",
    "rejected_verdicts",
    "severity_counts",
    "static_only",
    "verdict_for",
]

_SEVERITIES = sorted(Severity, key=lambda s: s.rank, reverse=True)


@dataclass(frozen=True)
class SeverityCounts:
    """One row of the summary table; ``found`` also counts findings not attempted."""

    severity: str
    found: int = 0
    fixed: int = 0
    rejected: int = 0
    needs_model: int = 0

    def cells(self) -> list[str]:
        counts = (self.found, self.fixed, self.rejected, self.needs_model)
        return [self.severity, *map(str, counts)]


def severity_counts(report: RunReport) -> list[SeverityCounts]:
    """One row per severity, highest first, then a total row."""
    statuses = finding_statuses(report)
    rows = [
        _count(s.value, [f for f in report.findings if f.severity is s], statuses)
        for s in _SEVERITIES
    ]
    return [*rows, _count("total", list(report.findings), statuses)]


def _count(
    label: str, findings: list[Finding], statuses: dict[str, FindingStatus]
) -> SeverityCounts:
    tally = Counter(statuses[f.id] for f in findings)
    return SeverityCounts(
        severity=label,
        found=len(findings),
        fixed=tally[FindingStatus.FIXED],
        rejected=tally[FindingStatus.REJECTED],
        needs_model=tally[FindingStatus.NEEDS_MODEL],
    )


def static_only(report: RunReport) -> list[Verdict]:
    """The accepted patches that nothing ran: no test, no import smoke."""
    return [v for v in report.verdicts if v.accepted and v.evidence is RuntimeEvidence.NONE]


def rejected_verdicts(report: RunReport) -> list[Verdict]:
    return [v for v in report.verdicts if not v.accepted]


def rejected_by_stage(report: RunReport) -> Counter[Stage]:
    """How many rejected patches failed at each stage."""
    return Counter(s.stage for v in rejected_verdicts(report) if (s := v.failed_stage))


def verdict_for(report: RunReport, commit: CommitRecord) -> Verdict | None:
    """The accepted verdict behind ``commit``: same findings, the same title if possible."""
    same = [
        v
        for v in report.verdicts
        if v.accepted and tuple(sorted(v.patch.finding_ids)) == tuple(sorted(commit.finding_ids))
    ]
    titled = [v for v in same if v.patch.title == commit.title]
    return (titled or same)[-1] if same else None
