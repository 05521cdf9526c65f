"""The pull-request body for the commits a review keeps: report.md of the run, rendered
for the kept commits only (a dropped commit's findings are no longer counted fixed)."""

from __future__ import annotations

from collections.abc import Sequence

from agent.models import CommitRecord, RunReport
from agent.report.markdown import render_markdown
from agent.review.entries import Entry

__all__ = ["pr_body"]


def pr_body(report: RunReport, branch: str, kept: Sequence[Entry], shas: Sequence[str] = ()) -> str:
    """report.md for ``kept`` on ``branch``; ``shas`` are their commits there (one for a
    squash; none: the reviewed branch's own)."""
    kept_ids = {i for e in kept for i in e.trailer_values("Harden-Finding")}
    dropped = {i for c in report.commits for i in c.finding_ids} - kept_ids
    records = tuple(_record(n, e, shas) for n, e in enumerate(kept))
    verdicts = tuple(
        v for v in report.verdicts if not (v.accepted and set(v.patch.finding_ids) & dropped)
    )
    notes = report.notes
    if len(kept) < len(report.commits):
        notes += (f"review kept {len(kept)} of the run's {len(report.commits)} commit(s)",)
    trimmed = report.model_copy(
        update={
            "branch": branch,
            "commits": records,
            "fixed_ids": tuple(i for i in report.fixed_ids if i not in dropped),
            "verdicts": verdicts,
            "notes": notes,
        }
    )
    return render_markdown(trimmed, [report.checklist] if report.checklist else [])


def _record(n: int, entry: Entry, shas: Sequence[str]) -> CommitRecord:
    """The kept commit ``n`` as the report lists it, at its sha on the new branch."""
    sha = (shas[n] if n < len(shas) else shas[-1]) if shas else entry.sha
    ids = entry.trailer_values("Harden-Finding")
    return CommitRecord(sha=sha, title=entry.title, finding_ids=ids)
