"""Why each finding a run did not fix stayed unfixed, in one line per finding.

The reason is built from what the run recorded: the patches rejected for the finding (the
stage and the first line of its output, codemod and model attempts in order), a codemod's
refusal, the model's outcome (failed, abstained, over budget), or why the run skipped it.
Every finding that is not fixed gets one; ``harden plan`` predicts the same categories.
"""

from __future__ import annotations

from collections.abc import Mapping

from agent.models import (
    CommitRecord,
    FindingStatus,
    ModelOutcomeKind,
    RunReport,
    SetAside,
    SetAsideKind,
    Unfixed,
    Verdict,
)
from agent.report.sarif import finding_statuses
from agent.scan.rules import model_judgement

__all__ = [
    "describe_rejection",
    "earlier_attempts",
    "explain_unfixed",
    "fixed_later",
    "set_aside",
    "with_reasons",
]

_DETAIL_WIDTH = 160
_MODEL_KINDS = {
    ModelOutcomeKind.FAILED: "the model failed",
    ModelOutcomeKind.BUDGET: "the budget ran out",
    ModelOutcomeKind.ABSTAINED: "the model declined",
}


def set_aside(kind: SetAsideKind, reasons: Mapping[str, str]) -> list[SetAside]:
    """Findings set aside (id -> why) as records, one per distinct reason."""
    by_reason: dict[str, list[str]] = {}
    for finding_id, reason in reasons.items():
        by_reason.setdefault(reason, []).append(finding_id)
    return [SetAside(finding_ids=tuple(ids), kind=kind, reason=r) for r, ids in by_reason.items()]


def with_reasons(report: RunReport) -> RunReport:
    """``report`` with ``unfixed`` filled in."""
    return report.model_copy(update={"unfixed": explain_unfixed(report)})


def explain_unfixed(report: RunReport) -> tuple[Unfixed, ...]:
    statuses = finding_statuses(report)
    return tuple(
        Unfixed(finding_id=f.id, status=status, reason=_reason(report, f.id, f.rule))
        for f in report.findings
        if (status := statuses[f.id]) is not FindingStatus.FIXED
    )


def _reason(report: RunReport, finding_id: str, rule: str) -> str:
    parts = [*_set_aside(report, finding_id), *_rejections(report, finding_id)]
    parts += _model(report, finding_id)
    if not parts:
        why = model_judgement(rule)
        parts.append(f"no codemod handles {rule}" + (f" ({why})" if why else ""))
    if report.model is None and finding_id in report.needs_model_ids:
        parts.append("needs a model (none configured)")
    return "; ".join(parts)


def _set_aside(report: RunReport, finding_id: str) -> list[str]:
    return [f"{s.kind}: {s.reason}" for s in report.set_aside if finding_id in s.finding_ids]


def _rejections(report: RunReport, finding_id: str) -> list[str]:
    return [
        describe_rejection(v)
        for v in report.verdicts
        if not v.accepted and finding_id in v.patch.finding_ids
    ]


def describe_rejection(verdict: Verdict, detail: bool = True) -> str:
    """``codemod harden:x rejected at tests (first line of the output)``."""
    patch = verdict.patch
    who = (
        f"model patch ({patch.fixer} via {patch.model})"
        if patch.model
        else f"codemod {patch.fixer}"
    )
    failed = verdict.failed_stage
    if failed is None:
        return f"{who} rejected"
    first = next((ln.strip() for ln in failed.detail.splitlines() if ln.strip()), "")
    said = f" ({first[:_DETAIL_WIDTH]})" if first and detail else ""
    return f"{who} rejected at {failed.stage.value}{said}"


def earlier_attempts(report: RunReport, commit: CommitRecord) -> list[Verdict]:
    """The rejected patches for any of the findings ``commit`` fixed, in run order."""
    ids = set(commit.finding_ids)
    return [v for v in report.verdicts if not v.accepted and ids & set(v.patch.finding_ids)]


def fixed_later(report: RunReport, verdict: Verdict) -> CommitRecord | None:
    """The commit that fixed a finding of the rejected ``verdict``, if one did."""
    ids = set(verdict.patch.finding_ids)
    return next((c for c in report.commits if ids & set(c.finding_ids)), None)


def _model(report: RunReport, finding_id: str) -> list[str]:
    """The model's outcome; a failure already told as a rejected model patch is not repeated."""
    told = any(
        v.patch.model and finding_id in v.patch.finding_ids
        for v in report.verdicts
        if not v.accepted
    )
    return [
        _outcome_text(o.kind, o.reason)
        for o in report.model_outcomes
        if finding_id in o.finding_ids and not (told and o.kind is ModelOutcomeKind.FAILED)
    ]


def _outcome_text(kind: ModelOutcomeKind, reason: str) -> str:
    reason = " ".join(reason.split())[:_DETAIL_WIDTH]
    return f"{_MODEL_KINDS[kind]}: {reason}"
