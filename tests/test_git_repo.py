"""agent.git.repo.Repo on real git repositories: refs, files, commits with trailers, branches,
diffs, and the safety of how it runs git (no hooks, no prompts, the user's index untouched).

The git command line in these tests is the independent witness: what Repo says is checked
against what git itself prints.
"""

from __future__ import annotations

import ast
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from agent.errors import NotARepoError, ToolError
from agent.git.records import Identity
from agent.git.repo import Repo, create_repo, open_repo
from tests.conftest import GitRepo, commit_all, git

FILES = {"app.py": "def run():\n    return 1\n", "pkg/util.py": "X = 1\n", "README.md": "hi\n"}


def test_refs_and_files_at_a_commit_match_git(make_repo: GitRepo) -> None:
    path = make_repo(FILES)
    (path / "app.py").write_text("def run():\n    return 2\n")  # the working tree differs
    (path / "blob.bin").write_bytes(b"\xff\xfe\x00")
    commit_all(path, "second")
    repo = open_repo(path)
    first = git(path, "rev-parse", "HEAD~1").strip()
    assert repo.head() == repo.base_commit == git(path, "rev-parse", "HEAD").strip()
    assert repo.resolve("HEAD~1") == first
    assert repo.resolve("no-such-ref") is None
    listed = git(path, "ls-tree", "-r", "--name-only", first).splitlines()
    assert repo.tracked_files(first) == listed == ["README.md", "app.py", "pkg/util.py"]
    assert repo.read_text(first, "app.py") == "def run():\n    return 1\n"
    assert repo.read_text(repo.base_commit, "app.py") == "def run():\n    return 2\n"
    assert repo.read_text(first, "blob.bin") is None  # not there yet
    assert repo.read_text(repo.base_commit, "blob.bin") is None  # not text
    assert repo.read_text(first, "pkg") is None  # a folder


def test_open_repo_refuses_what_is_not_a_repo_with_a_commit(tmp_path: Path) -> None:
    with pytest.raises(NotARepoError, match="path does not exist"):
        open_repo(tmp_path / "missing")
    with pytest.raises(NotARepoError, match="not a git repository"):
        open_repo(tmp_path)
    git(tmp_path, "init", "-q")
    with pytest.raises(NotARepoError, match="has no commits yet"):
        open_repo(tmp_path)


def test_a_subfolder_is_the_scope(make_repo: GitRepo) -> None:
    repo = open_repo(make_repo(FILES) / "pkg")
    assert repo.subdir == "pkg"
    assert repo.files_in_scope() == ["pkg/util.py"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the repo another owner")
def test_a_repo_git_calls_dubious_is_not_opened(make_repo: GitRepo) -> None:
    path = make_repo(FILES)
    for folder, _, files in os.walk(path):
        for name in [folder, *(os.path.join(folder, f) for f in files)]:
            os.chown(name, 12345, 12345)
    with pytest.raises(NotARepoError, match="not a git repository"):
        open_repo(path)


def test_commit_with_trailers_reads_back_as_git_parses_them(make_repo: GitRepo) -> None:
    path = make_repo(FILES)
    repo = open_repo(path)
    (path / "app.py").write_text("def run():\n    return 3\n")
    (path / "README.md").write_text("not staged\n")
    trailers = [
        ("Harden-Finding", "abc123"),
        ("Harden-Finding", "def456"),
        ("Harden-Cost-USD", "0"),
    ]
    sha = repo.commit("Fix run\n\nWhy: because.", ["app.py"], trailers=trailers)
    assert sha == git(path, "rev-parse", "HEAD").strip()
    shown = git(path, "show", "-s", "--format=%(trailers:only,unfold)", sha).strip()
    assert shown.splitlines() == [f"{k}: {v}" for k, v in trailers]
    assert git(path, "status", "--porcelain").strip() == "M README.md"  # only app.py committed
    [commit] = repo.log(repo.base_commit, "main")
    assert (commit.sha, commit.title) == (sha, "Fix run")
    assert commit.trailers == tuple(trailers)
    assert commit.trailer_values("harden-finding") == ("abc123", "def456")
    assert repo.count_commits(repo.base_commit, "main") == 1
    with pytest.raises(ValueError, match="not a trailer"):
        repo.commit("x", ["app.py"], trailers=[("Bad Key", "v")])


def test_commit_identity_is_the_users_else_harden(make_repo: GitRepo) -> None:
    path = make_repo(FILES)
    repo = open_repo(path)
    (path / "app.py").write_text("A = 1\n")
    repo.commit("no identity configured", ["app.py"])
    assert (
        git(path, "log", "-1", "--format=%an <%ae>|%cn").strip()
        == "harden <harden@localhost>|harden"
    )
    git(path, "config", "user.name", "Ada")
    (path / "app.py").write_text("A = 2\n")
    repo.commit("the user's name", ["app.py"])
    assert git(path, "log", "-1", "--format=%an <%ae>").strip() == "Ada <harden@localhost>"
    (path / "app.py").write_text("A = 3\n")
    repo.commit("given", ["app.py"], identity=Identity("eval", "eval@example.invalid"))
    assert git(path, "log", "-1", "--format=%an <%ae>").strip() == "eval <eval@example.invalid>"


def test_branches_are_created_found_and_deleted(make_repo: GitRepo) -> None:
    path = make_repo(FILES)
    repo = open_repo(path)
    repo.create_branch("harden/security/r1", repo.base_commit)
    assert git(path, "rev-parse", "harden/security/r1").strip() == repo.base_commit
    assert repo.branch_exists("harden/security/r1")
    assert not repo.branch_exists("harden")  # a folder of refs, not a branch
    assert not repo.branch_exists("harden/security/r2")
    with pytest.raises(ToolError, match="already exists"):
        repo.create_branch("harden/security/r1", repo.base_commit)
    repo.delete_branch("harden/security/r1")
    assert git(path, "branch", "--list", "harden/*").strip() == ""
    assert git(path, "branch", "--show-current").strip() == "main"


def test_diffs_between_commits_and_of_a_worktree(make_repo: GitRepo) -> None:
    path = make_repo(FILES)
    repo = open_repo(path)
    git(path, "checkout", "-q", "-b", "work")
    (path / "app.py").write_text("def run():\n    return 2\n")
    (path / "pkg" / "util.py").unlink()
    (path / "new.py").write_text("N = 1\n")
    (path / "README.md").write_text("changed\n")
    commit_all(path, "work")
    git(path, "checkout", "-q", "main")
    diffs = {d.path: d for d in repo.diff(repo.base_commit, "work", paths=["*.py"], context=0)}
    assert set(diffs) == {"app.py", "pkg/util.py", "new.py"}
    assert diffs["app.py"].hunks.splitlines() == [
        "@@ -2 +2 @@ def run():",
        "-    return 1",
        "+    return 2",
    ]
    assert (diffs["new.py"].old_path, diffs["new.py"].new_path) == (None, "new.py")
    assert (diffs["pkg/util.py"].old_path, diffs["pkg/util.py"].new_path) == ("pkg/util.py", None)
    names = git(path, "diff", "--name-only", repo.base_commit, "work").split()
    assert repo.changed_paths(repo.base_commit, "work") == sorted(names)
    (path / "app.py").write_text("def run():\n    return 9\n")  # the working tree of main
    [edit] = repo.diff(repo.base_commit)
    assert edit.path == "app.py" and "+    return 9" in edit.hunks
    assert repo.changed_paths("HEAD") == ["app.py"]


def test_a_worktree_added_and_removed_leaves_no_trace(make_repo: GitRepo, tmp_path: Path) -> None:
    path = make_repo(FILES)
    repo = open_repo(path)
    before = _user_state(path)
    where = tmp_path / "wt"
    repo.add_worktree(where, repo.base_commit, new_branch="harden/tests/r1")
    assert (where / "app.py").read_text() == FILES["app.py"]
    assert repo.worktrees() == [path.resolve(), where.resolve()]
    with Repo(where, repo.base_commit) as inside:
        (where / "app.py").write_text("def run():\n    return 5\n")
        sha = inside.commit("Fix", ["app.py"])
        (where / "stray.py").write_text("junk\n")
        inside.discard_changes()
    assert not (where / "stray.py").exists()
    assert git(path, "rev-parse", "harden/tests/r1").strip() == sha
    repo.remove_worktree(where)
    repo.prune_worktrees()
    repo.delete_branch("harden/tests/r1")
    assert not where.exists()
    assert repo.worktrees() == [path.resolve()]
    assert _user_state(path) == before


def test_a_worktree_at_a_branch_or_detached(make_repo: GitRepo, tmp_path: Path) -> None:
    path = make_repo(FILES)
    repo = open_repo(path)
    repo.create_branch("fixes", repo.base_commit)
    repo.add_worktree(tmp_path / "on-branch", "fixes")
    repo.add_worktree(tmp_path / "detached", repo.base_commit)
    assert git(tmp_path / "on-branch", "branch", "--show-current").strip() == "fixes"
    assert git(tmp_path / "detached", "branch", "--show-current").strip() == ""
    with pytest.raises(ToolError) as caught:
        repo.add_worktree(tmp_path / "again", "fixes")  # a branch is checked out once
    where = tmp_path / "on-branch"
    assert (
        caught.value.message
        == f"git worktree failed: fatal: 'fixes' is already checked out at '{where}'"
    )


def test_no_hook_of_the_repo_runs(make_repo: GitRepo, tmp_path: Path) -> None:
    path = make_repo(FILES)
    marker = tmp_path / "hooks-ran"
    hooks = path / ".git" / "hooks"
    for name in (
        "post-checkout",
        "pre-commit",
        "commit-msg",
        "post-commit",
        "reference-transaction",
    ):
        hook = hooks / name
        hook.write_text(f"#!/bin/sh\necho {name} >> {marker}\n")
        hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    repo = open_repo(path)
    repo.add_worktree(tmp_path / "wt", repo.base_commit, new_branch="b")
    (tmp_path / "wt" / "app.py").write_text("A = 1\n")
    Repo(tmp_path / "wt", repo.base_commit).commit("hooked?", ["app.py"])
    repo.remove_worktree(tmp_path / "wt")
    repo.delete_branch("b")
    assert not marker.exists(), marker.read_text()
    git(
        path,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@x.invalid",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "w",
    )
    assert marker.read_text().split() == [
        "pre-commit",
        "commit-msg",
        "reference-transaction",
        "reference-transaction",
        "post-commit",
    ]  # plain git runs them
    assert marker.exists()


def test_git_runs_without_prompts_or_optional_locks(make_repo: GitRepo, tmp_path: Path) -> None:
    path = make_repo(FILES)
    seen = tmp_path / "env.txt"
    git(path, "config", "filter.dump.clean", f"env > {seen}; cat")  # run by `git add`
    (path / ".gitattributes").write_text("*.py filter=dump\n")
    (path / "app.py").write_text("A = 1\n")
    open_repo(path).commit("filtered", [".gitattributes", "app.py"])
    env = seen.read_text().splitlines()
    assert "GIT_TERMINAL_PROMPT=0" in env
    assert "GIT_OPTIONAL_LOCKS=0" in env


def test_reading_the_status_never_rewrites_the_users_index(make_repo: GitRepo) -> None:
    path = make_repo(FILES)
    index = path / ".git" / "index"
    os.utime(path / "app.py", (1, 1))  # stale stat data: `git status` would refresh the index
    before = index.read_bytes()
    assert open_repo(path).has_uncommitted_changes() is False
    assert index.read_bytes() == before


def test_create_repo_commits_all_but_the_excluded(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("A = 1\n")
    (tmp_path / ".hidden_tests").mkdir()
    (tmp_path / ".hidden_tests" / "test_x.py").write_text("X = 1\n")
    repo = create_repo(
        tmp_path, "eval case", Identity("eval", "e@x.invalid"), exclude=[".hidden_tests/"]
    )
    assert repo.tracked_files() == ["app.py"]
    assert git(tmp_path, "log", "--format=%an|%s|%D").strip() == "eval|eval case|HEAD -> main"
    assert repo.has_uncommitted_changes() is False


def test_without_git_on_path_the_cli_says_so_in_one_line(make_repo: GitRepo) -> None:
    path = make_repo(FILES)
    harden = Path(sys.executable).parent / "harden"
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    assert shutil.which("git", path=env["PATH"]) is None
    done = subprocess.run(
        [str(harden), "plan", str(path)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert done.stderr.strip() == "Error: git is not installed or not on PATH"


def test_no_module_runs_git_by_hand() -> None:
    """Git runs through Repo (GitPython) only: no module builds a git argv."""
    agent = Path(__file__).resolve().parent.parent / "agent"
    users = {p.relative_to(agent).as_posix() for p in agent.rglob("*.py") if _runs_git(p)}
    assert users == set()


def _runs_git(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        imported = isinstance(node, ast.ImportFrom) and node.module in _WRAPPER_HOMES
        if imported and any(a.name == "git" for a in node.names):  # type: ignore[attr-defined]
            return True
        if isinstance(node, ast.List | ast.Tuple) and node.elts:
            first = node.elts[0]
            if isinstance(first, ast.Constant) and first.value == "git":
                return True
    return False


_WRAPPER_HOMES = {"agent.git.repo"}


def _user_state(path: Path) -> tuple[str, str, bytes]:
    """The user's HEAD, branch list and index, as git records them."""
    branches = git(path, "branch", "--list", "--format=%(refname) %(objectname)")
    return git(path, "rev-parse", "HEAD"), branches, (path / ".git" / "index").read_bytes()


def test_cherry_pick_squash_and_merge_base(make_repo: GitRepo, tmp_path: Path) -> None:
    path = make_repo(FILES)
    base = git(path, "rev-parse", "HEAD").strip()
    git(path, "checkout", "-q", "-b", "fixes")
    picks = []
    for n in (2, 3):
        (path / "app.py").write_text(f"def run():\n    return {n}\n")
        commit_all(path, f"return {n}\n\nHarden-Rule: R{n}")
        picks.append(git(path, "rev-parse", "HEAD").strip())
    git(path, "checkout", "-q", "main")
    repo = open_repo(path)
    assert repo.merge_base("fixes", "main") == base
    assert "Harden-Rule: R2" in repo.message(picks[0])
    repo.add_worktree(tmp_path / "wt", base, new_branch="picked")
    wt = Repo(tmp_path / "wt", base)

    first = wt.cherry_pick(picks[0])
    assert repo.log(base, "picked")[0].trailers == (("Harden-Rule", "R2"),)
    wt.cherry_pick(picks[1])
    squashed = wt.squash(base, "both", [("Harden-Rule", "R2"), ("Harden-Rule", "R3")])

    assert first != picks[0]
    assert [c.sha for c in repo.log(base, "picked")] == [squashed]
    assert repo.log(base, "picked")[0].trailer_values("Harden-Rule") == ("R2", "R3")
    assert repo.read_text(squashed, "app.py") == "def run():\n    return 3\n"
    assert git(path, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"


def test_a_cherry_pick_that_conflicts_is_a_tool_error(make_repo: GitRepo, tmp_path: Path) -> None:
    path = make_repo(FILES)
    base = git(path, "rev-parse", "HEAD").strip()
    git(path, "checkout", "-q", "-b", "fixes")
    for n in (2, 3):
        (path / "app.py").write_text(f"def run():\n    return {n}\n")
        commit_all(path, f"return {n}")
    repo = open_repo(path)
    repo.add_worktree(tmp_path / "wt", base, new_branch="picked")

    with pytest.raises(ToolError, match="cherry-pick"):
        Repo(tmp_path / "wt", base).cherry_pick("fixes")


def test_tracked_files_keep_odd_names_and_list_a_submodule(make_repo: GitRepo) -> None:
    names = ["a b.py", "tab\there.py", "new\nline.py", "ünï/cödé.py", "deep/er/x.py"]
    path = make_repo({name: "X = 1\n" for name in names})
    sub = git(path, "rev-parse", "HEAD").strip()
    git(path, "update-index", "--add", "--cacheinfo", f"160000,{sub},vendor/lib")
    git(path, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "sub")
    listed = git(path, "ls-tree", "-r", "-z", "--name-only", "HEAD").split("\0")
    expected = sorted([*names, "vendor/lib"])
    assert open_repo(path).tracked_files() == sorted(p for p in listed if p) == expected
