"""Running untrusted commands: timeouts kill the whole group, secrets stay out."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from agent.sandbox import run_command

SECRETS = {
    "OPENAI_API_KEY": "sk-openai",
    "ANTHROPIC_API_KEY": "sk-anthropic",
    "GITHUB_TOKEN": "ghp-token",
    "AWS_SECRET_ACCESS_KEY": "aws-secret",
    "MY_SERVICE_PASSWORD": "hunter2",
}


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting to be reaped counts as dead)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    state = next(line for line in status.splitlines() if line.startswith("State:"))
    return "Z" not in state.split()[1]


def test_timeout_kills_the_command_and_its_children(tmp_path: Path) -> None:
    script = "sleep 100 & echo $! > child.pid; sleep 100"
    run = run_command(["sh", "-c", script], cwd=tmp_path, timeout_s=1)
    assert run.timed_out
    assert run.exit_code is None
    assert not run.passed
    assert 1 <= run.duration_s < 10  # a surviving child would hold the pipe for 100 s
    child = int((tmp_path / "child.pid").read_text(encoding="utf-8"))
    assert not _alive(child)


def test_a_finished_command_reports_exit_code_and_output(tmp_path: Path) -> None:
    run = run_command(["sh", "-c", "echo out; echo err >&2; exit 3"], cwd=tmp_path, timeout_s=30)
    assert not run.timed_out
    assert run.exit_code == 3
    assert "out" in run.output
    assert "err" in run.output


def test_child_env_has_no_secrets_and_its_own_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "users-own"))
    monkeypatch.setenv("HARDEN_KEEP_ME", "visible")
    dump = "import json, os; print(json.dumps(dict(os.environ)))"
    run = run_command([sys.executable, "-c", dump], cwd=tmp_path, timeout_s=30)
    assert run.exit_code == 0, run.output
    env = json.loads(run.output)
    assert not set(SECRETS) & set(env)
    assert not set(SECRETS.values()) & set(env.values())
    assert env["PYTHONPATH"] == str(tmp_path)  # the code under test first, not the user's
    assert env["HARDEN_KEEP_ME"] == "visible"
    assert env["HOME"] != os.environ["HOME"]
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"


def test_path_prefix_comes_first(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    run = run_command(
        [sys.executable, "-c", "import os; print(os.environ['PATH'])"],
        cwd=tmp_path,
        timeout_s=30,
        path_prefix=bin_dir,
    )
    assert run.output.split(os.pathsep)[0] == str(bin_dir)


def test_failed_tests_from_a_real_pytest_run(tmp_path: Path) -> None:
    (tmp_path / "test_tiny.py").write_text(
        textwrap.dedent(
            """\
            import pytest


            @pytest.fixture
            def broken():
                raise RuntimeError("fixture fails")


            def test_ok():
                pass


            def test_bad():
                assert 1 == 2


            def test_uses_broken(broken):
                pass


            class TestGroup:
                def test_method(self):
                    assert False
            """
        ),
        encoding="utf-8",
    )
    argv = [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider"]
    run = run_command(argv, cwd=tmp_path, timeout_s=60)
    assert run.exit_code == 1, run.output
    assert run.failed_tests() == {
        "test_tiny.py::test_bad",
        "test_tiny.py::test_uses_broken",
        "test_tiny.py::TestGroup::test_method",
    }
    assert "failed" in run.tail(3)
