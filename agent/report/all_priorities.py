"""The closing table of ``--priority all``: one row per priority, with its branch."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from agent.models import RunReport
from agent.report.counts import severity_counts

__all__ = ["priorities_table"]


def priorities_table(reports: Sequence[RunReport]) -> Table:
    table = Table(title="harden: every priority (one branch each, all from the same base)")
    for column in ("priority", "found", "fixed", "rejected", "needs a model", "branch"):
        left = column in ("priority", "branch")
        table.add_column(column, justify="left" if left else "right", no_wrap=True)
    for report in reports:
        total = severity_counts(report)[-1]
        counts = (total.found, total.fixed, total.rejected, total.needs_model)
        branch = report.branch or "none (no fix accepted)"
        table.add_row(report.priority.value, *map(str, counts), branch)
    return table
