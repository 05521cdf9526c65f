"""``harden plan`` reads a clean checkout in place, and a copy of the base commit otherwise."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from agent.git.repo import open_repo
from agent.models import Priority
from agent.run.plan_tree import base_tree
from tests.conftest import GitRepo

APP = """\
import subprocess


def run(cmd):
    return subprocess.call(cmd, shell=True)


def calc(text):
    return eval(text)
"""
SECURITY = [Priority.SECURITY]


def test_a_clean_checkout_is_read_in_place(make_repo: GitRepo) -> None:
    root = make_repo({"app.py": APP})
    with open_repo(root) as repo, base_tree(repo, SECURITY) as tree:
        assert tree == repo.root


def test_a_changed_file_gets_a_copy_of_the_commit_removed_after(make_repo: GitRepo) -> None:
    root = make_repo({"app.py": APP})
    (root / "app.py").write_text("x = 1\n", encoding="utf-8")
    with open_repo(root) as repo, base_tree(repo, SECURITY) as tree:
        assert tree != repo.root
        assert (tree / "app.py").read_text(encoding="utf-8") == APP
    assert not tree.exists()
    assert (root / "app.py").read_text(encoding="utf-8") == "x = 1\n"


def test_an_untracked_file_or_the_tests_priority_gets_a_copy(make_repo: GitRepo) -> None:
    root = make_repo({"app.py": APP})
    with open_repo(root) as repo, base_tree(repo, [Priority.TESTS]) as tree:
        assert tree != repo.root
    (root / "new.py").write_text("x = 1\n", encoding="utf-8")
    with open_repo(root) as repo, base_tree(repo, SECURITY) as tree:
        assert tree != repo.root
        assert not (tree / "new.py").exists()


def _plan(root: Path) -> list[Any]:
    argv = [sys.executable, "-m", "agent", "plan", "--priority", "security", "--json", str(root)]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    rows = json.loads(done.stdout)["rows"]
    return [(r["finding"]["id"], r["finding"]["line"], r["action"], r["reason"]) for r in rows]


def test_the_plan_in_place_is_the_plan_of_a_copy(make_repo: GitRepo) -> None:
    root = make_repo({"app.py": APP})
    in_place = _plan(root)
    (root / "notes.txt").write_text("untracked\n", encoding="utf-8")
    copied = _plan(root)
    assert in_place == copied
    assert {row[2] for row in in_place} >= {"codemod patch ready"}
    assert sorted(p.name for p in root.iterdir()) == [".git", "app.py", "notes.txt"]
