"""``harden review`` on the branch of a real run (builtin engine) and on a hand-made branch:
what it lists, the new branch it writes (keep, drop, squash), the tests it re-runs, its
errors, and that the user's checkout, index, HEAD and other branches are left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import GitRepo, commit_all, git
from tests.test_run import APP, TEST
from tests.userstate import user_state, worktrees

Ran = tuple[Path, dict[str, str]]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HARDEN_", "OPENAI_"))}
    env.pop("ANTHROPIC_API_KEY", None)
    return {**env, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ran]:
    """A repo with two fixable findings, after one real ``harden run`` (two commits)."""
    env = _env(tmp_path_factory.mktemp("home"))
    repo = tmp_path_factory.mktemp("review") / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "app.py").write_text(APP)
    (repo / "tests").mkdir()
    (repo / "tests" / "test_app.py").write_text(TEST)
    commit_all(repo, "initial")
    done = _harden(repo, env, "run", "--python", sys.executable, ".")
    assert done.returncode == 0, done.stderr
    yield repo, env


def _harden(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "agent", *args]
    return subprocess.run(
        argv, cwd=repo, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _review(ran: Ran, *args: str) -> subprocess.CompletedProcess[str]:
    repo, env = ran
    return _harden(repo, env, "review", "--python", sys.executable, *args)


def test_json_lists_each_commit_with_its_finding_rule_cwe_evidence_and_diff(ran: Ran) -> None:
    done = _review(ran, "--json")

    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert listed["branch"].startswith("harden/security/") and listed["written"] is None
    commits = listed["commits"]
    assert [c["number"] for c in commits] == [1, 2]
    assert [c["findings"][0]["rule"] for c in commits] == ["S506", "S307"]
    assert all(c["findings"][0]["cwe"] and c["findings"][0]["severity"] for c in commits)
    assert "Harden-Fixer" in dict(commits[0]["trailers"])
    assert {"stage": "tests", "status": "passed"}.items() <= commits[0]["stages"][-1].items()
    assert "+        return yaml.safe_load(fh)" in commits[0]["diff"]
    assert "+    return ast.literal_eval(text)" in commits[1]["diff"]


def test_keep_writes_the_kept_commit_to_a_new_branch_and_reruns_the_tests(ran: Ran) -> None:
    repo = ran[0]
    before = user_state(repo)
    reviewed = json.loads(_review(ran, "--json").stdout)["branch"]
    tip = git(repo, "rev-parse", reviewed)

    done = _review(ran, "--keep", "2")

    assert done.returncode == 0, done.stderr
    assert f"kept 1 of 2 commit(s) on {reviewed}-reviewed" in done.stdout
    assert "tests passed: 2 passed" in done.stdout
    new = done.stdout.split(" on ", 1)[1].split()[0]
    assert git(repo, "rev-list", "--count", f"main..{new}").strip() == "1"
    message = git(repo, "log", "-1", "--format=%B", new)
    assert "Harden-Rule: S307" in message and "S506" not in message
    assert "yaml.load(fh, Loader" in git(repo, "show", f"{new}:app.py")
    assert git(repo, "rev-parse", reviewed) == tip  # the reviewed branch is untouched
    assert user_state(repo) == before
    assert worktrees(repo) == [str(repo)]


def test_drop_by_rule_as_json_reports_the_branch_and_the_tests(ran: Ran) -> None:
    repo = ran[0]
    done = _review(ran, "--drop", "S307", "--json")

    assert done.returncode == 0, done.stderr
    written = json.loads(done.stdout)["written"]
    assert len(written["commits"]) == 1 and written["tests"]["passed"] is True
    message = git(repo, "log", "-1", "--format=%B", written["branch"])
    assert "Harden-Rule: S506" in message and "S307" not in message


def test_squash_makes_one_commit_with_every_trailer(ran: Ran) -> None:
    repo = ran[0]
    before = user_state(repo)

    done = _review(ran, "--squash", "--json")

    assert done.returncode == 0, done.stderr
    written = json.loads(done.stdout)["written"]
    new = written["branch"]
    assert git(repo, "rev-list", "--count", f"main..{new}").strip() == "1"
    message = git(repo, "log", "-1", "--format=%B", new)
    for trailer in (
        "Harden-Rule: S506",
        "Harden-Rule: S307",
        "Harden-Fixer: harden:yaml-safe-load",
        "Harden-Fixer: harden:eval-literal",
    ):
        assert trailer in message
    assert message.count("Harden-Finding: ") == 2
    fixed = git(repo, "show", f"{new}:app.py")
    assert "yaml.safe_load(fh)" in fixed and "ast.literal_eval(text)" in fixed
    assert written["tests"]["passed"] is True
    assert user_state(repo) == before


def test_pr_body_covers_only_what_is_kept(ran: Ran) -> None:
    done = _review(ran, "--pr-body", "--keep", "1")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# harden: 1 fix(es) on `harden/security/")
    fixes = done.stdout.split("## Fixes", 1)[1].split("\n## ", 1)[0]
    assert "`S506`" in fixes and "`S307`" not in fixes
    assert "review kept 1 of the run's 2 commit(s)" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--keep", "3"], "Error: --keep '3': the branch has commits 1 to 2"),
        (["--keep", "1-x"], "Error: --keep '1-x': write commit numbers like 1,3-5"),
        (["no-such-branch"], "Error: no branch named 'no-such-branch'"),
        (["--drop", "S506,S307"], "Error: nothing kept: the choice drops every commit"),
    ],
)
def test_bad_choices_are_one_line_errors_that_change_nothing(
    ran: Ran, args: list[str], message: str
) -> None:
    repo = ran[0]
    before = user_state(repo)
    branches = git(repo, "branch", "--list")

    done = _review(ran, *args)

    assert done.returncode == 2
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1
    assert git(repo, "branch", "--list") == branches
    assert user_state(repo) == before


def test_a_branch_without_a_run_is_reviewed_from_its_merge_base_and_failing_tests_exit_1(
    make_repo: GitRepo,
) -> None:
    repo = make_repo({"app.py": "def f():\n    return 1\n", "test_app.py": _TEST_F % 1})
    git(repo, "checkout", "-q", "-b", "fixes")
    (repo / "app.py").write_text("def f():\n    return 2\n")
    commit_all(repo, "f returns 2")
    (repo / "test_app.py").write_text(_TEST_F % 2)
    commit_all(repo, "expect 2")
    git(repo, "checkout", "-q", "main")
    env = _env(repo.parent / "home")

    done = _harden(repo, env, "review", "fixes", "--keep", "1", "--python", sys.executable)

    assert done.returncode == 1, done.stderr
    assert "kept 1 of 2 commit(s) on fixes-reviewed" in done.stdout
    assert "tests FAILED: 1 failed" in done.stdout
    assert git(repo, "rev-list", "--count", "main..fixes-reviewed").strip() == "1"
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"


_TEST_F = "from app import f\n\n\ndef test_f():\n    assert f() == %d\n"


def test_a_kept_commit_that_needs_a_dropped_one_is_an_error_and_no_branch(
    make_repo: GitRepo,
) -> None:
    repo = make_repo({"app.py": "def f():\n    return 1\n"})
    git(repo, "checkout", "-q", "-b", "fixes")
    for n in (2, 3):
        (repo / "app.py").write_text(f"def f():\n    return {n}\n")
        commit_all(repo, f"f returns {n}")
    git(repo, "checkout", "-q", "main")
    before = user_state(repo)

    done = _harden(repo, _env(repo.parent / "home"), "review", "fixes", "--keep", "2")

    assert done.returncode == 2
    assert done.stderr == (
        "Error: commit 2 (" + git(repo, "rev-parse", "--short=12", "fixes").strip()
        + ") does not apply without the commits dropped before it; keep those too\n"
    )  # fmt: skip
    assert git(repo, "branch", "--list", "fixes-*") == ""
    assert worktrees(repo) == [str(repo)]
    assert user_state(repo) == before


def test_keeping_every_commit_unsquashed_writes_no_branch(ran: Ran) -> None:
    repo = ran[0]
    branches = git(repo, "branch", "--list")

    done = _review(ran, "--keep", "1-2", "--json")

    assert done.returncode == 0, done.stderr
    assert "every commit kept" in done.stderr and "nothing written" in done.stderr
    assert json.loads(done.stdout)["written"] is None
    assert git(repo, "branch", "--list") == branches
