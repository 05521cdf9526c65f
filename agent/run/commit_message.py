"""The commit message of an accepted fix: what a reviewer needs, and machine trailers.

The message lands on the user's own branch, but it is still kept free of secrets: the
secrets of the changed files, and any the detectors see, become ``<redacted>``.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.models import Finding, StageResult, StageStatus, Verdict
from agent.redaction.secrets import redact_fixed
from agent.report.redact import known_secrets

__all__ = ["commit_message"]


def commit_message(verdict: Verdict, findings: Sequence[Finding]) -> str:
    patch = verdict.patch
    claimed = [f for f in findings if f.id in patch.finding_ids]
    parts = [
        patch.title,
        "Why:\n" + patch.rationale,
        "Findings fixed:\n" + "\n".join(_finding_line(f) for f in claimed),
        "Evidence:\n" + "\n".join(_stage_line(v) for v in verdict.stages),
    ]
    if verdict.tests_run:
        parts.append(f"Tests run: {verdict.tests_run}")
    parts.append(_trailers(verdict, claimed))
    return redact_fixed("\n\n".join(parts), known_secrets([patch])) + "\n"


def _finding_line(f: Finding) -> str:
    cwe = f" CWE-{f.cwe}" if f.cwe else ""
    return f"- {f.rule}{cwe} ({f.severity}) {f.location} in {f.symbol}: {f.message}"


def _stage_line(stage: StageResult) -> str:
    mark = "ok" if stage.status is StageStatus.PASSED else stage.status.value
    first = stage.detail.splitlines()[0] if stage.detail else ""
    return f"- {stage.stage.value}: {mark}" + (f" ({first})" if first else "")


def _trailers(verdict: Verdict, claimed: Sequence[Finding]) -> str:
    lines = [f"Harden-Finding: {f.id}" for f in claimed]
    lines += [f"Harden-Rule: {rule}" for rule in dict.fromkeys(f.rule for f in claimed)]
    lines.append(f"Harden-Fixer: {verdict.patch.fixer}")
    if verdict.patch.model:
        lines.append(f"Harden-Prompt: {verdict.patch.fixer}")
        lines.append(f"Harden-Model: {verdict.patch.model}")
    lines.append(f"Harden-Cost-USD: {verdict.patch.cost_usd:.4f}")
    return "\n".join(lines)
