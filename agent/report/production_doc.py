"""A draft PRODUCTION.md: what running the app in production depends on, from the code.

Written from the checklist's facts (``agent.checklist.Facts``) and the scan's findings:
the environment variables read and where, the HTTP services called (host where the URL is
a literal) with their timeout and error handling, the LLM calls with their model and caps,
and the error-handling findings harden saw. A reviewer edits it. Every line points to the
file and line it was read from, and a value the code does not give is written as
``not found in the code``: the draft never invents a number. Secrets are redacted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from agent.checklist import Facts
from agent.checklist.facts import ExternalCall, LlmCall
from agent.models import Finding, Priority, RunReport
from agent.redaction.secrets import redact_fixed
from agent.report.md import md_code, md_table, md_text
from agent.report.redact import known_secrets

__all__ = ["DRAFT_NAME", "DRAFT_NOTE", "NOT_FOUND", "production_markdown", "save_production_doc"]

DRAFT_NAME = "PRODUCTION.md"
NOT_FOUND = "not found in the code"
# report.md's pointer to the draft written beside it
DRAFT_NOTE = (
    f"A draft {DRAFT_NAME} of the same facts (environment variables, external services, "
    "LLM models and caps, unhandled edge cases) is beside this report, for a reviewer to edit."
)
_log = logging.getLogger(__name__)


def production_markdown(facts: Facts, findings: Sequence[Finding], commit: str = "") -> str:
    """The draft, redacted: one section per question a deploy has to answer."""
    sections = [
        _header(commit),
        _environment(facts),
        _services(facts),
        _llm(facts),
        _edge_cases(findings),
    ]
    return redact_fixed("\n\n".join(sections) + "\n")


def save_production_doc(report: RunReport, run_dir: Path) -> Path | None:
    """Write the run's draft beside report.md (secrets of the patched files redacted too)."""
    if not report.production_md:
        return None
    path = run_dir / DRAFT_NAME
    known = known_secrets(v.patch for v in report.verdicts)
    try:
        path.write_text(redact_fixed(report.production_md, known), encoding="utf-8")
    except OSError as exc:
        _log.warning("could not write %s: %s", path, exc)
        return None
    return path


def _header(commit: str) -> str:
    at = f" at commit {md_code(commit[:12])}" if commit else ""
    return (
        "# PRODUCTION.md (draft)\n\n"
        f"Drafted by harden from the code{at}, for a reviewer to correct and complete. "
        "Each line names the file and line it was read from; where the code does not give "
        f"a value, the draft says *{NOT_FOUND}* rather than guess one."
    )


def _environment(facts: Facts) -> str:
    title = "## Environment variables\n\n"
    reads = facts.source.env_reads
    if not reads:
        return title + "No environment variable read by a literal name was found in the code."
    documented = {r.name for r in reads if r.name in facts.documented_names}
    rows = [
        (
            md_code(read.name),
            md_code(read.site.location),
            md_code(read.site.text),
            f"yes ({', '.join(facts.env_docs)})" if read.name in documented else "no",
        )
        for read in sorted(reads, key=lambda r: (r.name, r.site.path, r.site.line or 0))
    ]
    intro = "The code reads these variables (the code shows whether a default applies).\n\n"
    return title + intro + md_table(("variable", "read at", "code", "documented"), rows)


def _services(facts: Facts) -> str:
    title = "## External services\n\n"
    calls, clients = facts.source.external_calls, facts.source.external_clients
    if not calls and not clients:
        return title + "No HTTP call and no network, database or process client found."
    parts = []
    if calls:
        header = ("call", "at", "host", "timeout", "error handling")
        parts.append(md_table(header, [_call_row(c) for c in sorted(calls, key=_at)]))
    if clients:
        listed = "\n".join(f"- {md_code(e.location)} {md_code(e.text)}" for e in clients)
        intro = "Clients and SDKs imported (their calls are not listed one by one):"
        parts.append(f"{intro}\n\n{listed}")
    return title + "\n\n".join(parts)


def _call_row(call: ExternalCall) -> tuple[str, ...]:
    handled = "yes (inside a try)" if call.handled else "**none**"
    return (
        md_code(call.client),
        md_code(call.site.location),
        md_code(call.host) if call.host else _no_host(call),
        md_code(call.timeout) if call.timeout else f"**none** ({NOT_FOUND})",
        handled,
    )


def _no_host(call: ExternalCall) -> str:
    return f"{NOT_FOUND} (URL: {md_code(call.url)})" if call.url else NOT_FOUND


def _llm(facts: Facts) -> str:
    title = "## LLM models and caps\n\n"
    src = facts.source
    if not facts.uses_llm:
        return title + "No openai or anthropic SDK in use."
    if not src.llm_calls:
        return title + "The openai/anthropic SDK is imported, but no request to it was found."
    header = ("SDK", "at", "model", "token cap", "timeout")
    table = md_table(header, [_llm_row(c) for c in sorted(src.llm_calls, key=_at)])
    if src.usage_reads:
        where = ", ".join(md_code(e.location) for e in src.usage_reads)
        usage = f"The replies' `usage` (token counts) is read at {where}."
    else:
        usage = f"The replies' `usage` (token counts) is never read: cost tracking {NOT_FOUND}."
    return f"{title}{table}\n\n{usage}"


def _llm_row(call: LlmCall) -> tuple[str, ...]:
    return (
        call.sdk,
        md_code(call.site.location),
        md_code(call.model) if call.model else NOT_FOUND,
        md_code(call.cap) if call.cap else f"**none** ({NOT_FOUND})",
        md_code(call.timeout_value) if call.timeout_value else f"**none** ({NOT_FOUND})",
    )


def _at(call: ExternalCall | LlmCall) -> tuple[str, int]:
    return call.site.path, call.site.line or 0


def _edge_cases(findings: Sequence[Finding]) -> str:
    title = "## Edge cases harden saw unhandled\n\n"
    errors = sorted(
        (f for f in findings if f.priority is Priority.ERRORS), key=lambda f: (f.path, f.line)
    )
    if not errors:
        return title + (
            "harden found no unhandled external-call error, swallowed exception or bare "
            "except in the files it scanned."
        )
    intro = "What fails here fails in production; `harden --priority errors` fixes these.\n\n"
    lines = [f"- {md_code(f.location)} {f.rule}: {md_text(f.message)}" for f in errors]
    return title + intro + "\n".join(lines)
