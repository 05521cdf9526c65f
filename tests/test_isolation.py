"""Confined test runs: no network but loopback, bounded memory and processes, no leftovers.

Every dangerous command here is bounded even if the limit under test fails: the fork bomb
spawns at most 5,000 ``sleep``s, the allocation asks for untouched (calloc'd) memory, and
everything runs under run_command's timeout.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.sandbox.isolation import (
    DATA_LIMIT_BYTES,
    MAX_TASKS,
    OPEN_FILES,
    network_isolation,
    pids_cgroup,
    pids_limit,
)
from agent.sandbox.runner import run_command

PY = sys.executable
NO_NETNS = network_isolation()
needs_netns = pytest.mark.skipif(NO_NETNS is not None, reason=str(NO_NETNS))


def _python(tmp_path: Path, source: str, *args: str, timeout_s: float = 30) -> str:
    """Run ``source`` with the test Python, sandboxed; return its output (must exit 0)."""
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source), encoding="utf-8")
    run = run_command([PY, str(script), *args], cwd=tmp_path, timeout_s=timeout_s)
    assert run.exit_code == 0, run.output
    return run.output


@pytest.fixture
def marker(tmp_path: Path) -> Iterator[str]:
    """A uniquely named ``sleep``, so ``pgrep -f`` finds exactly the processes we started."""
    path = tmp_path / f"harden-test-sleep-{uuid.uuid4().hex}"
    sleep = shutil.which("sleep")
    assert sleep is not None
    path.symlink_to(sleep)
    yield str(path)
    subprocess.run(["pkill", "-KILL", "-f", str(path)], check=False)  # only if a test failed


def _running(marker: str) -> list[str]:
    done = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True, check=False)
    return done.stdout.split()


def test_probes_answer_none_or_a_one_line_reason() -> None:
    for reason in (network_isolation(), pids_cgroup()):
        assert reason is None or (reason and "\n" not in reason)
    assert pids_limit() in {"cgroup", "rlimit", "none"}


def test_the_run_records_its_confinement(tmp_path: Path) -> None:
    run = run_command(["true"], cwd=tmp_path, timeout_s=30)
    assert run.exit_code == 0, run.output
    assert run.isolated == (network_isolation() is None)
    assert run.pids_limit == pids_limit()


@needs_netns
def test_a_server_outside_the_sandbox_is_unreachable(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        output = _python(
            tmp_path,
            """\
            import socket, sys
            try:
                socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
                print("connected")
            except OSError as exc:
                print(type(exc).__name__)
            """,
            str(port),
        )
    assert output.strip() == "ConnectionRefusedError"


@needs_netns
def test_other_hosts_are_unreachable(tmp_path: Path) -> None:
    source = """\
        import errno, socket
        try:
            socket.create_connection(("192.0.2.1", 9), timeout=5)  # TEST-NET-1, never routed
        except OSError as exc:
            print(errno.errorcode.get(exc.errno or 0, type(exc).__name__))
        """
    assert _python(tmp_path, source).strip() == "ENETUNREACH"


def test_the_suites_own_localhost_server_works(tmp_path: Path) -> None:
    source = """\
        import socket
        with socket.create_server(("127.0.0.1", 0)) as server:
            client = socket.create_connection(server.getsockname(), timeout=5)
            conn, _ = server.accept()
            conn.sendall(b"pong")
            print(client.recv(4).decode())
        """
    assert _python(tmp_path, source).strip() == "pong"


def test_rlimits_are_set_inside(tmp_path: Path) -> None:
    source = """\
        import resource
        for name in ("DATA", "CORE", "NOFILE", "FSIZE", "CPU"):
            print(name, resource.getrlimit(getattr(resource, "RLIMIT_" + name))[0])
        """
    limits = dict(line.split() for line in _python(tmp_path, source, timeout_s=10).splitlines())
    assert int(limits["DATA"]) == DATA_LIMIT_BYTES
    assert int(limits["CORE"]) == 0
    assert int(limits["NOFILE"]) <= OPEN_FILES
    assert 0 < int(limits["FSIZE"]) < 2**40
    assert int(limits["CPU"]) > 10


def test_a_huge_allocation_fails_with_memory_error(tmp_path: Path) -> None:
    source = """\
        chunks = []
        try:
            for _ in range(16):
                chunks.append(bytes(512 * 2**20))  # calloc: never touched, never resident
            print("allocated 8 GiB")
        except MemoryError:
            print("MemoryError after", len(chunks))
        """
    output = _python(tmp_path, source)
    assert output.startswith("MemoryError after"), output
    assert int(output.split()[-1]) * 512 * 2**20 < DATA_LIMIT_BYTES


FORK_BOMB = """\
    import subprocess, sys
    spawned = 0
    for _ in range(5000):
        try:
            subprocess.Popen([sys.argv[1], "30"], start_new_session=sys.argv[2] == "escape")
        except OSError:
            break
        spawned += 1
    print("spawned", spawned, flush=True)
    """


@pytest.mark.skipif(pids_limit() == "none", reason="no cgroup and root ignores RLIMIT_NPROC")
def test_a_fork_bomb_is_capped_and_cleaned_up(tmp_path: Path, marker: str) -> None:
    (tmp_path / "bomb.py").write_text(textwrap.dedent(FORK_BOMB), encoding="utf-8")
    run = run_command([PY, "bomb.py", marker, "stay"], cwd=tmp_path, timeout_s=25)
    assert run.exit_code == 0, run.output
    assert run.duration_s < 20
    spawned = int(run.output.split()[-1])
    assert 10 < spawned <= MAX_TASKS < 1000
    assert _running(marker) == []


@pytest.mark.skipif(pids_cgroup() is not None, reason=str(pids_cgroup()))
def test_processes_that_left_the_session_are_killed_too(tmp_path: Path, marker: str) -> None:
    (tmp_path / "bomb.py").write_text(textwrap.dedent(FORK_BOMB), encoding="utf-8")
    run = run_command([PY, "bomb.py", marker, "escape"], cwd=tmp_path, timeout_s=25)
    assert run.exit_code == 0, run.output
    assert int(run.output.split()[-1]) < 1000
    assert _running(marker) == []


def test_signals_and_locale_are_inherited_as_without_the_sandbox(tmp_path: Path) -> None:
    show = ["sh", "-c", 'grep -E "^Sig(Ign|Blk)" /proc/self/status; echo "LC_CTYPE=$LC_CTYPE"']
    direct = subprocess.run(show, capture_output=True, text=True, check=True, env={})
    sandboxed = run_command(show, cwd=tmp_path, timeout_s=30)
    assert sandboxed.output == direct.stdout
    assert signal.SIGPIPE not in signal.pthread_sigmask(signal.SIG_BLOCK, [])


def test_a_missing_program_raises_like_popen(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        run_command(["no-such-program-harden"], cwd=tmp_path, timeout_s=30)
    with pytest.raises(FileNotFoundError):
        run_command(["./missing.sh"], cwd=tmp_path, timeout_s=30)
