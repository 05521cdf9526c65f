"""The run's branch name never collides with a branch the user already has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import GitRepo, git
from tests.test_run import APP, TEST, harden


def _branches(repo: Path) -> list[str]:
    return git(repo, "branch", "--format=%(refname:short)").split()


def test_a_normal_run_uses_harden_priority_run_id(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": APP, "tests/test_app.py": TEST})
    report = json.loads(harden(repo, "run", "--json").stdout)
    assert report["branch"] == f"harden/security/{report['run_id']}"
    assert sorted(_branches(repo)) == sorted(["main", report["branch"]])


@pytest.mark.parametrize("blocker", ["harden/security", "harden"])
def test_an_existing_branch_that_blocks_the_name_is_worked_around(
    make_repo: GitRepo, blocker: str
) -> None:
    repo = make_repo({"app.py": APP, "tests/test_app.py": TEST})
    git(repo, "branch", blocker)

    done = harden(repo, "run", "--json")

    assert done.returncode == 0, done.stderr
    assert "cannot lock ref" not in done.stderr
    report = json.loads(done.stdout)
    assert report["branch"] == f"harden-security-{report['run_id']}"
    assert len(report["commits"]) == 2
    assert git(repo, "rev-parse", blocker) == git(repo, "rev-parse", "main")  # untouched
    assert sorted(_branches(repo)) == sorted(["main", blocker, report["branch"]])
    note = f"the branch {blocker} exists, so the fixes are on {report['branch']}"
    assert any(n.startswith(note) for n in report["notes"])
