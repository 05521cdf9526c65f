"""Crash safety: SIGKILL mid-run leaves the checkout untouched, and --resume finishes the job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import GitRepo, git
from tests.userstate import harden_branches, user_state, worktrees

# Three functions, each with a codemod-fixable finding: three commits, one by one, each
# after a test run that takes about a second.
APP = """\
import yaml


def load(p):
    return yaml.load(open(p), Loader=yaml.FullLoader)


def parse(text):
    return eval(text)


def config(p):
    with open(p) as fh:
        return yaml.load(fh, Loader=yaml.FullLoader)
"""
SLOW_TEST = "import time\n\n\ndef test_slow():\n    time.sleep(1)\n"


def start(repo: Path, *extra: str) -> subprocess.Popen[str]:
    argv = [
        sys.executable,
        "-m",
        "agent",
        "run",
        "--json",
        "--python",
        sys.executable,
        *extra,
        str(repo),
    ]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def journal_lines(repo: Path) -> list[dict[str, object]]:
    paths = list((repo / ".harden" / "runs").glob("*/journal.jsonl"))
    if not paths:
        return []
    return [json.loads(line) for line in paths[0].read_text().splitlines() if line.strip()]


def kill_after_first_commit(proc: subprocess.Popen[str], repo: Path) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        events = journal_lines(repo)
        if any(e["event"] == "commit" for e in events):
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
            return str(events[0]["run_id"])
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the run never committed")


def test_sigkill_then_resume_finishes_without_redoing_work(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": APP, "tests/test_slow.py": SLOW_TEST})
    before = user_state(repo)
    run_id = kill_after_first_commit(start(repo), repo)
    assert user_state(repo) == before
    branch = f"harden/security/{run_id}"
    assert harden_branches(repo) == [branch]
    assert len(worktrees(repo)) == 2  # SIGKILL cannot clean up: the next run does

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent",
            "run",
            "--json",
            "--python",
            sys.executable,
            "--resume",
            run_id,
            str(repo),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["run_id"] == run_id and report["branch"] == branch
    assert worktrees(repo) == [str(repo)]
    assert user_state(repo) == before
    titles = git(repo, "log", "--format=%s", f"main..{branch}").splitlines()
    assert len(titles) == len(set(titles)) == len(report["commits"]) == 3
    fixed = git(repo, "show", f"{branch}:app.py")
    assert "yaml.load(" not in fixed and "eval(" not in fixed.replace("literal_eval(", "")
    assert "resumed run" in done.stderr


def test_a_finished_run_cannot_be_resumed(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": APP})
    first = start(repo)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    run_id = json.loads(out)["run_id"]
    done = subprocess.run(
        [sys.executable, "-m", "agent", "run", "--resume", run_id, str(repo)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert (
        done.stderr.strip() == f"Error: run {run_id} already finished; there is nothing to resume"
    )


@pytest.mark.parametrize("delay", [0.5, 1.5, 3.0, 5.0])
def test_sigkill_at_any_point_leaves_the_checkout_byte_identical(
    make_repo: GitRepo, delay: float
) -> None:
    repo = make_repo({"app.py": APP, "tests/test_slow.py": SLOW_TEST})
    (repo / "app.py").write_text(APP + "# work in progress\n")  # uncommitted, must survive
    before = user_state(repo)
    proc = start(repo)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert user_state(repo) == before
    # The next run cleans up what the killed one left, and works.
    done = subprocess.run(
        [sys.executable, "-m", "agent", "run", "--json", "--python", sys.executable, str(repo)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert worktrees(repo) == [str(repo)]
    assert user_state(repo) == before
    assert os.path.isdir(repo / ".harden")


def test_resume_does_not_pay_again_for_model_calls_made_before_the_kill(
    make_repo: GitRepo, tmp_path: Path
) -> None:
    from tests.fakellm import Delay, FakeLLM, Reply
    from tests.test_model_run import ABSTAIN

    modules = {
        f"m{i}.py": f"import pickle\n\n\ndef f{i}(b):\n    return pickle.loads(b)\n"
        for i in range(2)
    }
    repo = make_repo(modules)
    env = {
        **os.environ,
        "OPENAI_API_KEY": "sk-test-not-a-real-key",
        "HARDEN_DATA_DIR": str(tmp_path / "data"),
        "HARDEN_CACHE_DIR": str(tmp_path / "c"),
    }

    def run(llm: FakeLLM, *extra: str) -> subprocess.Popen[str]:
        argv = [
            sys.executable,
            "-m",
            "agent",
            "run",
            "--json",
            "--jobs",
            "1",
            "--model",
            "openai/gpt-4.1-mini",
            "--base-url",
            llm.url,
            "--no-characterize",  # its call would take the first scripted reply
            *extra,
            str(repo),
        ]
        return subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )

    with FakeLLM() as llm:
        llm.script(Reply(ABSTAIN), Delay(60), Reply(ABSTAIN))
        proc = run(llm)
        deadline = time.monotonic() + 60
        while len(llm.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # the second call is in flight
        proc.communicate()
        run_id = str(journal_lines(repo)[0]["run_id"])
    with FakeLLM() as llm:
        llm.script(Reply(ABSTAIN))
        resumed = run(llm, "--resume", run_id)
        out, err = resumed.communicate(timeout=300)
        assert resumed.returncode == 0, err
        assert len(llm.requests) == 1  # the first call's answer came from the cache
    report = json.loads(out)
    assert [o["kind"] for o in report["model_outcomes"]] == ["abstained", "abstained"]
