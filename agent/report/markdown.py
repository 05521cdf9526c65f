"""What a run did, for people and for tools.

``write_reports`` puts report.json, report.md (a pull-request body) and findings.sarif
(GitHub code scanning, see :mod:`agent.report.sarif`) in the run's directory, all three with
every secret replaced by ``<redacted>`` (:mod:`agent.report.redact`). The terminal's
summary is :mod:`agent.report.terminal`; the counts both show are :mod:`agent.report.counts`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from agent.models import (
    CommitRecord,
    Finding,
    RunReport,
    RuntimeEvidence,
    Stage,
    StageStatus,
    Verdict,
)
from agent.redaction.secrets import redact_fixed
from agent.report.characterization import characterization_section, evidence_counts
from agent.report.counts import (
    rejected_by_stage,
    rejected_verdicts,
    severity_counts,
    static_only,
    verdict_for,
)
from agent.report.llm_section import model_section
from agent.report.md import fenced, md_code, md_table, md_text, trim_detail
from agent.report.redact import redact_report
from agent.report.sarif import FindingStatus, build_sarif, finding_statuses
from agent.report.unfixed import describe_rejection, earlier_attempts, fixed_later

__all__ = ["render_markdown", "write_reports"]


def write_reports(report: RunReport, run_dir: Path, sections: Sequence[str] = ()) -> list[Path]:
    """Write report.json, report.md and findings.sarif into ``run_dir``; return their paths.

    ``sections`` are more Markdown sections for report.md (the production checklist).
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    report = redact_report(report)
    contents = {
        "report.json": report.model_dump_json(indent=2) + "\n",
        "report.md": render_markdown(report, [redact_fixed(s) for s in sections]),
        "findings.sarif": json.dumps(build_sarif(report), indent=2) + "\n",
    }
    for name, text in contents.items():
        (run_dir / name).write_text(text, encoding="utf-8")
    return [run_dir / name for name in contents]


_EVIDENCE = {
    RuntimeEvidence.TESTS: "tests (the repo's tests ran)",
    RuntimeEvidence.CHARACTERIZATION: (
        "characterization (the tests pinning its function's behaviour at the base pass)"
    ),
    RuntimeEvidence.SMOKE: (
        "smoke (its modules import, and the web routes it reaches answer, as on the base; "
        "no test ran it)"
    ),
    RuntimeEvidence.NONE: "none (static checks only)",
}


# -- report.md ----------------------------------------------------------------------------


def render_markdown(report: RunReport, sections: Sequence[str] = ()) -> str:
    """report.md: a pull-request body for the run's branch, ``sections`` before its notes."""
    parts = (
        _title,
        _summary,
        _fixes,
        _rejected,
        model_section,
        _generated_tests,
        characterization_section,
        _needs_model,
        _not_attempted,
        _tests,
    )
    texts = [*(part(report) for part in parts), *sections, _notes(report)]
    return "\n\n".join(text for text in texts if text) + "\n"


def _title(report: RunReport) -> str:
    base = md_code(report.base_commit[:12])
    if report.branch is None:
        head = f"# harden: no fix accepted (base {base})"
    else:
        head = f"# harden: {len(report.commits)} fix(es) on {md_code(report.branch)} (base {base})"
    return (
        f"{head}\n\nRun {md_code(report.run_id)} on {md_code(report.repo)}, priority "
        f"{report.priority.value}, started {report.started_at}, took {report.duration_s:.1f} s."
    )


def _summary(report: RunReport) -> str:
    header = ["severity", "found", "fixed", "rejected", "needs a model"]
    table = md_table(header, (row.cells() for row in severity_counts(report)))
    total = severity_counts(report)[-1]
    stages = ", ".join(f"{stage.value}: {n}" for stage, n in rejected_by_stage(report).items())
    bullets = [
        f"- **Fixed:** {total.fixed} finding(s) in {len(report.commits)} commit(s)",
        f"- **Rejected:** {len(rejected_verdicts(report))} patch(es)"
        + (f" ({stages})" if stages else ""),
        f"- **Needs a model:** {total.needs_model} finding(s)",
        f"- **Accepted on static evidence only:** {len(static_only(report))} patch(es)",
        f"- **Runtime evidence of accepted patches:** {evidence_counts(report)}",
    ]
    not_attempted = total.found - total.fixed - total.rejected - total.needs_model
    if not_attempted:
        bullets.append(f"- **Not attempted:** {not_attempted} finding(s)")
    runs = report.suite_runs
    full = f"{runs.full} full (the baseline included)"
    bullets.append(f"- **Suite runs:** {full}, {runs.selected} of selected tests")
    bullets.append(f"- **Files skipped:** {len(report.skipped_files)}")
    bullets += [f"  - {md_code(s.path)}: {md_text(s.reason)}" for s in report.skipped_files]
    return "## Summary\n\n" + table + "\n\n" + "\n".join(bullets)


def _findings_by_id(report: RunReport) -> dict[str, Finding]:
    return {f.id: f for f in report.findings}


def _fixes(report: RunReport) -> str:
    if not report.commits:
        return ""
    return "## Fixes\n\n" + "\n\n".join(_fix(report, c) for c in report.commits)


def _fix(report: RunReport, commit: CommitRecord) -> str:
    by_id = _findings_by_id(report)
    rows = [_finding_row(by_id[fid]) for fid in commit.finding_ids if fid in by_id]
    table = md_table(["rule", "CWE", "location", "finding"], rows)
    verdict = verdict_for(report, commit)
    evidence = "Stages passed: unknown (no matching verdict)."
    if verdict is not None:
        passed = [s.stage.value for s in verdict.stages if s.status is StageStatus.PASSED]
        evidence = "Stages passed: " + (", ".join(passed) or "none") + "."
        if verdict.tests_run:
            evidence += f" Tests run: {md_code(verdict.tests_run)}."
        evidence += f" Runtime evidence: {_EVIDENCE[verdict.evidence]}."
        web = [
            s.detail
            for s in verdict.stages
            if s.stage is Stage.APP_SMOKE and s.status is StageStatus.PASSED
        ]
        if web:
            evidence += f" {md_text(web[0][:1].upper() + web[0][1:])}."
    for earlier in earlier_attempts(report, commit):
        evidence += f"\n\nEarlier attempt: {md_text(describe_rejection(earlier))}."
    return f"### {md_text(commit.title)} ({md_code(commit.sha[:12])})\n\n{table}\n\n{evidence}"


def _finding_row(finding: Finding) -> list[str]:
    cwe = f"CWE-{finding.cwe}" if finding.cwe is not None else "-"
    return [md_code(finding.rule), cwe, md_code(finding.location), md_text(finding.message)]


def _rejected(report: RunReport) -> str:
    rejected = rejected_verdicts(report)
    if not rejected:
        return ""
    return "## Rejected\n\n" + "\n\n".join(_rejection(v, report) for v in rejected)


def _rejection(verdict: Verdict, report: RunReport) -> str:
    by_id = _findings_by_id(report)
    failed = verdict.failed_stage
    stage = failed.stage.value if failed else "unknown"
    found = [by_id[i] for i in verdict.patch.finding_ids if i in by_id]
    what = ", ".join(f"{md_code(f.rule)} at {md_code(f.location)}" for f in found)
    text = f"### {md_text(verdict.patch.title)}\n\nFailed at **{stage}** (for {what or 'unknown'})."
    if (later := fixed_later(report, verdict)) is not None:
        by = md_code(verdict.patch.fixer)
        text += f" This attempt was by {by}; then fixed by {md_code(later.sha[:12])}."
    detail = trim_detail(failed.detail) if failed else ""
    return text + ("\n\n" + fenced(detail) if detail else "")


def _needs_model(report: RunReport) -> str:
    intro = (
        "No codemod fixes these; configure a model to let harden try them."
        if report.model is None
        else "No codemod fixes these, and the model's attempts did not produce a fix."
    )
    return _remaining(report, FindingStatus.NEEDS_MODEL, "Needs a model", intro)


def _not_attempted(report: RunReport) -> str:
    intro = "The run stopped before these (finding limit, budget, or the fixer abstained)."
    return _remaining(report, FindingStatus.NOT_ATTEMPTED, "Not attempted", intro)


def _remaining(report: RunReport, status: FindingStatus, heading: str, intro: str) -> str:
    statuses = finding_statuses(report)
    left = [f for f in report.findings if statuses[f.id] is status]
    if not left:
        return ""
    why = {u.finding_id: u.reason for u in report.unfixed}
    rows = [
        [md_code(f.rule), md_code(f.location), md_text(f.message), md_text(why.get(f.id, ""))]
        for f in left
    ]
    header = ["rule", "location", "message", "why"]
    return f"## {heading}\n\n{intro}\n\n" + md_table(header, rows)


def _tests(report: RunReport) -> str:
    if report.test_command is None:
        return "## Tests\n\nNo test command was found; fixes were not checked by tests."
    text = f"## Tests\n\nTest command: {md_code(report.test_command)}"
    if not report.baseline_failures:
        return text + "\n\nNo test was failing at the base commit."
    failing = "\n".join(f"- {md_code(t)}" for t in report.baseline_failures)
    return f"{text}\n\nAlready failing at the base commit (not held against fixes):\n\n{failing}"


def _notes(report: RunReport) -> str:
    if not report.notes:
        return ""
    return "## Notes\n\n" + "\n".join(f"- {md_text(note)}" for note in report.notes)


def _generated_tests(report: RunReport) -> str:
    """The tests priority's section. The testgen package loads the whole test-writing
    machinery, so it is imported only for a report that has generated tests: a rerun
    answered by a finished run shows its report without loading it."""
    if not report.generated_tests:
        return ""
    from agent.testgen.report import generated_tests_section

    return generated_tests_section(report)
