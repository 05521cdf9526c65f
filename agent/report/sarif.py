"""A run's findings as SARIF 2.1.0, the format GitHub code scanning uploads.

One SARIF run, one rule per distinct rule id, one result per finding. Each result carries
the finding's stable id as a partial fingerprint (so an alert keeps its identity when
unrelated edits move its line) and what harden did about it under ``properties.harden``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from agent import __version__
from agent.models import Finding, FindingStatus, RunReport, Severity

__all__ = ["FindingStatus", "build_sarif", "finding_statuses"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = "hardenFindingId/v1"

_LEVEL = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
# GitHub reads ``security-severity`` (a number in a string) to rank security alerts.
_SECURITY_SEVERITY = {Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0"}

Json = dict[str, Any]


def finding_statuses(report: RunReport) -> dict[str, FindingStatus]:
    """Each finding id's status: fixed, else rejected, else needs a model, else not attempted."""
    fixed = set(report.fixed_ids)
    rejected = {fid for v in report.verdicts if not v.accepted for fid in v.patch.finding_ids}
    needs_model = set(report.needs_model_ids)
    statuses: dict[str, FindingStatus] = {}
    for finding in report.findings:
        fid = finding.id
        if fid in fixed:
            statuses[fid] = FindingStatus.FIXED
        elif fid in rejected:
            statuses[fid] = FindingStatus.REJECTED
        elif fid in needs_model:
            statuses[fid] = FindingStatus.NEEDS_MODEL
        else:
            statuses[fid] = FindingStatus.NOT_ATTEMPTED
    return statuses


def build_sarif(report: RunReport) -> Json:
    """The SARIF log for ``report``: one run by the harden driver."""
    rules = _rules(report.findings)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    statuses = finding_statuses(report)
    results = [_result(f, index[f.rule], statuses[f.id], report) for f in report.findings]
    driver = {
        "name": "harden",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": rules,
    }
    run: Json = {"tool": {"driver": driver}, "results": results}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _rules(findings: tuple[Finding, ...]) -> list[Json]:
    """One reportingDescriptor per rule id, described by the first finding that has it."""
    first: dict[str, Finding] = {}
    for finding in findings:
        first.setdefault(finding.rule, finding)
    return [_rule(first[rule_id]) for rule_id in sorted(first)]


def _rule(finding: Finding) -> Json:
    tags = ["security"]
    if finding.cwe is not None:
        tags.append(f"external/cwe/cwe-{finding.cwe}")
    rule: Json = {
        "id": finding.rule,
        "shortDescription": {"text": _first_line(finding.message) or finding.rule},
        "defaultConfiguration": {"level": _LEVEL[finding.severity]},
        "properties": {
            "tags": tags,
            "security-severity": _SECURITY_SEVERITY[finding.severity],
        },
    }
    if finding.cwe is not None:
        rule["helpUri"] = f"https://cwe.mitre.org/data/definitions/{finding.cwe}.html"
    return rule


def _result(finding: Finding, rule_index: int, status: FindingStatus, report: RunReport) -> Json:
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.message or finding.rule},
        "locations": [{"physicalLocation": _physical_location(finding)}],
        "partialFingerprints": {FINGERPRINT_KEY: finding.id},
        "properties": {"harden": _harden_properties(finding, status, report)},
    }


def _physical_location(finding: Finding) -> Json:
    region: Json = {
        "startLine": finding.line,
        "endLine": max(finding.end_line, finding.line),
    }
    if finding.column > 0:  # detectors report 1-based columns; 0 means unknown
        region["startColumn"] = finding.column
    if finding.source_line:
        region["snippet"] = {"text": finding.source_line}
    artifact = {"uri": quote(finding.path), "uriBaseId": "%SRCROOT%"}
    return {"artifactLocation": artifact, "region": region}


def _harden_properties(finding: Finding, status: FindingStatus, report: RunReport) -> Json:
    props: Json = {
        "status": status.value,
        "findingId": finding.id,
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        "priority": finding.priority.value,
        "tools": list(finding.tools),
        "aliases": list(finding.aliases),
        "symbol": finding.symbol,
    }
    if status is FindingStatus.FIXED:
        commit = next((c for c in report.commits if finding.id in c.finding_ids), None)
        if commit is not None:
            props["commit"] = commit.sha
    if status is FindingStatus.REJECTED:
        props["failedStages"] = _failed_stages(finding.id, report)
    why = next((u.reason for u in report.unfixed if u.finding_id == finding.id), None)
    if why is not None:
        props["reason"] = why  # why the run left it unfixed
    return props


def _failed_stages(finding_id: str, report: RunReport) -> list[str]:
    """The stage each rejected patch for ``finding_id`` failed at, in run order."""
    failed = (v.failed_stage for v in report.verdicts if finding_id in v.patch.finding_ids)
    return [stage.stage.value for stage in failed if stage is not None]


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
