"""``--since REF``: plan and run scan only the Python files added or modified from REF to
the base commit. Real git repos, ruff, bandit and the real ``harden`` CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent.git.repo import open_repo
from tests.conftest import GitRepo, commit_all, git

OLD = "import pickle\n\n\ndef load(blob):\n    return pickle.loads(blob)\n"
NEW = "def parse(text):\n    return eval(text)\n"
GONE = "import marshal\n\n\ndef load(blob):\n    return marshal.loads(blob)\n"


@pytest.fixture
def repo(make_repo: GitRepo) -> Path:
    """Two commits: the first holds old.py and gone.py, the second adds new.py, changes
    touched.py and deletes gone.py."""
    path = make_repo({"old.py": OLD, "gone.py": GONE, "touched.py": "X = 1\n"})
    (path / "new.py").write_text(NEW, encoding="utf-8")
    (path / "touched.py").write_text("X = 1\n" + NEW.replace("parse", "parse2"), "utf-8")
    (path / "notes.txt").write_text("not python\n", encoding="utf-8")
    (path / "gone.py").unlink()
    commit_all(path, "second")
    return path


def harden(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "agent", *args, str(repo)]
    env = {**os.environ, "COLUMNS": "300"}
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600, check=False)


def paths(plan: dict[str, Any]) -> set[str]:
    return {row["finding"]["path"] for row in plan["rows"]}


def test_changed_files_are_added_and_modified_not_deleted(repo: Path) -> None:
    with open_repo(repo) as opened:
        assert opened.changed_files("HEAD~1") == ["new.py", "notes.txt", "touched.py"]
        assert opened.changed_files("HEAD~1", "HEAD~1") == []
        assert opened.changed_files("HEAD", "HEAD~1") == ["gone.py", "touched.py"]


def test_plan_since_lists_only_findings_in_the_changed_files(repo: Path) -> None:
    everything = json.loads(harden(repo, "plan", "--json").stdout)
    assert paths(everything) == {"old.py", "new.py", "touched.py"}
    done = harden(repo, "plan", "--since", "HEAD~1", "--json")
    assert done.returncode == 0, done.stderr
    assert paths(json.loads(done.stdout)) == {"new.py", "touched.py"}


def test_plan_since_head_scans_nothing_and_succeeds(repo: Path) -> None:
    done = harden(repo, "plan", "--since", "HEAD", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"] == []


@pytest.mark.parametrize("command", ["plan", "run"])
def test_an_unknown_since_is_a_one_line_error(repo: Path, command: str) -> None:
    before = git(repo, "branch", "--list")
    done = harden(repo, command, "--since", "no-such-ref")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"Error: --since 'no-such-ref' names no commit in {repo}"
    ]
    assert git(repo, "branch", "--list") == before


def test_run_since_fixes_only_the_changed_files(repo: Path) -> None:
    done = harden(repo, "run", "--since", "HEAD~1", "--json", "--python", sys.executable)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {f["path"] for f in report["findings"]} == {"new.py", "touched.py"}
    branch = report["branch"]
    changed = git(repo, "diff", "--name-only", f"main..{branch}").split()
    assert changed and set(changed) <= {"new.py", "touched.py"}
