"""Running untrusted commands: timeouts kill the whole group, secrets stay out."""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
import time
import traceback
import uuid
from pathlib import Path

import pytest

from agent.sandbox import childenv
from agent.sandbox.runner import run_command, sandbox_mechanism

SECRETS = {
    "OPENAI_API_KEY": "sk-openai",
    "ANTHROPIC_API_KEY": "sk-anthropic",
    "GITHUB_TOKEN": "ghp-token",
    "AWS_SECRET_ACCESS_KEY": "aws-secret",
    "MY_SERVICE_PASSWORD": "hunter2",
}


def _alive(marker: str) -> list[str]:
    """Live processes whose command line holds ``marker`` (zombies count as dead)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            cmdline = (status.parent / "cmdline").read_text(encoding="utf-8", errors="replace")
            state = status.read_text(encoding="utf-8").split("State:")[1].split()[0]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if marker in cmdline and state != "Z":
            found.append(status.parent.name)
    return found


def test_timeout_kills_the_command_and_its_children(tmp_path: Path) -> None:
    # A uniquely named sleep: the sandbox has its own pid namespace, so the child's pid as
    # the command sees it means nothing out here; its name does.
    sleep = tmp_path / f"harden-test-sleep-{uuid.uuid4().hex}"
    sleep.symlink_to(shutil.which("sleep") or "/bin/sleep")
    script = f"{sleep} 100 & echo started > child.pid; {sleep} 100"
    run = run_command(["sh", "-c", script], cwd=tmp_path, timeout_s=1)
    assert run.timed_out
    assert run.exit_code is None
    assert not run.passed
    assert 1 <= run.duration_s < 10  # a surviving child would hold the pipe for 100 s
    assert (tmp_path / "child.pid").read_text(encoding="utf-8").strip() == "started"
    assert _alive(sleep.name) == []


def test_waiting_for_a_command_blocks_instead_of_polling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runner waits on the process (a pidfd), not in a loop of sleeps (issue 13)."""
    waits: list[list[str]] = []
    sleep = time.sleep

    def observed(seconds: float) -> None:
        waits.append([frame.name for frame in traceback.extract_stack()])
        sleep(seconds)

    monkeypatch.setattr(time, "sleep", observed)
    run = run_command(["sh", "-c", "sleep 0.5; exit 4"], cwd=tmp_path, timeout_s=30)
    assert (run.exit_code, run.timed_out) == (4, False) and run.duration_s >= 0.5
    hung = run_command(["sh", "-c", "sleep 100"], cwd=tmp_path, timeout_s=1)
    assert hung.timed_out and 1 <= hung.duration_s < 10
    assert [
        names for names in waits if "_timed_out" in names
    ] == [] and waits  # cgroup v1 kills retry


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
    monkeypatch.setenv("HARDEN_PASSED", "passed")
    monkeypatch.setenv("LC_TIME", "C")
    monkeypatch.setattr(childenv, "_current", [childenv.SandboxPolicy(("HARDEN_PASSED",))])
    dump = "import json, os; print(json.dumps(dict(os.environ)))"
    run = run_command([sys.executable, "-c", dump], cwd=tmp_path, timeout_s=30)
    assert run.exit_code == 0, run.output
    env = json.loads(run.output)
    assert not set(SECRETS) & set(env)
    assert not set(SECRETS.values()) & set(env.values())
    assert env["PYTHONPATH"] == str(tmp_path)  # the code under test first, not the user's
    assert "HARDEN_KEEP_ME" not in env  # an allow-list: what is not asked for stays out
    assert env["HARDEN_PASSED"] == "passed"  # ... unless the user passes it
    assert env["LC_TIME"] == "C"
    assert env["HOME"] != os.environ["HOME"]
    assert env["TMPDIR"] == env["HOME"]
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


@pytest.mark.skipif(sandbox_mechanism() == "none", reason="no sandbox here")
@pytest.mark.parametrize("launcher", [["/bin/sh"], ["/usr/bin/env", "sh"], ["/bin/bash"]])
def test_a_program_in_a_broad_prefix_uncovers_nothing(tmp_path: Path, launcher: list[str]) -> None:
    # /bin/sh's prefix is /: readable for the interpreter, it would uncover every hidden dir.
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("top-Secret-3318", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    argv = [*launcher, "-c", f"cat {secret}; ls /root/.ssh /home/*"]
    run = run_command(argv, cwd=work, timeout_s=30)
    assert "top-Secret-3318" not in run.output
    assert run.exit_code != 0, run.output


@pytest.mark.skipif(sandbox_mechanism() == "none", reason="no sandbox here")
def test_the_command_cannot_undo_its_mounts(tmp_path: Path) -> None:
    # Run by root, the command must still have no capability to remount or unmount.
    script = (
        "grep CapEff /proc/self/status; mount -o remount,rw / && echo REMOUNTED; "
        "umount -l /tmp && echo UNMOUNTED; touch /etc/harden-probe && echo WROTE"
    )
    run = run_command(["sh", "-c", script], cwd=tmp_path, timeout_s=30)
    assert "CapEff:\t0000000000000000" in run.output
    assert not {"REMOUNTED", "UNMOUNTED", "WROTE"} & set(run.output.split())
    assert not Path("/etc/harden-probe").exists()


@pytest.mark.skipif(sandbox_mechanism() != "bubblewrap", reason="bubblewrap masks them")
@pytest.mark.skipif(os.geteuid() != 0, reason="only root can read them anyway")
def test_files_only_root_may_read_stay_unreadable_when_run_by_root(tmp_path: Path) -> None:
    private = [p for p in ("/etc/shadow", "/etc/gshadow") if Path(p).exists()]
    assert private, "no root-only file to try"
    run = run_command(["cat", *private], cwd=tmp_path, timeout_s=30)
    assert "root:" not in run.output  # masked: empty, or a device it may not open
    assert not any(Path(p).read_text(encoding="utf-8")[:20] in run.output for p in private)
