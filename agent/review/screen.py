"""One commit on screen: its findings (rule, CWE, risk), the evidence, the diff with
syntax colours (rich); and the keys of the interactive review (k, d, s, q)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from agent.models import StageStatus
from agent.review.choice import Choice
from agent.review.entries import Entry

__all__ = ["KEYS", "ask", "render"]

KEYS = "[k] keep  [d] drop  [s] squash all kept  [q] quit without writing"

Key = Callable[[], str]


@dataclass(frozen=True)
class _Asked:
    kept: tuple[Entry, ...] = ()
    squash: bool = False


def render(entry: Entry, total: int) -> RenderableType:
    """The commit's screen: title, findings table, evidence lines, diff."""
    head = Text(f"commit {entry.number}/{total}  {entry.sha[:12]}  {entry.title}", style="bold")
    parts: list[RenderableType] = [head, _findings(entry), Text(_evidence(entry))]
    if entry.diff:
        parts.append(Syntax(entry.diff, "diff", theme="ansi_dark", word_wrap=True))
    return Panel(Group(*parts), expand=True)


def _findings(entry: Entry) -> Table:
    table = Table("rule", "CWE", "risk", "location", "finding", expand=True)
    for f in entry.findings:
        cwe = f"CWE-{f.cwe}" if f.cwe is not None else "-"
        risk = f"{f.severity} severity, {f.confidence} confidence"
        table.add_row(*(Text(cell) for cell in (f.rule, cwe, risk, f.location, f.message)))
    if not entry.findings:
        for rule in entry.rules:
            table.add_row(Text(rule), "-", "-", "-", "(no report.json for this run)")
    return table


def _evidence(entry: Entry) -> str:
    if entry.stages:
        lines = [f"{s.stage.value}: {_mark(s.status)}" for s in entry.stages]
    else:
        lines = list(entry.evidence)
    if entry.tests_run:
        lines.append(f"tests run: {entry.tests_run}")
    lines += [f"{k}: {v}" for k, v in entry.trailers if k.lower() == "harden-fixer"]
    return "evidence:\n" + ("\n".join(f"  {line}" for line in lines) or "  none recorded")


def _mark(status: StageStatus) -> str:
    return "ok" if status is StageStatus.PASSED else status.value


def ask(console: Console, entries: Sequence[Entry], key: Key) -> Choice | None:
    """One screen per commit and a key for each; None when the user quits."""
    asked = _Asked()
    for entry in entries:
        console.clear()
        console.print(render(entry, len(entries)), soft_wrap=False)
        squash = " (squash: on)" if asked.squash else ""
        console.print(f"{KEYS}{squash}", markup=False, highlight=False)
        step = _step(asked, entry, key)
        if step is None:
            return None
        asked = step
    return Choice(asked.kept, asked.squash)


def _step(asked: _Asked, entry: Entry, key: Key) -> _Asked | None:
    while True:
        pressed = key().lower()
        if pressed == "q":
            return None
        if pressed == "k":
            return _Asked((*asked.kept, entry), asked.squash)
        if pressed == "d":
            return asked
        if pressed == "s":
            return _Asked((*asked.kept, entry), squash=True)
