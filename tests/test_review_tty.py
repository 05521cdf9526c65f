"""``harden review`` on a terminal: one screen per commit, keys k/d/s/q, driven through a
pseudo-terminal (pexpect) against the real CLI."""

from __future__ import annotations

import sys

import pexpect

from tests.conftest import git
from tests.test_review import Ran, ran
from tests.userstate import user_state, worktrees

__all__ = ["ran"]  # the module-scoped fixture: one real harden run for this module

_KEYS = r"\[k\] keep"


def _spawn(done: Ran) -> pexpect.spawn:
    repo, env = done
    argv = ["-m", "agent", "review", "--python", sys.executable]
    child = pexpect.spawn(
        sys.executable, argv, cwd=str(repo), env=env, encoding="utf-8", timeout=60,
        dimensions=(50, 140),
    )  # fmt: skip
    return child


def _new_branch(child: pexpect.spawn) -> str:
    child.expect(r"kept (\d) of 2 commit\(s\) on (\S+)")
    return str(child.match.group(2))


def test_drop_then_keep_writes_one_commit_and_reruns_the_tests(ran: Ran) -> None:
    repo = ran[0]
    before = user_state(repo)
    child = _spawn(ran)

    child.expect(r"commit 1/2")
    child.expect("S506")
    child.expect(_KEYS)
    child.send("d")
    child.expect(r"commit 2/2")
    child.expect(r"\+    return ast\.literal_eval\(text\)")
    child.expect(_KEYS)
    child.send("k")
    new = _new_branch(child)
    child.expect(r"tests passed: 2 passed")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0
    assert git(repo, "rev-list", "--count", f"main..{new}").strip() == "1"
    assert "Harden-Rule: S307" in git(repo, "log", "-1", "--format=%B", new)
    assert user_state(repo) == before
    assert worktrees(repo) == [str(repo)]


def test_squash_key_folds_the_kept_commits_into_one(ran: Ran) -> None:
    repo = ran[0]
    child = _spawn(ran)

    child.expect(_KEYS)
    child.send("k")
    child.expect(r"commit 2/2")
    child.expect(_KEYS)
    child.send("s")
    new = _new_branch(child)
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0
    assert git(repo, "rev-list", "--count", f"main..{new}").strip() == "1"
    message = git(repo, "log", "-1", "--format=%B", new)
    assert message.count("Harden-Finding: ") == 2
    assert "Harden-Rule: S506" in message and "Harden-Rule: S307" in message


def test_quit_writes_nothing(ran: Ran) -> None:
    repo = ran[0]
    branches = git(repo, "branch", "--list")
    child = _spawn(ran)

    child.expect(_KEYS)
    child.send("k")
    child.expect(r"commit 2/2")
    child.expect(_KEYS)
    child.send("q")
    child.expect("quit: nothing written")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0
    assert git(repo, "branch", "--list") == branches


def test_dropping_every_commit_is_an_error_that_writes_nothing(ran: Ran) -> None:
    repo = ran[0]
    branches = git(repo, "branch", "--list")
    child = _spawn(ran)

    for _ in range(2):
        child.expect(_KEYS)
        child.send("d")
    child.expect("Error: nothing kept: every commit was dropped")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 2
    assert git(repo, "branch", "--list") == branches
