"""The model's part of a run in report.md and the terminal: which model, what it cost,
and what became of the work that produced no commit (abstentions, failures, budget)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from agent.models import ModelOutcome, ModelOutcomeKind, RunReport

__all__ = ["model_section", "print_model_summary", "structured_line"]

_KINDS = {
    ModelOutcomeKind.ABSTAINED: "abstained",
    ModelOutcomeKind.FAILED: "failed",
    ModelOutcomeKind.BUDGET: "left undone (budget)",
}


def model_section(report: RunReport) -> str:
    if report.model is None:
        return ""
    lines = [
        "## Model",
        "",
        f"Model `{report.model}`, spend ${report.cost_usd:.4f}. "
        f"{_model_commits(report)} commit(s) came from the model.",
    ]
    if report.structured_output or report.structured_rejected:
        lines += ["", structured_line(report)]
    if report.model_outcomes:
        lines += ["", *(_outcome_line(o) for o in report.model_outcomes)]
    return "\n".join(lines)


def structured_line(report: RunReport) -> str:
    """Which structured-output mode(s) the server answered in, and which it rejected."""
    used = ", ".join(f"`{m}`" for m in report.structured_output) or "none (no reply)"
    refused = ", ".join(f"`{m}`" for m in report.structured_rejected)
    tail = f" (the server rejected {refused})" if refused else ""
    return f"Structured output: {used}{tail}."


def _model_commits(report: RunReport) -> int:
    return sum(1 for v in report.verdicts if v.accepted and v.patch.model)


def _outcome_line(outcome: ModelOutcome) -> str:
    reason = " ".join(outcome.reason.split())[:300].replace("|", "\\|")
    ids = ", ".join(outcome.finding_ids)
    return f"- {_KINDS[outcome.kind]} ({ids}): {reason}"


def print_model_summary(report: RunReport, console: Console) -> None:
    if report.model is None:
        return
    counts = {kind: 0 for kind in ModelOutcomeKind}
    for outcome in report.model_outcomes:
        counts[outcome.kind] += 1
    parts = [f"{n} {_KINDS[k]}" for k, n in counts.items() if n]
    extra = f"; {', '.join(parts)}" if parts else ""
    if report.structured_output:
        extra += f"; structured output {', '.join(report.structured_output)}"
    console.print(
        f"model {escape(report.model)}: {_model_commits(report)} fix(es), "
        f"${report.cost_usd:.4f}{extra}"
    )
