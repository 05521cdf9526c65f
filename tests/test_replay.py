"""The replay of an unchanged ``harden plan`` (agent/run/replay): byte for byte the cold
plan's output and exit code, with only the standard library imported; any change of what
the plan reads plans anew; planted, corrupt or foreign entries are ignored.

Real git repos, the real CLI as a subprocess. Whether a plan was replayed is read from the
process itself: ``_PROBE`` starts harden's entry point (``agent.__main__.main``, as the
``harden`` script does) and, at exit, writes which heavy modules it imported.
"""

from __future__ import annotations

import json
import os
import pty
import shutil
import stat
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.config import read_environment
from agent.run.replay import inputs
from agent.run.replay.store import cache_dir
from tests.conftest import commit_all, git

HEAVY = ("click", "pydantic", "rich", "git", "libcst")
_PROBE = """\
import atexit, sys
def _tell():
    with open({out!r}, "w") as told:
        told.write(" ".join(m for m in {heavy!r} if m in sys.modules))
atexit.register(_tell)
{patch}
from agent.__main__ import main
main()
"""
APP = """\
import subprocess


def run(cmd):
    return subprocess.call(cmd, shell=True)


def calc(text):
    return eval(text)
"""
PLAN = ("plan", "--priority", "security", ".")


@dataclass(frozen=True)
class Done:
    stdout: bytes
    stderr: bytes
    code: int
    heavy: str  # the heavy modules it imported: "" when the plan was replayed

    @property
    def replayed(self) -> bool:
        return self.heavy == ""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    tree = tmp_path / "repo"
    tree.mkdir()
    (tree / "app.py").write_text(APP, encoding="utf-8")
    (tree / ".gitignore").write_text(".env\nlocal/\n", encoding="utf-8")
    git(tree, "init", "-q", "-b", "main")
    commit_all(tree)
    return tree


def plan(
    repo: Path,
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    patch: str = "",
    tmp: Path | None = None,
) -> Done:
    """``harden plan`` through the probe, stdout and stderr piped."""
    told = (tmp or repo.parent) / "told.txt"
    code = _PROBE.format(out=str(told), heavy=HEAVY, patch=patch)
    done = subprocess.run(
        [sys.executable, "-P", "-c", code, *(args or PLAN)],
        cwd=cwd or repo,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )
    return Done(done.stdout, done.stderr, done.returncode, told.read_text())


def entries() -> list[Path]:
    return sorted((read_environment().cache_dir / "replay").glob("*.json"))


def answers() -> list[Path]:
    """The entries that hold an answer (the others name an invocation's PATH)."""
    return [e for e in entries() if "output" in json.loads(e.read_text())]


def test_a_replay_prints_the_cold_plan_byte_for_byte_with_only_the_stdlib(repo: Path) -> None:
    colds = []
    for args in (PLAN, (*PLAN, "--fail-on", "low"), (*PLAN, "--json")):
        cold = plan(repo, *args)
        assert not cold.replayed and cold.stdout
        warm = plan(repo, *args)
        assert warm.replayed, f"{args}: {warm.heavy}"
        assert (warm.stdout, warm.stderr, warm.code) == (cold.stdout, cold.stderr, cold.code)
        colds.append(cold)
    assert colds[0].code == 0 and b"CWE-78" in colds[0].stdout
    failing = plan(repo, *PLAN, "--fail-on", "low")
    assert failing.code == 1 and b"(--fail-on)" in failing.stderr
    assert len(answers()) == 3 and len(entries()) == 6


def test_the_harden_script_replays_with_no_heavy_import(repo: Path) -> None:
    """``-X importtime`` of the installed ``harden`` script: the replay imports the standard
    library and agent.run.replay, nothing of click, pydantic, rich or GitPython."""
    harden = str(Path(sys.executable).with_name("harden"))
    argv = [sys.executable, "-X", "importtime", harden, *PLAN]
    runs = [subprocess.run(argv, cwd=repo, capture_output=True, check=False) for _ in range(2)]
    assert runs[0].stdout == runs[1].stdout and runs[0].returncode == runs[1].returncode == 0
    imported = [_imported(r.stderr) for r in runs]
    assert {"click", "pydantic", "rich", "git"} <= imported[0]
    ours = {m for m in imported[1] if m.split(".")[0] in (*HEAVY, "agent")}
    assert "agent.run.replay.front" in ours
    assert ours <= {"agent", "agent.__main__", "agent.run", *_REPLAY}


_REPLAY = {f"agent.run.replay{m}" for m in ("", ".front", ".inputs", ".store")}


def _imported(stderr: bytes) -> set[str]:
    lines = stderr.decode().splitlines()
    return {line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import time:")}


def test_each_input_change_plans_anew(repo: Path, tmp_path: Path) -> None:
    base = plan(repo)
    assert plan(repo).replayed

    def anew(**kwargs: object) -> Done:
        done = plan(repo, **kwargs)  # type: ignore[arg-type]
        assert not done.replayed, kwargs
        return done

    # the environment, the arguments and the working directory
    assert anew(env={"HARDEN_MAX_FINDINGS": "1"}).stdout != base.stdout
    assert plan(repo, env={"HARDEN_MAX_FINDINGS": "1"}).replayed
    anew(env={"COLUMNS": "200"})
    json_plan = plan(repo, *PLAN, "--json")
    assert not json_plan.replayed and json_plan.stdout != base.stdout
    (repo / "local").mkdir()
    inside = plan(repo, "plan", "--priority", "security", "..", cwd=repo / "local")
    assert not inside.replayed and inside.stdout == base.stdout
    # .env (git-ignored, so the checkout stays clean), a HARDEN_* variable in it
    (repo / ".env").write_text("HARDEN_MAX_FINDINGS=1\n", encoding="utf-8")
    assert anew().stdout != base.stdout
    (repo / ".env").unlink()
    assert plan(repo).replayed
    # a git-ignored pyproject.toml is read for [tool.harden]: its bytes are in the key
    (repo / ".gitignore").write_text(".env\nlocal/\npyproject.toml\n", encoding="utf-8")
    commit_all(repo, "ignore pyproject")
    anew()  # a new commit
    assert plan(repo).replayed
    (repo / "pyproject.toml").write_text('[tool.harden]\nignore = ["S307", "B307"]\n')
    assert b"eval" not in anew().stdout and b"S307" not in plan(repo).stdout
    (repo / "pyproject.toml").unlink()
    assert plan(repo).replayed
    # a dirty tree is never replayed nor recorded
    (repo / "app.py").write_text(APP + "\n\ndef more(text):\n    return eval(text)\n")
    anew()
    anew()
    (repo / "app.py").write_text(APP)
    (repo / "notes.py").write_text("x = 1\n")  # untracked
    anew()
    anew()
    (repo / "notes.py").unlink()
    assert plan(repo).replayed


def test_a_changed_harden_file_plans_anew(repo: Path, tmp_path: Path) -> None:
    """harden's code in the key: the probe points it at a copy of agent/, then edits it."""
    copy = tmp_path / "agent-copy"
    shutil.copytree(inputs.AGENT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    patch = f"import agent.run.replay.inputs as i; i.AGENT = {str(copy)!r}"
    assert not plan(repo, patch=patch).replayed
    assert plan(repo, patch=patch).replayed
    edited = copy / "run" / "plan.py"
    edited.write_text(edited.read_text() + "\n# changed\n")
    assert not plan(repo, patch=patch).replayed
    assert plan(repo, patch=patch).replayed
    os.utime(edited, ns=(0, 0))  # the same bytes, another modification time: anew
    assert not plan(repo, patch=patch).replayed


def test_a_terminal_is_another_key_and_replays_the_same_bytes(repo: Path) -> None:
    piped = plan(repo)
    terminal = [_on_terminal(repo) for _ in range(2)]
    assert terminal[0][1] and not terminal[0][2], "the first plan on a terminal ran anew"
    assert terminal[1][2], "the second one was replayed"
    assert terminal[0][0] == terminal[1][0] and terminal[0][0] != piped.stdout
    assert plan(repo).stdout == piped.stdout


def _on_terminal(repo: Path) -> tuple[bytes, bool, bool]:
    """The plan with stdout on a pseudo-terminal (120 columns): its bytes, whether it
    imported click, and whether it was replayed."""
    import fcntl
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    told = repo.parent / "told-tty.txt"
    code = _PROBE.format(out=str(told), heavy=HEAVY, patch="")
    process = subprocess.Popen(
        [sys.executable, "-P", "-c", code, *PLAN],
        cwd=repo,
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=subprocess.DEVNULL,
    )
    os.close(follower)
    chunks: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(leader, chunks))
    reader.start()
    process.wait(timeout=300)
    reader.join(timeout=30)
    os.close(leader)
    heavy = told.read_text()
    return b"".join(chunks), "click" in heavy, heavy == ""


def _drain(fd: int, chunks: list[bytes]) -> None:
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # the terminal's other end closed
            return
        if not data:
            return
        chunks.append(data)


def test_planted_or_corrupt_entries_are_ignored(repo: Path, tmp_path: Path) -> None:
    cold = plan(repo)
    (entry,) = answers()
    sound = entry.read_bytes()

    def ignored() -> None:
        done = plan(repo)
        assert not done.replayed
        assert (done.stdout, done.code) == (cold.stdout, cold.code)

    entry.write_bytes(sound[: len(sound) // 2])  # truncated
    ignored()
    entry.write_bytes(sound)
    entry.chmod(0o644)  # another mode than the store's
    ignored()
    entry.chmod(0o600)
    forged = json.loads(sound)
    forged["key"] = "0" * 64  # another key's entry copied here
    entry.write_text(json.dumps(forged))
    ignored()
    forged = json.loads(sound)
    forged["output"] = [["out", 42]]
    entry.write_text(json.dumps(forged))
    ignored()
    elsewhere = tmp_path / "planted.json"
    elsewhere.write_bytes(sound)
    elsewhere.chmod(0o600)
    entry.unlink()
    entry.symlink_to(elsewhere)  # a symlink
    ignored()
    entry.unlink()
    entry.write_bytes(sound)
    entry.chmod(0o600)
    assert plan(repo).replayed
    entry.parent.chmod(0o755)  # a folder others may write to
    ignored()
    entry.parent.chmod(0o700)
    assert plan(repo).replayed


def test_errors_and_unreplayable_plans_are_not_recorded(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    for _ in range(2):
        failed = plan(repo, *PLAN[:-1], str(tmp_path / "plain"))
        assert failed.code != 0 and failed.stderr.startswith(b"Error: ")
    assert entries() == []
    for args in ((*PLAN, "-v"), (*PLAN, "--rerun"), (*PLAN, "--since", "HEAD")):
        assert not plan(repo, *args).replayed
        assert not plan(repo, *args).replayed, args
    assert entries() == []


def test_a_dotenv_that_moves_git_or_the_cache_is_not_recorded(repo: Path, tmp_path: Path) -> None:
    """The replay reads the environment harden was started with: a .env that points git or
    harden's cache elsewhere would make it check another repository or store."""
    for line in (f"HARDEN_CACHE_DIR={tmp_path / 'elsewhere'}", "GIT_CEILING_DIRECTORIES=/"):
        (repo / ".env").write_text(line + "\n", encoding="utf-8")
        assert plan(repo).code == 0
        assert not plan(repo).replayed, line
    assert entries() == []
    (repo / ".env").write_text("HARDEN_JOBS=2\n", encoding="utf-8")
    plan(repo)
    assert plan(repo).replayed


def test_a_plan_that_logged_a_warning_is_not_recorded(repo: Path) -> None:
    """A corrupt scan-cache entry is a logged warning: that plan is not recorded (a replay
    would not repeat the warning); the next plan, which logs none, is."""
    plan(repo)
    for entry in entries():
        entry.unlink()
    for scanned in (read_environment().cache_dir / "scan").rglob("*.json"):
        scanned.write_text("{not json")
    warned = plan(repo)
    assert b"not an entry; ignored" in warned.stderr
    assert entries() == []
    assert not plan(repo).replayed
    assert plan(repo).replayed


@pytest.mark.parametrize(
    "environ",
    [
        {"HOME": "/h"},
        {"HOME": "/h", "XDG_CACHE_HOME": "/x"},
        {"HOME": "/h", "XDG_CACHE_HOME": "/x", "HARDEN_CACHE_DIR": "/c"},
        {"HOME": "/h", "XDG_CACHE_HOME": "", "HARDEN_CACHE_DIR": ""},
        {"HOME": "", "HARDEN_CACHE_DIR": "relative"},
        {"HOME": ""},
    ],
)
def test_the_store_is_where_the_config_puts_harden_cache(environ: dict[str, str]) -> None:
    assert Path(cache_dir(environ)) == read_environment(environ).cache_dir


def test_a_store_that_cannot_be_made_private_stores_nothing(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    (cache / "replay").mkdir(parents=True)
    (cache / "replay").chmod(0o755)
    env = {"HARDEN_CACHE_DIR": str(cache)}
    assert plan(repo, env=env).code == 0
    assert stat.S_IMODE((cache / "replay").stat().st_mode) == 0o755
    assert list((cache / "replay").iterdir()) == []
    assert not plan(repo, env=env).replayed
