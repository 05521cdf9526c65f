"""Merge what several detectors reported into Findings: one problem, one Finding.

Reports of one rule number (S107 and B107) merge when they are on the same line, or on
different lines of the same statement or statement header (see ``statements``) with at
most one report per tool there: one tool's two reports in one statement stay two.

A finding's ``source_line`` and ``message`` are what reports, logs, commit messages and
prompts show of the code, so the secrets in them are replaced by ``<redacted>`` here, once
(a detector's message can quote the value: "Possible hardcoded password: 'hunter2'"). The
stable id is hashed from the raw line first, so redaction never changes an id.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from agent.models import Confidence, Finding, stable_finding_id
from agent.redaction.secrets import find_secrets, redact_fixed
from agent.scan.raw import RawFinding
from agent.scan.rules import default_cwe, default_severity, priority_of, rule_number
from agent.scan.statements import StatementIndex
from agent.scan.symbols import SymbolIndex

__all__ = ["SourceFile", "merge_findings"]

# Which detector's id names the finding when several agree: ruff first, then bandit.
_TOOL_RANK = {"ruff": 0, "harden": 1, "bandit": 2}


class SourceFile:
    """A parsed module: its lines and its symbol index."""

    def __init__(
        self, lines: list[str], symbols: SymbolIndex, statements: StatementIndex | None = None
    ) -> None:
        self.lines = lines
        self.symbols = symbols
        self.statements = statements

    def line(self, number: int) -> str:
        return self.lines[number - 1].strip() if 0 < number <= len(self.lines) else ""


def merge_findings(raw: Iterable[RawFinding], sources: dict[str, SourceFile]) -> list[Finding]:
    statements: dict[tuple[str, int, str], list[RawFinding]] = defaultdict(list)
    for item in raw:
        if item.path in sources:
            anchor = _anchor(sources[item.path], item.line)
            statements[(item.path, anchor, rule_number(item.rule) or item.rule)].append(item)
    groups = [g for items in statements.values() for g in _split(items)]
    groups.sort(key=lambda g: (g[0].path, min(r.line for r in g), _number(g[0])))
    return _assign_ids([_merge_group(items, sources[items[0].path]) for items in groups])


def _anchor(source: SourceFile, line: int) -> int:
    return source.statements.anchor(line) if source.statements else line


def _number(item: RawFinding) -> str:
    return rule_number(item.rule) or item.rule


def _split(items: list[RawFinding]) -> list[list[RawFinding]]:
    """One statement's reports of one rule number, as groups that are one finding each.

    Reports on one line are one group. A tool's only report in the statement joins the
    first line another tool reported (bandit's B107 at the ``def`` joins ruff's S107 at the
    first defaulted parameter); a tool's several reports stay apart.
    """
    by_line: dict[int, list[RawFinding]] = defaultdict(list)
    for item in items:
        by_line[item.line].append(item)
    groups = [by_line[line] for line in sorted(by_line)]
    counts = Counter(r.tool for r in items)
    lone = [g for g in groups if len(g) == 1 and counts[g[0].tool] == 1]
    rest = [g for g in groups if not (len(g) == 1 and counts[g[0].tool] == 1)]
    if not rest:
        return [items]
    rest[0] = [*rest[0], *(r for g in lone for r in g)]
    return rest


def _merge_group(items: list[RawFinding], source: SourceFile) -> Finding:
    items = sorted(items, key=lambda r: _TOOL_RANK.get(r.tool, 9))
    lead = items[0]
    informed = next((r for r in items if r.severity is not None), None)
    cwe = next((r.cwe for r in items if r.cwe is not None), None) or default_cwe(lead.rule)
    return Finding(
        id="",
        rule=lead.rule,
        aliases=tuple(sorted({r.rule for r in items} - {lead.rule})),
        tools=tuple(dict.fromkeys(r.tool for r in items)),
        message=lead.message,
        cwe=cwe,
        severity=informed.severity
        if informed and informed.severity
        else default_severity(lead.rule),
        confidence=informed.confidence if informed and informed.confidence else Confidence.MEDIUM,
        priority=priority_of(lead.rule),
        path=lead.path,
        line=lead.line,
        column=lead.column,
        end_line=max(r.end_line for r in items),
        symbol=source.symbols.symbol_at(lead.line),
        source_line=source.line(lead.line),
    )


def _assign_ids(findings: list[Finding]) -> list[Finding]:
    """Ids from the raw source lines, then the secrets in each finding redacted."""
    seen: dict[tuple[str, str, str, str], int] = defaultdict(int)
    out = []
    for f in findings:
        key = (f.rule, f.path, f.symbol, " ".join(f.source_line.split()))
        fid = stable_finding_id(f.rule, f.path, f.symbol, f.source_line, seen[key])
        seen[key] += 1
        out.append(_redacted(f.model_copy(update={"id": fid})))
    return out


def _redacted(finding: Finding) -> Finding:
    """``source_line`` and ``message`` without secrets; the line's secrets out of both."""
    secrets = find_secrets(finding.source_line)
    return finding.model_copy(
        update={
            "source_line": redact_fixed(finding.source_line),
            "message": redact_fixed(finding.message, secrets),
        }
    )
