"""A run stopped by SIGTERM after a commit says what it left and how to resume or delete it."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from tests.conftest import GitRepo, git
from tests.test_resume import APP, SLOW_TEST, journal_lines, start
from tests.userstate import harden_branches, worktrees


def _terminate_after_first_commit(proc: subprocess.Popen[str], repo: Path) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        events = journal_lines(repo)
        if any(e["event"] == "commit" for e in events):
            proc.send_signal(signal.SIGTERM)
            return str(events[0]["run_id"])
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the run never committed")


def test_sigterm_after_a_commit_names_the_branch_and_how_to_resume(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": APP, "tests/test_slow.py": SLOW_TEST})
    proc = start(repo)
    run_id = _terminate_after_first_commit(proc, repo)
    _, err = proc.communicate(timeout=120)

    assert proc.returncode == 130, err
    assert "Traceback" not in err
    (branch,) = harden_branches(repo)
    left = int(git(repo, "rev-list", "--count", f"main..{branch}"))
    assert left >= 1
    assert worktrees(repo) == [str(repo)]
    lines = err.strip().splitlines()
    assert lines[-1] == (
        f"the run left {left} commit(s) on branch {branch}: resume it with "
        f"`harden run --resume {run_id} {repo}`, or delete it with `git branch -D {branch}`"
    )
    assert lines[-2].startswith("Error: interrupted")


def test_sigterm_before_any_commit_says_nothing_was_left(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": APP, "tests/test_slow.py": SLOW_TEST})
    proc = start(repo)
    deadline = time.monotonic() + 60
    while not journal_lines(repo) and time.monotonic() < deadline:  # the run has its branch
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert harden_branches(repo) == []
    assert "left" not in err.strip().splitlines()[-1]
