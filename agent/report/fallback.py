"""Reporting never loses a run's record.

When report.json, report.md or findings.sarif cannot be written (a full disk, a report
that does not validate), the run's commits are already on its branch. ``save_reports``
then writes ``record.json`` (run id, branch, base commit, the commits) where it can, and
raises a one-line ReportError that names the branch.
"""

from __future__ import annotations

import json
from pathlib import Path

from agent.errors import ReportError
from agent.models import RunReport
from agent.redaction.secrets import redact_fixed
from agent.report.markdown import write_reports

__all__ = ["RECORD_NAME", "save_reports"]

RECORD_NAME = "record.json"
_REASON_WIDTH = 200


def save_reports(report: RunReport, run_dir: Path) -> list[Path]:
    """The reports' paths; on failure, a minimal record and a ReportError naming the branch."""
    try:
        return write_reports(report, run_dir)
    except (OSError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        reason = _one_line(exc)
        record = _write_record(report, run_dir, reason)
        raise ReportError(_message(report, reason, record)) from exc


def _one_line(exc: Exception) -> str:
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return redact_fixed(first)[:_REASON_WIDTH]


def _write_record(report: RunReport, run_dir: Path, reason: str) -> Path | None:
    record = {
        "run_id": report.run_id,
        "branch": report.branch,
        "base_commit": report.base_commit,
        "priority": report.priority.value,
        "commits": [{"sha": c.sha, "title": redact_fixed(c.title)} for c in report.commits],
        "report_error": reason,
    }
    path = run_dir / RECORD_NAME
    try:
        path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    except OSError:
        return None
    return path


def _message(report: RunReport, reason: str, record: Path | None) -> str:
    where = f"; a minimal record is in {record}" if record else ""
    if report.branch is None:
        return f"the run's report could not be written ({reason}); no fix was committed{where}"
    return (
        f"the run's report could not be written ({reason}); its {len(report.commits)} "
        f"fix(es) are on branch {report.branch}{where}"
    )
