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

# Modules whose tests run the whole pipeline (the real CLI on real repos, the repos' own
# suites, often a model faked at the network edge): marked e2e, so that the edit loop can
# run `python -m pytest -q -m "not e2e"` in a few minutes. CI and README run them all.
E2E_MODULES = frozenset(
    {
        "test_action_script",
        "test_adversarial",
        "test_ai_priority_e2e",
        "test_characterization",
        "test_characterization_run",
        "test_checklist",
        "test_cli_errors",
        "test_codemod_then_model",
        "test_coverage_layer",
        "test_custom_prompts_cases",
        "test_depenv",
        "test_eval_ai_cases",
        "test_eval_cases",
        "test_eval_cli",
        "test_example_e2e",
        "test_faults_run",
        "test_field_branches",
        "test_field_encoding",
        "test_field_interrupt",
        "test_field_limits",
        "test_field_report",
        "test_field_tests_stage",
        "test_field_worktree",
        "test_installed",
        "test_local_server_run",
        "test_model_run",
        "test_plan_truth",
        "test_precommit_hook",
        "test_priorities",
        "test_production_doc",
        "test_resources_closed",
        "test_resume",
        "test_review",
        "test_review_tty",
        "test_run",
        "test_secrets_leak",
        "test_since",
        "test_smoke_run",
        "test_suite_runs",
        "test_testgen_funnel",
        "test_tests_priority_run",
        "test_trust_budget",
        "test_trust_finding",
        "test_trust_sandbox",
        "test_trust_secrets",
        "test_trust_verdict",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.stem in E2E_MODULES:
            item.add_marker(pytest.mark.e2e)


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
