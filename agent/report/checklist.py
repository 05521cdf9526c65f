"""The production checklist for people: a terminal table and a report.md section.

Each row is one item: its status, what was found, where (the first few locations; the
JSON output has them all) and, for a fail, the harden priority or manual step to take.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agent.checklist import Checklist, ItemResult, ItemStatus
from agent.report.md import md_code, md_text
from agent.report.tables import print_table

__all__ = ["checklist_markdown", "checklist_table", "print_checklist"]

SHOWN = 3  # locations per row in the terminal
_WIDTH = 48  # the widest a text column grows before it wraps
MD_SHOWN = 10  # evidence lines per failing item in report.md
_STYLE = {ItemStatus.PASS: "green", ItemStatus.FAIL: "red", ItemStatus.NOT_APPLICABLE: "dim"}
_MD_STATUS = {
    ItemStatus.PASS: "pass",
    ItemStatus.FAIL: "**fail**",
    ItemStatus.NOT_APPLICABLE: "n/a",
}


def checklist_table(checklist: Checklist) -> Table:
    table = Table(title="Production checklist")
    table.add_column("item", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for column in ("found", "where", "to do"):
        table.add_column(column, max_width=_WIDTH)
    for item in checklist.items:
        status = f"[{_STYLE[item.status]}]{item.status.value}[/]"
        where = escape(_where(item, SHOWN))
        table.add_row(escape(item.title), status, escape(item.summary), where, escape(item.remedy))
    return table


def print_checklist(console: Console, checklist: Checklist) -> None:
    print_table(console, checklist_table(checklist))
    console.print(summary_line(checklist))


def summary_line(checklist: Checklist) -> str:
    counts = checklist.counts
    return (
        f"{counts[ItemStatus.PASS]} pass, {counts[ItemStatus.FAIL]} fail, "
        f"{counts[ItemStatus.NOT_APPLICABLE]} not applicable (of {len(checklist.items)} items)"
    )


def _where(item: ItemResult, shown: int) -> str:
    locations = list(dict.fromkeys(e.location for e in item.evidence))
    more = len(locations) - shown
    return ", ".join(locations[:shown]) + (f" (+{more} more)" if more > 0 else "")


def checklist_markdown(checklist: Checklist) -> str:
    """The report.md section: one table row per item, then the evidence of each fail."""
    lines = [
        "## Production checklist",
        "",
        summary_line(checklist),
        "",
        "| item | status | found | to do |",
        "| --- | --- | --- | --- |",
    ]
    for item in checklist.items:
        cells = (md_text(item.title), _MD_STATUS[item.status], md_text(item.summary))
        lines.append(f"| {' | '.join(cells)} | {md_text(item.remedy)} |")
    for item in checklist.items:
        if item.status is ItemStatus.FAIL and item.evidence:
            lines += ["", f"**{md_text(item.title)}**", "", *_md_evidence(item)]
    return "\n".join(lines)


def _md_evidence(item: ItemResult) -> list[str]:
    shown = [f"- {md_code(e.location)} {md_text(e.text)}" for e in item.evidence[:MD_SHOWN]]
    more = len(item.evidence) - MD_SHOWN
    return shown + ([f"- and {more} more (see `harden checklist --json`)"] if more > 0 else [])
