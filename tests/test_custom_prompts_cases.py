"""A team keeps its own prompt versions and eval cases in its repo (``[tool.harden]``).

The real CLI in a subprocess: ``harden prompts`` checks and releases the team's versions
against their prompts.lock, a released version edited afterwards is refused, ``harden
eval`` reads the team's cases and prompts and gates on the baselines beside the cases, the
flags override the config. The model is the local fake LLM server.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agent.resources import bundled_dir
from tests.fakellm import FakeLLM, Reply
from tests.test_eval_cli import FIXTURES, GOOD, KEY, MODEL

PYPROJECT = '[tool.harden]\nprompts = "qa/prompts"\ncases = "qa/cases"\n'


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """A project with its own cases (qa/cases) and fix/security v1 and v2 (qa/prompts)."""
    root = tmp_path / "team"
    shutil.copytree(FIXTURES, root / "qa" / "cases")
    prompts = root / "qa" / "prompts" / "fix" / "security"
    prompts.mkdir(parents=True)
    v1 = (bundled_dir("prompts") / "fix" / "security" / "v1.md").read_text(encoding="utf-8")
    (prompts / "v1.md").write_text(v1, encoding="utf-8")
    v2 = v1.replace("version: 1", "version: 2", 1).replace(
        "--- user ---", "Keep the team's style.\n--- user ---"
    )
    (prompts / "v2.md").write_text(v2, encoding="utf-8")
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    return root


def harden(team: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HARDEN_DATA_DIR": str(team / "data"), "COLUMNS": "200"}
    env["OPENAI_API_KEY"] = KEY
    argv = [sys.executable, "-m", "agent", *args]
    return subprocess.run(
        argv, cwd=team, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_prompts_checks_and_releases_the_teams_versions(team: Path) -> None:
    unreleased = harden(team, "prompts")
    assert unreleased.returncode == 1
    assert "fix/security@v2" in unreleased.stdout and "not locked" in unreleased.stdout
    assert "fix/errors@v1" not in unreleased.stdout  # the team's folder, not the shipped one
    released = harden(team, "prompts", "--lock")
    assert released.returncode == 0, released.stderr
    assert "released fix/security@v1" in released.stderr
    assert "fix/security@v2" in (team / "qa" / "prompts" / "prompts.lock").read_text()

    v1 = team / "qa" / "prompts" / "fix" / "security" / "v1.md"
    v1.write_text(v1.read_text() + "\nOne more rule.\n")
    edited = harden(team, "prompts")
    assert edited.returncode == 1 and "changed!" in edited.stdout
    refused = harden(team, "eval", "--model", MODEL, "--prompt", "fix/security@v1")
    assert refused.returncode == 2
    assert "fix/security@v1" in refused.stderr and "edited after its release" in refused.stderr
    assert "Traceback" not in refused.stderr

    elsewhere = harden(team, "prompts", "--prompts-dir", str(bundled_dir("prompts")))
    assert elsewhere.returncode == 0 and "fix/errors@v1" in elsewhere.stdout


def test_eval_scores_the_teams_prompt_on_the_teams_cases(team: Path) -> None:
    args = ["eval", "--model", MODEL, "--prompt", "fix/security@v2", "--cases", "pickle-tiny"]
    with FakeLLM() as llm:
        llm.script(Reply(GOOD))
        done = harden(team, *args, "--base-url", llm.url, "--python", sys.executable, "--json")
    assert done.returncode == 0, done.stderr
    [run] = json.loads(done.stdout)["runs"]
    assert run["label"] == "fix/security@v2"
    [case] = run["cases"]
    assert case["samples"][0]["resolved"]
    [request] = [r.json for r in llm.requests if r.path.endswith("/chat/completions")]
    assert "Keep the team's style." in json.dumps(request["messages"])


def test_the_teams_cases_are_gated_on_the_baseline_beside_them(team: Path) -> None:
    builtin = ["eval", "--model", "builtin", "--python", sys.executable]
    blessed = harden(team, *builtin, "--bless")
    assert blessed.returncode == 0, blessed.stderr
    assert "2 sample(s)" in blessed.stderr  # yaml-tiny and pickle-tiny, from qa/cases
    assert (team / "qa" / "baselines" / "builtin.json").is_file()

    toml = team / "qa" / "cases" / "yaml-tiny" / "case.toml"
    toml.write_text(toml.read_text().replace('rules = ["S506"]', 'rules = ["S301"]'))
    dropped = harden(team, *builtin)
    assert dropped.returncode == 1, dropped.stderr
    assert "worse: yaml-tiny" in dropped.stdout

    # --cases-dir overrides the config: the shipped fixture cases, with no blessed baseline.
    other = team / "other" / "cases"
    shutil.copytree(FIXTURES, other)
    flagged = harden(team, *builtin, "--cases-dir", str(other))
    assert flagged.returncode == 0, flagged.stderr
    assert "no blessed baseline" in flagged.stderr + flagged.stdout
