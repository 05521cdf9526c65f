"""Shared fixtures: real git repositories in temporary directories, and a clean env."""

from __future__ import annotations

import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

GitRepo = Callable[[dict[str, str]], Path]

# Test data, not tests: small repos (with their own tests) that the eval tests copy.
collect_ignore = ["fixtures"]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


def commit_all(repo: Path, message: str = "commit") -> None:
    git(repo, "add", "-A")
    git(
        repo,
        "-c",
        "user.name=test",
        "-c",
        "user.email=test@example.invalid",
        "commit",
        "-q",
        "-m",
        message,
    )


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests never read or write the real home, git config, API keys, ledger or cache."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for key in (
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "OPENAI_BASE_URL",
        "ANTHROPIC_BASE_URL",
        "HARDEN_DEBUG",
        "HARDEN_TEST_COMMAND",
        "HARDEN_MODEL",
        "HARDEN_BASE_URL",
        "HARDEN_BUDGET",
        "HARDEN_JOBS",
        "HARDEN_MODEL_TIMEOUT",
        "HARDEN_DATA_DIR",
        "HARDEN_CACHE_DIR",
        "XDG_DATA_HOME",
        "XDG_CACHE_HOME",
        "TIKTOKEN_CACHE_DIR",
    ):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def make_repo(tmp_path: Path) -> GitRepo:
    """Create a git repo with the given files (dedented) committed on ``main``."""

    def make(files: dict[str, str]) -> Path:
        repo = tmp_path / "repo"
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        for name, text in files.items():
            path = repo / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        commit_all(repo, "initial")
        return repo

    return make
