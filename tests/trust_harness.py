"""Run ``harden run`` as a subprocess against the fake LLM server, and read what it left.

Shared by the trust tests (tests/test_faults_run.py, tests/test_secrets_leak.py) and
bench/trust_table.py. Everything stays on 127.0.0.1 and in the given directories.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.llm.ledger import Ledger
from tests.fakellm import FakeLLM

__all__ = [
    "HardenRun",
    "artifacts",
    "harden_command",
    "init_repo",
    "ledger_attempts",
    "pickle_modules",
    "run_harden",
]

OPENAI_MODEL = "openai/gpt-4.1-mini"
ANTHROPIC_MODEL = "anthropic/claude-haiku-4-5"
_IDENTITY = ("-c", "user.name=test", "-c", "user.email=test@example.invalid")


@dataclass(frozen=True)
class HardenRun:
    """One finished ``harden run --json``: its exit code, output and report."""

    returncode: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None

    @property
    def run_id(self) -> str:
        return str(self.report["run_id"]) if self.report else ""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


def init_repo(repo: Path, files: dict[str, str]) -> Path:
    """A git repo at ``repo`` with ``files`` committed on ``main``."""
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, *_IDENTITY, "commit", "-q", "-m", "initial")
    return repo


def pickle_modules(count: int) -> dict[str, str]:
    """``count`` modules, each with one ``pickle.loads`` finding that only a model fixes."""
    body = 'import pickle\n\n\ndef load_{0}(blob):\n    """Entry {0}."""\n'
    body += "    return pickle.loads(blob)\n"
    return {f"m{i}.py": body.format(i) for i in range(count)}


def harden_env(llm: FakeLLM, data: Path, anthropic: bool = False) -> dict[str, str]:
    """The environment of a run: test keys, a private ledger and cache, short timeouts."""
    env = {
        **os.environ,
        "HARDEN_DATA_DIR": str(data / "data"),
        "HARDEN_CACHE_DIR": str(data / "cache"),
        "HARDEN_MODEL_TIMEOUT": "1.5",
    }
    if anthropic:
        return {
            **env,
            "ANTHROPIC_API_KEY": "test-not-a-real-key",
            "ANTHROPIC_BASE_URL": llm.anthropic_url,
        }
    return {**env, "OPENAI_API_KEY": "test-not-a-real-key"}


def harden_command(
    repo: Path,
    llm: FakeLLM,
    data: Path,
    *extra: str,
    model: str = OPENAI_MODEL,
    characterize: bool | None = False,
) -> tuple[list[str], dict[str, str]]:
    """The argv and environment of ``harden run --json --jobs 1`` with ``model`` at ``llm``;
    without characterization unless asked for, in ``extra`` or by ``characterize`` (None:
    the default, which is on), since its call would take the first scripted reply
    (tests/test_characterization_run.py covers it)."""
    anthropic = model.startswith("anthropic/")
    url = [] if anthropic else ["--base-url", llm.url]
    asked = characterize is not False or "--characterize" in extra
    pinning = [] if asked else ["--no-characterize"]
    argv = [sys.executable, "-m", "agent", "run", "--json", "--python", sys.executable]
    argv += ["--jobs", "1", "--model", model, *url, *pinning, *extra, str(repo)]
    return argv, harden_env(llm, data, anthropic)


def run_harden(
    repo: Path,
    llm: FakeLLM,
    data: Path,
    *extra: str,
    model: str = OPENAI_MODEL,
    characterize: bool | None = False,
) -> HardenRun:
    """``harden run --json --jobs 1`` on ``repo`` with ``model`` served by ``llm``."""
    argv, env = harden_command(repo, llm, data, *extra, model=model, characterize=characterize)
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600, check=False)
    report = json.loads(done.stdout) if done.returncode == 0 and done.stdout else None
    return HardenRun(done.returncode, done.stdout, done.stderr, report)


def artifacts(repo: Path, run: HardenRun, data: Path) -> dict[str, bytes]:
    """Everything a run left that a secret must not be in, by name."""
    found = {str(p): p.read_bytes() for p in data.rglob("ledger.sqlite*")}
    run_dir = repo / ".harden" / "runs" / run.run_id
    found |= {str(p): p.read_bytes() for p in run_dir.rglob("*") if p.is_file()}
    found["stdout+stderr"] = (run.stdout + run.stderr).encode()
    branch = run.report.get("branch") if run.report else None
    if branch:
        found["commit messages"] = git(repo, "log", "--format=%B", f"main..{branch}").encode()
    return found


def ledger_attempts(data: Path, run_id: str) -> int:
    """Requests the run's calls made, as its ledger rows count them."""
    with Ledger(data / "data" / "ledger.sqlite") as ledger:
        return sum(row.attempts for row in ledger.records(run_id))
