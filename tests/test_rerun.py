"""A rerun on an unchanged commit with the same settings runs nothing and names the branch
that holds the result; anything that could change the result runs again.

Real git repos, the real ``harden`` CLI, the repo's own pytest. Every pytest session in
the repo appends a line to a file outside it (its conftest; the sandbox is off so that it
can), which counts the suite runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import GitRepo, commit_all, git

APP = "import hashlib\n\n\ndef digest(data):\n    return hashlib.md5(data).hexdigest()\n"
TEST = "from app import digest\n\n\ndef test_digest():\n    assert len(digest(b'x')) == 32\n"
CONFTEST = (
    "def pytest_sessionstart(session):\n"
    "    with open({where!r}, 'a') as fh:\n"
    "        fh.write('run\\n')\n"
)


@pytest.fixture
def sessions(tmp_path: Path) -> Path:
    return tmp_path / "sessions.txt"


@pytest.fixture
def repo(make_repo: GitRepo, sessions: Path) -> Path:
    return make_repo(
        {
            "app.py": APP,
            "tests/test_app.py": TEST,
            "tests/conftest.py": CONFTEST.format(where=str(sessions)),
        }
    )


def harden(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "agent", "run", "--python", sys.executable, *args, str(repo)]
    env = {**os.environ, "COLUMNS": "300", "HARDEN_SANDBOX": "none"}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900, check=False)
    assert done.returncode == 0, done.stderr
    return done


def branches(repo: Path) -> list[str]:
    return git(repo, "branch", "--list", "harden*", "--format=%(refname:short)").split()


def runs(repo: Path) -> list[str]:
    return sorted(p.name for p in (repo / ".harden" / "runs").iterdir())


def count(sessions: Path) -> int:
    return len(sessions.read_text().splitlines()) if sessions.exists() else 0


def test_a_rerun_runs_nothing_and_names_the_branch_and_report(repo: Path, sessions: Path) -> None:
    first = json.loads(harden(repo, "--json").stdout)
    suites, made = count(sessions), branches(repo)
    assert first["branch"] in made and suites >= 2  # the baseline and the patch's tests
    started = time.monotonic()
    again = harden(repo)
    elapsed = time.monotonic() - started
    report_md = repo / ".harden" / "runs" / first["run_id"] / "report.md"
    assert f"its branch {first['branch']} holds the result" in again.stderr
    assert f"(report: {report_md})" in again.stderr and "--rerun" in again.stderr
    assert count(sessions) == suites and branches(repo) == made
    assert runs(repo) == [first["run_id"]]  # no new run: no scan, no suite, no journal
    assert elapsed < 10, elapsed  # README: under 2 s on an idle machine
    forced = json.loads(harden(repo, "--json", "--rerun").stdout)
    assert forced["run_id"] != first["run_id"] and count(sessions) > suites
    assert sorted(branches(repo)) == sorted([*made, forced["branch"]])


def test_a_deleted_branch_an_interrupted_or_a_failed_run_is_no_answer(repo: Path) -> None:
    first = json.loads(harden(repo, "--json").stdout)
    git(repo, "branch", "-D", first["branch"])
    second = json.loads(harden(repo, "--json").stdout)
    assert second["run_id"] != first["run_id"] and second["branch"] in branches(repo)
    journal = repo / ".harden" / "runs" / second["run_id"] / "journal.jsonl"
    lines = journal.read_text().splitlines()  # as if the run had been killed before its end
    journal.write_text("".join(f"{line}\n" for line in lines if '"end"' not in line))
    third = json.loads(harden(repo, "--json").stdout)
    assert third["run_id"] not in (first["run_id"], second["run_id"])
    assert third["branch"] in branches(repo)
    (repo / ".harden" / "runs" / third["run_id"] / "report.md").unlink()  # as if it failed
    fourth = json.loads(harden(repo, "--json").stdout)
    assert fourth["run_id"] not in (first["run_id"], second["run_id"], third["run_id"])


def test_a_branch_that_no_longer_descends_from_the_commit_is_no_answer(repo: Path) -> None:
    first = json.loads(harden(repo, "--json").stdout)
    git(repo, "checkout", "-q", "--orphan", "elsewhere")
    commit_all(repo, "unrelated history")
    git(repo, "branch", "-f", first["branch"], "elsewhere")
    git(repo, "checkout", "-q", "main")
    second = json.loads(harden(repo, "--json").stdout)
    assert second["run_id"] != first["run_id"]


def test_a_new_commit_or_other_settings_run_again(repo: Path, sessions: Path) -> None:
    first = json.loads(harden(repo, "--json").stdout)
    other = json.loads(harden(repo, "--json", "--max-findings", "5").stdout)
    assert other["run_id"] != first["run_id"]
    (repo / "notes.py").write_text("X = 1\n")
    commit_all(repo, "a new commit")
    suites = count(sessions)
    after = json.loads(harden(repo, "--json").stdout)
    assert after["run_id"] not in (first["run_id"], other["run_id"])
    assert count(sessions) > suites


def test_priority_all_reruns_nothing(repo: Path, sessions: Path) -> None:
    first = harden(repo, "--priority", "all")
    suites, made, done = count(sessions), branches(repo), runs(repo)
    assert len(done) == 6, first.stderr  # one run per priority
    again = harden(repo, "--priority", "all")
    assert count(sessions) == suites and branches(repo) == made and runs(repo) == done
    for branch in made:
        assert f"its branch {branch} holds the result" in again.stderr
    assert again.stderr.count("already done: run ") == 6
