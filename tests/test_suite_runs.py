"""Fewer suite runs (issue 13, item 4): each patch runs the tests that reach it, the branch
runs the full suite once at the end (bisecting to drop a patch that broke it), and an
identical check on the same tree is taken from the verdict cache.

Through the real CLI, on real git repos, with real pytest under coverage.py in the sandbox.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from agent.sandbox.baseline import mapped_baseline
from agent.sandbox.suite import find_suite
from tests.conftest import GitRepo, git

TOKENS = """\
import random


def make_token():
    return "".join(random.choice("abcdef") for _ in range(8))
"""
# Reads tokens' module-level ``random``: runs no line of tokens.py inside its own test.
OTHER = """\
from app import tokens


def roll():
    return tokens.random.randint(1, 6)
"""
CALC = """\
def parse(text):
    return eval(text)


def unused(text):
    return eval(text)
"""
API = """\
from app.calc import parse


def compute(text):
    return parse(text)
"""
TEST_TOKENS = (
    "from app.tokens import make_token\n\n\ndef test_len():\n    assert len(make_token()) == 8\n"
)
TEST_OTHER = "from app.other import roll\n\n\ndef test_roll():\n    assert 1 <= roll() <= 6\n"
TEST_CALC = (
    "from app.calc import parse\n\n\ndef test_list():\n    assert parse('[1, 2]') == [1, 2]\n"
)
# Reaches calc.parse only through api: found by the coverage map, not by imports.
TEST_API = "from app.api import compute\n\n\ndef test_product():\n    assert compute('2*3') == 6\n"


def _harden(repo: Path, *extra: str) -> dict[str, Any]:
    argv = [sys.executable, "-m", "agent", "--priority", "security", "--json", *extra]
    done = subprocess.run(
        [*argv, "--python", sys.executable, str(repo)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _tests_stage(report: dict[str, Any], symbol: str) -> tuple[str, str, str]:
    """(status, detail, tests_run) of the tests stage of the patch fixing ``symbol``."""
    verdict = next(v for v in report["verdicts"] if v["patch"]["title"].endswith(f" {symbol}"))
    stage = next(s for s in verdict["stages"] if s["stage"] == "tests")
    return stage["status"], stage["detail"], verdict["tests_run"]


def _stage(report: dict[str, Any], symbol: str, name: str) -> str:
    verdict = next(v for v in report["verdicts"] if v["patch"]["title"].endswith(f" {symbol}"))
    return str(next(s["status"] for s in verdict["stages"] if s["stage"] == name))


def test_a_patch_breaking_a_test_reached_only_through_the_map_is_rejected_and_cached(
    make_repo: GitRepo,
) -> None:
    files = {"app/__init__.py": "", "app/calc.py": CALC.split("\n\n\n")[0] + "\n"}
    files |= {"app/api.py": API, "tests/test_api.py": TEST_API}
    repo = make_repo({**files, "app/tokens.py": TOKENS, "tests/test_tokens.py": TEST_TOKENS})
    first = _harden(repo)
    status, detail, tests_run = _tests_stage(first, "parse")
    assert status == "failed" and "tests/test_api.py::test_product" in detail
    assert tests_run.startswith("selected tests (1 of 2 test(s)")
    # the tokens patch reaches test_tokens only: one selected run each, and no branch check
    # beyond the one full run at its end
    assert _tests_stage(first, "make_token")[0] == "passed"
    assert first["suite_runs"] == {"full": 2, "selected": 2}

    # the same base tree, the same patches (--rerun: else the finished run answers)
    again = _harden(repo, "--rerun")
    status, detail, _ = _tests_stage(again, "parse")
    assert status == "failed" and "(cached: an identical run on the same tree)" in detail
    assert again["suite_runs"] == {"full": 2, "selected": 0}


def test_the_branch_end_full_run_drops_a_patch_that_broke_an_unselected_test(
    make_repo: GitRepo,
) -> None:
    files = {"app/__init__.py": "", "app/tokens.py": TOKENS, "app/other.py": OTHER}
    files |= {"app/calc.py": CALC, "tests/test_tokens.py": TEST_TOKENS}
    repo = make_repo({**files, "tests/test_other.py": TEST_OTHER, "tests/test_calc.py": TEST_CALC})
    head, before = git(repo, "rev-parse", "HEAD").strip(), (repo / "app/tokens.py").read_text()
    report = _harden(repo)

    assert _tests_stage(report, "parse")[2].startswith("selected tests (1 of 3 test(s)")
    status, detail, tests_run = _tests_stage(report, "unused")  # no test calls it
    assert (status, tests_run) == ("skipped", "")
    assert detail == "no test of the base run reaches the changes in app/calc.py"
    assert _stage(report, "unused", "smoke") == "passed"  # the import smoke still ran
    status, detail, _ = _tests_stage(report, "make_token")
    assert status == "failed" and detail.startswith("full suite at branch end: ")
    assert "tests/test_other.py::test_roll" in detail

    branch = report["branch"]
    titles = git(repo, "log", "--format=%s", f"{head}..{branch}").splitlines()
    assert [c["title"] for c in report["commits"]] == titles[::-1] and len(titles) == 2
    assert all("literal_eval" in t for t in titles)
    assert git(repo, "show", f"{branch}:app/tokens.py").strip() == before.strip()
    assert [c["sha"] for c in report["commits"]][-1] == git(repo, "rev-parse", branch).strip()
    # the user's checkout: same commit, same files, nothing staged or left behind
    assert (
        git(repo, "rev-parse", "HEAD").strip() == head
        and (repo / "app/tokens.py").read_text() == before
    )
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    # baseline, the red head, one bisection step, the green head; the two patches reached
    assert report["suite_runs"] == {"full": 4, "selected": 2}
    markdown = (Path(repo) / ".harden" / "runs" / report["run_id"] / "report.md").read_text()
    assert "**Suite runs:** 4 full (the baseline included), 2 of selected tests" in markdown
    assert any("1 commit(s) dropped" in n for n in report["notes"])


GONE = """\
import importlib.util


def test_a_module_that_is_gone(tmp_path):
    path = tmp_path / "made.py"
    path.write_text("VALUE = 1\\n")
    spec = importlib.util.spec_from_file_location("made", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path.unlink()
    assert module.VALUE == 1
"""


def test_the_map_survives_tests_that_import_files_they_then_remove(make_repo: GitRepo) -> None:
    """coverage.py's report fails on a measured file that is gone (flask's suite does this)."""
    repo = make_repo({"app.py": "def one():\n    return 1\n", "tests/test_gone.py": GONE})
    plan = find_suite(None, sys.executable, ["tests/test_gone.py"])
    base = mapped_baseline(plan, repo, sys.executable, 120, [])
    assert base.coverage is not None and base.run is not None and base.run.passed
    assert base.coverage.contexts["tests/test_gone.py"][11] == {
        "tests/test_gone.py::test_a_module_that_is_gone"
    }
