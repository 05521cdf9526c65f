"""agent.git.worktree on real repos: the run's branch in a worktree of its own, its commits
read back from their trailers, and nothing left behind in the user's checkout."""

from __future__ import annotations

from pathlib import Path

from agent.git.repo import open_repo
from agent.git.worktree import (
    WORKTREE_PREFIX,
    Worktree,
    harden_commits,
    remove_stale_worktrees,
    run_branch,
)
from tests.conftest import GitRepo, git

FILES = {"app.py": "import os\n\n\ndef run():\n    return os.getcwd()\n"}
FIX = "Fix run\n\nWhy: it matters.\n\nHarden-Finding: aaaa1111\nHarden-Finding: bbbb2222\n"


def _state(path: Path) -> tuple[str, str, str, bytes]:
    """The user's HEAD, branches, worktrees and index, as git reports them."""
    return (
        git(path, "rev-parse", "HEAD"),
        git(path, "branch", "--list", "--format=%(refname) %(objectname)"),
        git(path, "worktree", "list", "--porcelain"),
        (path / ".git" / "index").read_bytes(),
    )


def test_a_run_worktree_commits_on_its_branch_and_leaves_no_trace(make_repo: GitRepo) -> None:
    path = make_repo(FILES)
    repo = open_repo(path)
    before = _state(path)
    wt = Worktree.create(repo, "harden/security/r1")
    assert wt.path.name.startswith(WORKTREE_PREFIX) and wt.path.parent != path
    (wt.path / "app.py").write_text("def run():\n    return '.'\n")
    sha = wt.commit(["app.py"], FIX)
    (wt.path / "app.py").write_text("rejected patch\n")
    (wt.path / "new_test.py").write_text("rejected test\n")
    wt.reset()
    assert (wt.path / "app.py").read_text() == "def run():\n    return '.'\n"
    assert not (wt.path / "new_test.py").exists()
    assert wt.commit_count() == 1
    [record] = harden_commits(repo, wt.branch)
    assert (record.sha, record.title, record.finding_ids) == (
        sha,
        "Fix run",
        ("aaaa1111", "bbbb2222"),
    )
    wt.remove(keep_branch=True)
    assert not wt.path.exists()
    assert git(path, "rev-parse", "harden/security/r1").strip() == sha
    git(path, "branch", "-D", "harden/security/r1")
    assert _state(path) == before


def test_a_worktree_removed_without_its_branch(make_repo: GitRepo) -> None:
    path = make_repo(FILES)
    repo = open_repo(path)
    before = _state(path)
    wt = Worktree.create(repo, "harden/security/r2")
    wt.remove(keep_branch=False)
    assert not wt.path.exists()
    assert _state(path) == before


def test_resume_attaches_the_branch_and_a_crash_is_cleaned_up(make_repo: GitRepo) -> None:
    path = make_repo(FILES)
    repo = open_repo(path)
    first = Worktree.create(repo, "harden/security/r3")
    (first.path / "app.py").write_text("A = 1\n")
    sha = first.commit(["app.py"], FIX)
    first.remove(keep_branch=True)
    crashed = Worktree.attach(repo, "harden/security/r3").path  # never removed: a crash
    assert git(crashed, "rev-parse", "HEAD").strip() == sha
    assert remove_stale_worktrees(repo) == [crashed.resolve()]
    assert not crashed.exists()
    assert git(path, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_a_branch_of_the_user_that_blocks_the_name_is_worked_around(make_repo: GitRepo) -> None:
    path = make_repo(FILES)
    repo = open_repo(path)
    assert run_branch(repo, "security", "r4") == ("harden/security/r4", None)
    git(path, "branch", "harden/security")
    branch, note = run_branch(repo, "security", "r4")
    assert branch == "harden-security-r4"
    assert note is not None and "harden/security exists" in note
