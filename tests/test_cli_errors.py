"""Bad input: one clear line on stderr, a non-zero exit, no traceback, nothing changed."""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from tests.conftest import GitRepo, git
from tests.userstate import harden_branches, user_state, worktrees

APP = "import yaml\n\n\ndef load(p):\n    return yaml.load(open(p), Loader=yaml.FullLoader)\n"
PASSING_TEST = "def test_ok():\n    assert True\n"


def harden(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "agent", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_missing_path(tmp_path: Path) -> None:
    done = harden("run", str(tmp_path / "nope"))
    assert done.returncode == 1
    assert "path does not exist" in one_line_error(done)


def test_not_a_git_repo(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    done = harden("run", str(tmp_path))
    assert done.returncode == 1
    assert "not a git repository" in one_line_error(done)


def test_repo_without_commits(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    done = harden("plan", str(tmp_path))
    assert done.returncode == 1
    assert "no commits yet" in one_line_error(done)


def test_repo_without_python_files(make_repo: GitRepo) -> None:
    repo = make_repo({"README.md": "hello\n"})
    done = harden("run", str(repo))
    assert done.returncode == 1
    assert "no Python files" in one_line_error(done)
    assert worktrees(repo) == [str(repo)] and harden_branches(repo) == []


def test_usage_error_exits_2(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": APP})
    done = harden("run", "--priority", "bogus", str(repo))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "bogus" in done.stderr


def test_test_command_that_does_not_exist(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": APP})
    done = harden("run", "--test-command", "no-such-runner --all", str(repo))
    assert done.returncode == 1
    assert "test command not found: no-such-runner" in one_line_error(done)
    assert worktrees(repo) == [str(repo)] and harden_branches(repo) == []


def test_bad_pyproject_setting(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": APP, "pyproject.toml": "[tool.harden]\ntest-comand = 'x'\n"})
    done = harden("run", str(repo))
    assert done.returncode == 1
    assert "unknown key in [tool.harden]" in one_line_error(done)


def test_bad_output_option_from_the_environment(
    make_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"app.py": APP})
    monkeypatch.setenv("HARDEN_LOG_FORMAT", "xml")
    done = harden("plan", str(repo))
    assert done.returncode == 1
    assert "invalid setting log_format" in one_line_error(done)
    monkeypatch.setenv("HARDEN_LOG_FORMAT", "json")
    assert harden("plan", "--log-format", "text", str(repo)).returncode == 0


def test_dotenv_in_the_working_directory_with_an_inline_comment(
    make_repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    evals = "def a(x):\n    return eval(x)\n\n\ndef b(x):\n    return eval(x)\n"
    repo = make_repo({"app.py": evals})
    (repo / ".env").write_text("HARDEN_MAX_FINDINGS=1 # fix one at a time\n", encoding="utf-8")
    monkeypatch.delenv("HARDEN_MAX_FINDINGS", raising=False)
    argv = [sys.executable, "-m", "agent", "plan", "--json", "."]
    done = subprocess.run(argv, cwd=repo, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    actions = [row["action"] for row in json.loads(done.stdout)["rows"]]
    assert actions == ["codemod patch ready", "skipped"]  # --max-findings 1, from .env


def test_an_invalid_hardenignore_is_an_error_line(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": APP, ".hardenignore": "vendor/\n!\n"})
    done = harden("plan", str(repo))
    assert done.returncode == 1
    assert one_line_error(done) == "Error: .hardenignore line 2: '!' is no pattern"


def test_syntax_error_and_non_utf8_files_are_skipped_with_a_warning(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": APP, "broken.py": "def f(:\n    pass\n"})
    (repo / "latin.py").write_bytes(b"# caf\xe9\nx = eval('1')\n")
    git(repo, "add", "latin.py")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "latin")
    done = harden("plan", str(repo))
    assert done.returncode == 0, done.stderr
    assert "warning: skipped broken.py: syntax error at line 1" in done.stderr
    assert "warning: skipped latin.py: not UTF-8" in done.stderr
    assert "S506" in done.stdout
    run = harden("run", "--json", "--python", sys.executable, str(repo))
    report = json.loads(run.stdout)
    assert {s["path"] for s in report["skipped_files"]} == {"broken.py", "latin.py"}
    assert len(report["commits"]) == 1


def test_tests_already_failing_at_the_base_are_not_held_against_a_patch(
    make_repo: GitRepo,
) -> None:
    failing = PASSING_TEST + "\n\ndef test_broken():\n    assert 1 == 2\n"
    repo = make_repo({"app.py": APP, "tests/test_app.py": failing})
    done = harden("run", "--json", "--python", sys.executable, str(repo))
    report = json.loads(done.stdout)
    assert report["baseline_failures"] == ["tests/test_app.py::test_broken"]
    assert len(report["commits"]) == 1
    assert "already fail at the base" in done.stderr


def test_a_hanging_test_suite_is_killed_and_no_patch_is_accepted(make_repo: GitRepo) -> None:
    hang = "import time\n\n\ndef test_hang():\n    time.sleep(600)\n"
    repo = make_repo({"app.py": APP, "tests/test_hang.py": hang})
    started = time.monotonic()
    done = harden("run", "--json", "--test-timeout", "3", "--python", sys.executable, str(repo))
    assert time.monotonic() - started < 60
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["commits"] == [] and report["branch"] is None
    assert report["verdicts"][0]["stages"][-1]["stage"] == "tests"
    assert "hangs at the base" in report["verdicts"][0]["stages"][-1]["detail"]
    assert "did not finish" in done.stderr


def test_a_second_run_on_the_same_repo_refuses(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": APP})
    (repo / ".harden").mkdir()
    with (repo / ".harden" / "lock").open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("4242")
        held.flush()
        done = harden("run", str(repo))
    assert done.returncode == 1
    assert "another harden run (pid 4242)" in one_line_error(done)
    assert harden_branches(repo) == []


@pytest.mark.parametrize(
    ("signum", "delay"), [(signal.SIGINT, 1.0), (signal.SIGINT, 4.0), (signal.SIGTERM, 4.0)]
)
def test_interrupting_a_run_leaves_no_worktree_and_an_untouched_checkout(
    make_repo: GitRepo, signum: int, delay: float
) -> None:
    slow = "import time\n\n\ndef test_slow():\n    time.sleep(3)\n"
    repo = make_repo({"app.py": APP, "tests/test_slow.py": slow})
    before = user_state(repo)
    argv = [sys.executable, "-m", "agent", "run", "--python", sys.executable, str(repo)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    # 130, or death by SIGINT: CPython re-raises SIGINT at exit when a KeyboardInterrupt
    # went through its C-level runner (seen when it lands during a lazy import); shells
    # report both as 130, the convention for an interrupted program.
    assert proc.returncode in (130, -signal.SIGINT), err
    assert "Traceback" not in err and "interrupted" in err
    assert worktrees(repo) == [str(repo)]
    assert user_state(repo) == before
    assert harden_branches(repo) == []


# -- CLI habits: help, unknown commands, -h, usage errors, list options, JSON, progress ----


def test_bare_harden_prints_help_and_starts_nothing(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": APP})
    argv = [sys.executable, "-m", "agent"]
    done = subprocess.run(argv, cwd=repo, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: ") and "Commands:" in done.stdout
    assert not (repo / ".harden").exists() and harden_branches(repo) == []


def test_an_unknown_command_is_named_and_exits_2(tmp_path: Path) -> None:
    done = harden("bogus")
    assert done.returncode == 2
    assert "No such command 'bogus'" in done.stderr and "Traceback" not in done.stderr
    missing = harden(str(tmp_path / "nope"))  # a path still means a run on it
    assert missing.returncode == 1
    assert "path does not exist" in one_line_error(missing)


@pytest.mark.parametrize("command", [[], ["run"], ["plan"], ["demo"], ["cost"], ["eval"]])
def test_dash_h_is_help_everywhere(command: list[str]) -> None:
    done = harden(*command, "-h")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: harden")


@pytest.mark.parametrize("model", ["gpt-4", "nosuch/model"])
def test_a_model_of_the_wrong_form_is_a_usage_error(make_repo: GitRepo, model: str) -> None:
    repo = make_repo({"app.py": APP})
    done = harden("run", "--model", model, str(repo))
    assert done.returncode == 2
    assert model in one_line_error(done)
    assert harden_branches(repo) == []


def test_exclude_select_and_ignore_on_the_command_line(make_repo: GitRepo) -> None:
    shell = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
    pyproject = '[tool.harden]\nexclude = ["vendor/*"]\n'
    files = {"app.py": APP, "tools/sh.py": shell, "vendor/v.py": APP, "pyproject.toml": pyproject}
    repo = make_repo(files)

    def paths(*flags: str) -> set[tuple[str, str]]:
        done = harden("plan", "--json", *flags, str(repo))
        assert done.returncode == 0, done.stderr
        return {
            (r["finding"]["path"], r["finding"]["rule"]) for r in json.loads(done.stdout)["rows"]
        }

    every = paths()
    assert {p for p, _ in every} == {"app.py", "tools/sh.py"}  # vendor/ excluded by config
    assert {p for p, _ in paths("--exclude", "tools/*")} == {"app.py"}  # added to the config's
    assert {r for _, r in paths("--select", "S5")} == {"S506"}
    ignored = {r for _, r in every if r.startswith("S6")}
    assert ignored and not {r for _, r in paths("--ignore", ",".join(ignored))} & ignored


def test_cost_as_json(tmp_path: Path) -> None:
    from agent.llm.ledger import CallRecord, Ledger

    data = tmp_path / "data"
    with Ledger(data / "ledger.sqlite") as ledger:
        for tokens in (1000, 500):
            ledger.record(
                CallRecord(run_id="20261130-000000-abcd", finding_id="f", provider="openai",
                           model="gpt-4.1-mini", prompt="fix/security@v1", prompt_hash="h",
                           input_tokens=tokens, cost_usd=0.001, outcome="ok")
            )  # fmt: skip
    env = {**os.environ, "HARDEN_DATA_DIR": str(data)}
    argv = [sys.executable, "-m", "agent", "cost", "--json"]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    spend = json.loads(done.stdout)
    [row] = spend["rows"]
    assert (row["run_id"], row["calls"], row["input_tokens"]) == ("20261130-000000-abcd", 2, 1500)
    assert spend["total"]["cost_usd"] == pytest.approx(0.002)


def test_long_work_prints_a_line_at_least_every_10_s_when_not_a_terminal(
    make_repo: GitRepo,
) -> None:
    slow = "import time\n\n\ndef test_slow():\n    time.sleep(15)\n"
    repo = make_repo({"app.py": APP, "tests/test_slow.py": slow})
    argv = [sys.executable, "-m", "agent", "run", "--python", sys.executable, str(repo)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started, times, lines = time.monotonic(), [], []
    assert proc.stderr is not None
    for line in proc.stderr:
        times.append(time.monotonic() - started)
        lines.append(line)
    proc.wait(timeout=300)
    assert proc.returncode == 0, "".join(lines)
    progress = [t for t, line in zip(times, lines, strict=True) if line.startswith("harden: [")]
    assert progress[0] <= 13 and times[-1] > 20  # 10 s, and the interpreter's start-up
    gaps = [b - a for a, b in itertools.pairwise(progress)]
    assert max(gaps) <= 11, lines
    assert any("(still working)" in line for line in lines)


def test_tables_do_not_fold_paths_or_symbols(make_repo: GitRepo) -> None:
    path = "src/a_rather_long_package_name/an_even_longer_module_name_here.py"
    repo = make_repo({path: APP.replace("def load", "def load_the_configuration_file")})
    env = {**os.environ, "COLUMNS": "60"}
    argv = [sys.executable, "-m", "agent", "plan", str(repo)]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"{path}:5" in done.stdout and "load_the_configuration_file" in done.stdout


def test_a_relative_python_names_the_file_where_harden_was_started(make_repo: GitRepo) -> None:
    """``--python .venv/bin/python`` is relative to the folder harden runs from, not to the
    worktree where the tests run (which has no .venv): the run uses it and passes."""
    repo = make_repo({"app.py": APP, "tests/test_app.py": PASSING_TEST})
    env = repo / "env"  # untracked, like a .venv; it sees this interpreter's packages (pytest)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    site = sysconfig.get_paths()["purelib"]
    packages = env / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    (packages / "outer.pth").write_text(site + "\n")
    argv = [sys.executable, "-m", "agent", "run", "--json", "--python", "env/bin/python", "."]
    done = subprocess.run(argv, cwd=repo, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["test_command"] and report["commits"], report["notes"]


def test_a_suite_that_cannot_start_at_the_base_is_an_error_line(make_repo: GitRepo) -> None:
    """A conftest importing what the environment lacks (python-dotenv's suite without
    click): pytest exits 4 before any test. harden said "judged by exit code only: ... os._exit,
    a crash or a signal", then rejected every patch at the tests stage."""
    conftest = "import not_installed_anywhere\n"
    files = {"app.py": APP, "tests/conftest.py": conftest, "tests/test_app.py": PASSING_TEST}
    repo = make_repo(files)
    before = user_state(repo)
    done = harden("run", "--python", sys.executable, str(repo))
    assert done.returncode == 1
    line = one_line_error(done)
    assert "the tests do not start at the base commit (pytest exit 4" in line
    assert "No module named 'not_installed_anywhere'" in line and "--python" in line
    assert user_state(repo) == before
    assert worktrees(repo) == [str(repo)] and harden_branches(repo) == []
