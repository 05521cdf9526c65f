"""How an item is judged: from the scan's findings and the repo's facts, to a verdict.

An item fails with the evidence that made it fail and the remedy: the harden priority
whose run addresses it (``harden --priority errors``) or, where no priority does, the
manual step. An item that cannot apply to this repo (rate limiting without a web app,
cost controls without an LLM SDK) is not applicable, and says why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from agent.checklist.facts import Facts
from agent.checklist.model import Evidence, ItemId, ItemResult, ItemStatus
from agent.models import Finding

__all__ = [
    "Item",
    "Problem",
    "Scored",
    "finding_evidence",
    "found",
    "judge",
    "priority_remedy",
    "result",
]

_SHOWN = 5  # evidence kept for a passing item (a failing one keeps all of its own)


@dataclass(frozen=True)
class Scored:
    """What an item is judged from."""

    findings: tuple[Finding, ...]
    facts: Facts


Item = Callable[[Scored], ItemResult]
Problem = tuple[str, list[Evidence], str]  # summary, evidence, remedy


def finding_evidence(finding: Finding) -> Evidence:
    text = f"{finding.rule}: {finding.message}"[:200]
    return Evidence(path=finding.path, line=finding.line, text=text, finding_id=finding.id)


def priority_remedy(findings: Iterable[Finding]) -> str:
    """``harden --priority security`` (and the others the findings belong to)."""
    priorities = sorted({f.priority.value for f in findings})
    return "; ".join(f"harden --priority {p}" for p in priorities)


def result(item: ItemId, title: str, status: ItemStatus, summary: str,
            evidence: Sequence[Evidence] = (), remedy: str = "") -> ItemResult:  # fmt: skip
    kept = tuple(evidence) if status is ItemStatus.FAIL else tuple(evidence)[:_SHOWN]
    return ItemResult(id=item, title=title, status=status, summary=summary, evidence=kept,
                      remedy=remedy if status is ItemStatus.FAIL else "")  # fmt: skip


def judge(item: ItemId, title: str, problems: list[Problem],
           passed: str, good: Sequence[Evidence] = ()) -> ItemResult:  # fmt: skip
    """Fail with every problem (summary, evidence, remedy) found, else pass."""
    if not problems:
        return result(item, title, ItemStatus.PASS, passed, good)
    summary = "; ".join(p[0] for p in problems)
    evidence = [e for p in problems for e in p[1]]
    remedy = "; ".join(dict.fromkeys(p[2] for p in problems if p[2]))
    return result(item, title, ItemStatus.FAIL, summary, evidence, remedy)


def found(found: list[Finding], what: str) -> list[Problem]:
    """One problem for a family of findings, remedied by their priorities' runs."""
    if not found:
        return []
    summary = f"{len(found)} finding(s): {what}"
    return [(summary, [finding_evidence(f) for f in found], priority_remedy(found))]
