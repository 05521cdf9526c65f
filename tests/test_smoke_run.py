"""Issue 15 §1 and §4: an app with no tests is still run, by the import smoke.

Through the real ``harden`` CLI, the real openai SDK and the fake server (tests/fakellm.py):
model patches that pass every static stage but break the app at import (a module that is
not installed, an import-order NameError, infinite recursion) are rejected at the smoke
stage, and the checkout is untouched; an honest patch lands with runtime evidence
``smoke``. On the bundled example with its tests removed, the offline run still accepts
its codemod fixes, and every accepted patch has runtime evidence.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import commit_all
from tests.fakellm import FakeLLM, Reply
from tests.secret_corpus import ABSTAIN
from tests.trust_harness import git, init_repo, run_harden
from tests.userstate import user_state

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
APP = '''"""Accounts."""

import pickle

DEFAULT = None


def load_account(blob):
    """An account; an empty blob is none."""
    return pickle.loads(blob) if blob else DEFAULT
'''
PICKLE_LINE = "    return pickle.loads(blob) if blob else DEFAULT\n"
IMPORT = {"path": "app.py", "search": "import pickle\n", "replace": "import json\n"}
BREAKAGES: dict[str, tuple[list[dict[str, str]], str]] = {
    "missing module": (
        [
            {"path": "app.py", "search": "import pickle\n", "replace": "import orjson_compat\n"},
            {
                "path": "app.py",
                "search": PICKLE_LINE,
                "replace": "    return orjson_compat.loads(blob) if blob else DEFAULT\n",
            },
        ],
        "ModuleNotFoundError: No module named 'orjson_compat'",
    ),
    "import-time NameError": (
        [
            IMPORT,
            {
                "path": "app.py",
                "search": PICKLE_LINE,
                "replace": "    return _parse(blob) if blob else DEFAULT\n\n\n"
                'DEFAULT = load_account(b"null")\n\n\n'
                "def _parse(blob):\n    return json.loads(blob)\n",
            },
        ],
        "NameError: name '_parse' is not defined",
    ),
    "infinite recursion": (
        [
            IMPORT,
            {
                "path": "app.py",
                "search": PICKLE_LINE,
                "replace": "    return _loads(blob) if blob else DEFAULT\n\n\n"
                'def _loads(blob):\n    """JSON, never pickle."""\n'
                "    return json.loads(blob) if isinstance(blob, str) else _loads(blob)\n\n\n"
                'DEFAULT = _loads(b"null")\n',
            },
        ],
        "RecursionError: maximum recursion depth exceeded",
    ),
}
HONEST = [
    IMPORT,
    {
        "path": "app.py",
        "search": PICKLE_LINE,
        "replace": "    return json.loads(blob) if blob else DEFAULT\n",
    },
]


def _fix(edits: list[dict[str, str]]) -> dict[str, Any]:
    return {
        **ABSTAIN,
        "decision": "fix",
        "title": "Parse accounts as JSON",
        "rationale": "pickle runs code.",
        "risk": "low",
        "edits": edits,
        "new_test_file": None,
    }


def _run(tmp: Path, edits: list[dict[str, str]]) -> tuple[Path, dict[str, Any], dict[str, str]]:
    repo = init_repo(tmp / "repo", {"app.py": APP})
    before = user_state(repo)
    with FakeLLM() as llm:
        llm.script(Reply(_fix(edits)), *[Reply(ABSTAIN)] * 4)
        done = run_harden(repo, llm, tmp)
    assert done.returncode == 0, done.stderr
    assert done.report is not None
    assert user_state(repo) == before  # the checkout, index and branch as they were
    return repo, done.report, before


@pytest.mark.parametrize("kind", list(BREAKAGES))
def test_a_patch_that_breaks_the_import_is_rejected_at_the_smoke_stage(
    kind: str, tmp_path: Path
) -> None:
    edits, error = BREAKAGES[kind]
    repo, report, _ = _run(tmp_path, edits)
    assert report["branch"] is None and report["commits"] == []
    (verdict,) = [v for v in report["verdicts"] if v["patch"]["model"]]
    failed = verdict["stages"][-1]
    passed = {s["stage"] for s in verdict["stages"][:-1] if s["status"] == "passed"}
    assert {"applies", "scope", "parses", "lint", "finding-gone"} <= passed  # static: fine
    assert failed["stage"] == "smoke" and failed["status"] == "failed"
    assert failed["detail"].startswith("app imported on the base and fails with the patch: ")
    assert error in failed["detail"]
    assert git(repo, "show", "main:app.py") == APP
    assert (repo / "app.py").read_text(encoding="utf-8") == APP
    assert not list(repo.glob("*.db")) and git(repo, "branch", "--list", "harden/*") == ""


def test_an_honest_patch_lands_with_runtime_evidence_smoke(tmp_path: Path) -> None:
    repo, report, _ = _run(tmp_path, HONEST)
    (verdict,) = report["verdicts"]
    assert verdict["evidence"] == "smoke"
    smoke = next(s for s in verdict["stages"] if s["stage"] == "smoke")
    assert smoke["status"] == "passed" and smoke["detail"].startswith("app import(s) as on")
    tests = next(s for s in verdict["stages"] if s["stage"] == "tests")
    assert tests["status"] == "skipped"
    branch = report["branch"]
    assert "json.loads(blob)" in git(repo, "show", f"{branch}:app.py")
    md = (repo / ".harden" / "runs" / report["run_id"] / "report.md").read_text()
    assert "Runtime evidence: smoke" in md
    assert "**Accepted on static evidence only:** 0 patch(es)" in md


def test_the_example_without_tests_still_gets_its_fixes_each_with_runtime_evidence(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "notes"
    shutil.copytree(EXAMPLES, repo, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    shutil.rmtree(repo / "tests")
    (repo / "pytest.ini").unlink()
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "example without tests")
    before = user_state(repo)
    argv = [sys.executable, "-m", "agent", "--priority", "security", "--json"]
    argv += ["--python", sys.executable, str(repo)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr
    assert user_state(repo) == before
    report = json.loads(done.stdout)
    assert report["test_command"] is None
    assert len(report["commits"]) >= 10
    accepted = [v for v in report["verdicts"] if all(s["status"] != "failed" for s in v["stages"])]
    assert len(accepted) == len(report["commits"])
    assert {v["evidence"] for v in accepted} == {"smoke"}, [
        (v["patch"]["title"], v["stages"]) for v in accepted if v["evidence"] != "smoke"
    ]
    md = (repo / ".harden" / "runs" / report["run_id"] / "report.md").read_text()
    assert "**Accepted on static evidence only:** 0 patch(es)" in md
