"""What harden writes carries no secret: a RunReport with every string redacted.

Reports hold code: a finding's line, the whole files a patch changed (``FileEdit.before``
and ``after``) and test output, which can echo a secret without the ``password = "..."``
context that gives it away. So the secrets found in those files are collected first and
replaced wherever they appear, along with every secret the detectors see, by the fixed
``<redacted>``. Only free text is redacted: the fields harden itself fills with ids,
hashes and outcomes (``_STRUCTURAL``) are kept as they are, so the report's structure,
ids, statuses and counts are unchanged and it always validates again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from agent.models import Patch, RunReport
from agent.redaction.secrets import find_secrets, redact_fixed

__all__ = ["known_secrets", "redact_report"]

# Values harden writes itself (enums, ids, hashes, counts): never secrets, never redacted.
_STRUCTURAL = frozenset(
    {
        "run_id",
        "base_commit",
        "priority",
        "started_at",
        "id",
        "rule",
        "aliases",
        "tools",
        "severity",
        "confidence",
        "stage",
        "status",
        "sha",
        "finding_ids",
        "fixed_ids",
        "needs_model_ids",
        "kind",
        "fate",
        "fixer",
        "model",
    }
)


def redact_report(report: RunReport) -> RunReport:
    """``report`` with every string in it passed through ``redact_fixed``."""
    known = known_secrets(v.patch for v in report.verdicts)
    return RunReport.model_validate(_redact_value(report.model_dump(mode="json"), known))


def known_secrets(patches: Iterable[Patch]) -> list[str]:
    """The secrets in the files the patches changed, before and after the change."""
    texts = (t for p in patches for e in p.edits for t in (e.before, e.after) if t is not None)
    return list(dict.fromkeys(s for text in texts for s in find_secrets(text)))


def _redact_value(value: Any, known: list[str]) -> Any:
    if isinstance(value, str):
        return redact_fixed(value, known)
    if isinstance(value, list):
        return [_redact_value(item, known) for item in value]
    if isinstance(value, dict):
        return {
            key: item if key in _STRUCTURAL else _redact_value(item, known)
            for key, item in value.items()
        }
    return value
