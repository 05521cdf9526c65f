"""Issue 15 §2, first "Done when" bullet: a web app with no tests is requested, base vs patch.

Through the real ``harden`` CLI, the real openai SDK and the fake server (tests/fakellm.py),
on a small Flask app with no tests (tests/webapp_corpus.py): model patches that pass every
static stage and the import smoke but break the app when it is requested (CSRF protection
that refuses the login form, ``?`` placeholders for a driver that takes ``%s``, a helper
that recurses forever when called, a mangled ``not x in y`` check) are rejected at the
app-smoke stage, with the checkout untouched; an honest patch lands with runtime evidence
``smoke`` and the report names the routes that were requested.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.fakellm import Computed, FakeLLM, Reply
from tests.secret_corpus import ABSTAIN
from tests.trust_harness import git, init_repo, run_harden
from tests.userstate import user_state
from tests.webapp_corpus import APP, BREAKAGES, FILES, HONEST, fix


def _answer(function: str, edits: list[dict[str, str]]) -> Computed:
    """The fix when the request is about ``function``'s finding; an abstention otherwise."""

    def make(body: Any) -> Reply:
        about = f"def {function}(" in json.dumps(body)
        return Reply(fix(edits) if about else ABSTAIN)

    return Computed(make)


def _run(tmp: Path, function: str, edits: list[dict[str, str]]) -> tuple[Path, dict[str, Any]]:
    repo = init_repo(tmp / "repo", FILES)
    before = user_state(repo)
    with FakeLLM() as llm:
        llm.script(*[_answer(function, edits)] * 6)
        done = run_harden(repo, llm, tmp)
    assert done.returncode == 0, done.stderr
    assert done.report is not None
    assert user_state(repo) == before  # the checkout, index and branch as they were
    return repo, done.report


def _model_verdicts(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The verdicts on the model's patches (a rejected one is retried once, the same way)."""
    return [v for v in report["verdicts"] if v["patch"]["model"] and v["patch"]["edits"]]


@pytest.mark.parametrize("kind", list(BREAKAGES))
def test_a_patch_that_breaks_a_route_is_rejected_at_the_web_smoke_stage(
    kind: str, tmp_path: Path
) -> None:
    function, edits, why = BREAKAGES[kind]
    repo, report = _run(tmp_path, function, edits)
    verdicts = _model_verdicts(report)
    assert len(verdicts) == 2  # the patch, and the retry that made the same mistake
    for verdict in verdicts:
        failed = verdict["stages"][-1]
        passed = {s["stage"] for s in verdict["stages"][:-1] if s["status"] == "passed"}
        assert {"applies", "scope", "parses", "lint", "finding-gone", "smoke"} <= passed
        assert failed["stage"] == "app-smoke" and failed["status"] == "failed"
        assert re.fullmatch(rf"web smoke: {re.escape(why)} \(\d+\.\ds\)", failed["detail"])
    assert git(repo, "show", "main:app.py") == APP
    assert (repo / "app.py").read_text(encoding="utf-8") == APP
    assert report["branch"] is None and report["commits"] == []


def test_an_honest_patch_lands_with_web_smoke_evidence(tmp_path: Path) -> None:
    function, edits = HONEST
    repo, report = _run(tmp_path, function, edits)
    (verdict,) = _model_verdicts(report)
    assert verdict["evidence"] == "smoke"
    web = next(s for s in verdict["stages"] if s["stage"] == "app-smoke")
    assert web["status"] == "passed"
    assert web["detail"].startswith("web smoke: 6 request(s) to app.login answer as on the base")
    branch = report["branch"]
    assert "hashlib.sha256(password.encode())" in git(repo, "show", f"{branch}:app.py")
    md = (repo / ".harden" / "runs" / report["run_id"] / "report.md").read_text()
    assert "Web smoke: 6 request(s) to app.login answer as on the base" in md
    assert "Runtime evidence: smoke" in md
