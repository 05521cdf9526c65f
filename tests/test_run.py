"""The whole run on small real repos: branch, commits, evidence, and the user's state."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import GitRepo, git
from tests.userstate import harden_branches, user_state, worktrees

APP = """\
import yaml


def load(path):
    with open(path) as fh:
        return yaml.load(fh, Loader=yaml.FullLoader)


def parse(text):
    return eval(text)
"""
TEST = """\
from app import load, parse


def test_load(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("a: 1\\n")
    assert load(p) == {"a": 1}


def test_parse():
    assert parse("[1, 2]") == [1, 2]
"""


def harden(repo: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    python = ["--python", sys.executable] if args[0] == "run" else []
    argv = [sys.executable, "-m", "agent", *args, *python, str(repo)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


def test_run_commits_each_fix_and_leaves_the_user_state_alone(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": APP, "tests/test_app.py": TEST})
    (repo / "app.py").write_text(APP + "\n# uncommitted edit\n")
    before = user_state(repo)

    done = harden(repo, "run", "--json")

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert user_state(repo) == before
    assert worktrees(repo) == [str(repo)]
    assert harden_branches(repo) == [report["branch"]]
    log = git(repo, "log", "--format=%s%n%b%n--end--", f"main..{report['branch']}")
    assert log.count("--end--") == 2 == len(report["commits"])
    assert "Harden-Fixer: harden:yaml-safe-load" in log
    assert "Harden-Fixer: harden:eval-literal" in log
    assert "- tests: ok (selected tests (1 of 2 test(s) reach the changed code): 1 passed" in log
    assert "uncommitted changes are not part of the base" in done.stderr
    fixed = git(repo, "show", f"{report['branch']}:app.py")
    assert "yaml.safe_load(fh)" in fixed and "ast.literal_eval(text)" in fixed


def test_run_writes_reports_under_a_self_ignoring_harden_dir(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": APP, "tests/test_app.py": TEST})
    done = harden(repo, "run", "--json")
    run_dir = repo / ".harden" / "runs" / json.loads(done.stdout)["run_id"]
    assert {p.name for p in run_dir.iterdir()} >= {
        "report.json",
        "report.md",
        "findings.sarif",
        "harden.log",
    }
    assert (repo / ".harden" / ".gitignore").read_text().strip().endswith("*")
    assert git(repo, "status", "--porcelain") == ""
    records = [json.loads(line) for line in (run_dir / "harden.log").read_text().splitlines()]
    assert records and all(r["run_id"] == run_dir.name for r in records)
    assert any(r["finding_id"] != "-" for r in records)


def test_a_patch_that_breaks_the_tests_is_rejected_and_not_committed(
    make_repo: GitRepo,
) -> None:
    test = TEST.replace('assert parse("[1, 2]") == [1, 2]', 'assert parse("1 + 1") == 2')
    repo = make_repo({"app.py": APP, "tests/test_app.py": test})
    report = json.loads(harden(repo, "run", "--json").stdout)
    rejected = [v for v in report["verdicts"] if any(s["status"] == "failed" for s in v["stages"])]
    assert len(rejected) == 1
    assert rejected[0]["stages"][-1]["stage"] == "tests"
    assert "test_parse" in rejected[0]["stages"][-1]["detail"]
    branch_app = git(repo, "show", f"{report['branch']}:app.py")
    assert "eval(text)" in branch_app and "safe_load" in branch_app


def test_no_branch_is_left_when_nothing_is_accepted(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": "import hashlib\ntoken = hashlib.md5(b'x')\n"})
    done = harden(repo, "run", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["branch"] is None
    assert harden_branches(repo) == []
    assert worktrees(repo) == [str(repo)]


def test_plan_lists_findings_and_changes_nothing(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": APP, "tests/test_app.py": TEST})
    before = user_state(repo)
    done = harden(repo, "plan", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["rows"]
    assert {(r["finding"]["rule"], r["fixer"]) for r in rows} == {
        ("S506", "harden:yaml-safe-load"),
        ("S307", "harden:eval-literal"),
    }
    assert user_state(repo) == before
    assert not (repo / ".harden").exists()
    assert harden_branches(repo) == []


def test_pointing_at_a_subdirectory_scans_only_that_subdirectory(make_repo: GitRepo) -> None:
    repo = make_repo({"svc/app.py": APP, "other/tool.py": "x = eval('1')\n"})
    rows = json.loads(harden(repo / "svc", "plan", "--json").stdout)["rows"]
    assert {r["finding"]["path"] for r in rows} == {"svc/app.py"}
