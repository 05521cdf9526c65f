"""The commit message of an accepted fix, read back by git itself."""

from __future__ import annotations

import subprocess
from pathlib import Path

from agent.models import (
    Confidence,
    FileEdit,
    Finding,
    Patch,
    Priority,
    Severity,
    Stage,
    StageResult,
    StageStatus,
    Verdict,
)
from agent.run.commit_message import commit_message


def _finding(fid: str, rule: str, line: int) -> Finding:
    return Finding(
        id=fid,
        rule=rule,
        aliases=(rule.replace("S", "B"),),
        tools=("ruff", "bandit"),
        message="Probable use of unsafe loader",
        cwe=20,
        severity=Severity.MEDIUM,
        confidence=Confidence.HIGH,
        priority=Priority.SECURITY,
        path="app.py",
        line=line,
        end_line=line,
        symbol="load",
    )


FINDINGS = [
    _finding("aaaa11112222", "S506", 5),
    _finding("bbbb33334444", "S506", 9),
    _finding("cccc55556666", "S307", 12),  # not claimed by the patch
]
STAGES = (
    StageResult(stage=Stage.APPLIES, status=StageStatus.PASSED, detail="1 file(s)"),
    StageResult(stage=Stage.SCOPE, status=StageStatus.PASSED, detail="app.py"),
    StageResult(stage=Stage.PARSES, status=StageStatus.PASSED),
    StageResult(stage=Stage.LINT, status=StageStatus.PASSED, detail="no new ruff F errors"),
    StageResult(stage=Stage.FINDING_GONE, status=StageStatus.PASSED, detail="2 gone"),
    StageResult(stage=Stage.DEPENDENCIES, status=StageStatus.SKIPPED, detail="no new dependency"),
    StageResult(
        stage=Stage.SMOKE, status=StageStatus.PASSED, detail="app import(s) as on the base"
    ),
    StageResult(stage=Stage.APP_SMOKE, status=StageStatus.SKIPPED, detail="no route reached"),
    StageResult(
        stage=Stage.CHARACTERIZATION,
        status=StageStatus.SKIPPED,
        detail="no characterization test pins the code it changes",
    ),
    StageResult(stage=Stage.GENERATED_TEST, status=StageStatus.SKIPPED, detail="none"),
    StageResult(stage=Stage.TESTS, status=StageStatus.PASSED, detail="3 passed in 0.1s\nmore"),
)
VERDICT = Verdict(
    patch=Patch(
        finding_ids=("aaaa11112222", "bbbb33334444"),
        fixer="codemod:yaml-load",
        title="Load YAML with yaml.safe_load",
        rationale="yaml.load can build arbitrary Python objects from the input.",
        edits=(FileEdit(path="app.py", before="a\n", after="b\n"),),
        cost_usd=0.01234,
    ),
    stages=STAGES,
    tests_run="python -m pytest -q: 0 in 0.4s",
)
TRAILERS = [
    "Harden-Finding: aaaa11112222",
    "Harden-Finding: bbbb33334444",
    "Harden-Rule: S506",
    "Harden-Fixer: codemod:yaml-load",
    "Harden-Cost-USD: 0.0123",
]


def test_message_layout() -> None:
    message = commit_message(VERDICT, FINDINGS)
    paragraphs = message.rstrip("\n").split("\n\n")
    assert paragraphs[0] == "Load YAML with yaml.safe_load"
    assert paragraphs[-1].splitlines() == TRAILERS
    assert "yaml.load can build arbitrary Python objects" in message
    assert "- S506 CWE-20 (medium) app.py:5 in load: Probable use of unsafe loader" in message
    assert "app.py:9" in message
    assert "cccc55556666" not in message
    assert "S307" not in message
    for stage in Stage:
        assert f"- {stage.value}: " in message
    assert "- tests: ok (3 passed in 0.1s)" in message  # only the detail's first line
    assert "- dependencies: skipped (no new dependency)" in message
    assert "- parses: ok\n" in message
    assert "Tests run: python -m pytest -q: 0 in 0.4s" in message


def test_git_reads_the_trailers(tmp_path: Path) -> None:
    done = subprocess.run(
        ["git", "interpret-trailers", "--parse"],
        input=commit_message(VERDICT, FINDINGS),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.splitlines() == TRAILERS
