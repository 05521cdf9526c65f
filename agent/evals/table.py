"""The terminal view of an eval: a table per variant's cases, the summary, comparisons."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from agent.evals.compare import Comparison
from agent.evals.report import (
    EvalResult,
    check_rows,
    dollars,
    fmt,
    pct,
    signed,
    summary_rows,
)
from agent.evals.results import EvalRun, summarise

__all__ = ["print_result"]


def print_result(result: EvalResult, console: Console) -> None:
    for run in result.runs:
        console.print(_cases_table(run))
    summaries = [summarise(r) for r in result.runs]
    console.print(_table("summary", *_transposed(*summary_rows(summaries))))
    console.print(_table("stage rates", *_transposed(*check_rows(summaries))))
    for comparison in result.comparisons:
        console.print(_comparison_table(comparison))
    for line in result.regressions:
        console.print(f"[bold red]regression[/]: {line}")


def _transposed(header: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """One row per metric, one column per variant: readable in an 80-column terminal."""
    columns = [header[0], *(row[0] for row in rows)]
    return columns, [[name, *(row[i] for row in rows)] for i, name in enumerate(header) if i]


def _table(title: str, header: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=title)
    for index, column in enumerate(header):
        table.add_column(column, overflow="fold", no_wrap=index == 0)
    for row in rows:
        table.add_row(*row)
    return table


def _cases_table(run: EvalRun) -> Table:
    rows = [
        [
            case.case_id,
            case.priority,
            f"{case.resolved}/{case.n}",
            pct(case.pass_at_k),
            dollars(case.cost_usd),
            _short("; ".join(case.reasons), 60),
        ]
        for case in run.cases
    ]
    header = ["case", "priority", "resolved", "pass@k", "cost", "why not"]  # all in the JSON
    title = run.label if run.label == run.model else f"{run.label} on {run.model}"
    return _table(title, header, rows)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _comparison_table(c: Comparison) -> Table:
    title = (
        f"{c.candidate} vs {c.baseline}: {c.paired} paired, {len(c.better)} better, "
        f"{len(c.worse)} worse, {c.same} same"
    )
    rows = [
        [metric, fmt(metric, d.baseline), fmt(metric, d.candidate), signed(metric, d.change)]
        for metric, d in c.deltas.items()
    ]
    return _table(title, ["metric", "baseline", "candidate", "change"], rows)
