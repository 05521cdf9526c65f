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


@dataclass(frozen=True)
class Problem:
    """One reason an item fails: what, where, and the priority or manual step for it."""

    summary: str
    evidence: Sequence[Evidence]
    remedy: str


def finding_evidence(finding: Finding) -> Evidence:
    text = f"{finding.rule}: {finding.message}"[:200]
    return Evidence(path=finding.path, line=finding.line, text=text, finding_id=finding.id)


def priority_remedy(findings: Iterable[Finding]) -> str:
    """``harden --priority security`` (and the others the findings belong to)."""
    priorities = sorted({f.priority.value for f in findings})
    return "; ".join(f"harden --priority {p}" for p in priorities)


def result(
    item: ItemId,
    title: str,
    status: ItemStatus,
    summary: str,
    evidence: Sequence[Evidence] = (),
    remedy: str = "",
) -> ItemResult:
    """A failing item keeps all its evidence and its remedy; others a few, and no remedy."""
    failed = status is ItemStatus.FAIL
    kept = tuple(evidence) if failed else tuple(evidence)[:_SHOWN]
    return ItemResult(
        id=item,
        title=title,
        status=status,
        summary=summary,
        evidence=kept,
        remedy=remedy if failed else "",
    )


def judge(
    item: ItemId, title: str, problems: list[Problem], passed: str, good: Sequence[Evidence] = ()
) -> ItemResult:
    """Fail with every problem found, else pass (``passed`` says why, ``good`` shows it)."""
    if not problems:
        return result(item, title, ItemStatus.PASS, passed, good)
    summary = "; ".join(p.summary for p in problems)
    evidence = [e for p in problems for e in p.evidence]
    remedy = "; ".join(dict.fromkeys(p.remedy for p in problems if p.remedy))
    return result(item, title, ItemStatus.FAIL, summary, evidence, remedy)


def found(hits: list[Finding], what: str) -> list[Problem]:
    """One problem for a family of findings, remedied by their priorities' runs."""
    if not hits:
        return []
    evidence = [finding_evidence(f) for f in hits]
    return [Problem(f"{len(hits)} finding(s): {what}", evidence, priority_remedy(hits))]
