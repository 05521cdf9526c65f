"""harden installed as users install it: the wheel, in a fresh venv, run from another folder.

The wheel is built from this checkout and installed with its dependencies (no dev extra:
no pytest, flask or requests in harden's env) into a new virtual env; every command runs
from a folder outside the checkout, so nothing can be found through the source tree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GitRepo, git
from tests.fakellm import FakeLLM, Reply, WireUsage
from tests.test_model_run import APP, GOOD_FIX, TEST

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent


class Installed:
    """The installed ``harden`` and the folder (outside the checkout) it runs from."""

    def __init__(self, venv: Path, outside: Path, cache: Path) -> None:
        self.venv, self.outside, self.cache = venv, outside, cache

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environ = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
        environ.update(HARDEN_CACHE_DIR=str(self.cache), COLUMNS="200", **env)
        argv = [str(self.venv / "bin" / "harden"), *args]
        return subprocess.run(
            argv, cwd=self.outside, env=environ, capture_output=True, text=True, timeout=900
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    dist = tmp_path_factory.mktemp("dist")
    pip = [sys.executable, "-m", "pip"]
    wheel = [*pip, "wheel", "--quiet", "--no-deps", "-w", str(dist), str(ROOT)]
    subprocess.run(wheel, check=True, capture_output=True, timeout=600)
    venv = tmp_path_factory.mktemp("venv") / "harden"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    install = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    wheels = [str(w) for w in dist.glob("harden-*.whl")]
    subprocess.run([*install, *wheels], check=True, capture_output=True, timeout=900)
    for module in ("pytest", "flask", "jwt"):  # a plain install, no dev extra
        probe = [str(venv / "bin" / "python"), "-c", f"import {module}"]
        assert subprocess.run(probe, capture_output=True).returncode != 0, module
    outside = tmp_path_factory.mktemp("elsewhere")
    return Installed(venv, outside, tmp_path_factory.mktemp("cache"))


def test_prompts_lists_the_shipped_versions(installed: Installed) -> None:
    done = installed.run("prompts")
    assert done.returncode == 0, done.stderr
    for priority in ("security", "errors", "observability", "ai", "performance", "tests"):
        assert f"fix/{priority}@v1" in done.stdout
    assert "changed!" not in done.stdout


def test_demo_runs_the_example_in_an_env_of_its_own(installed: Installed) -> None:
    done = installed.run("demo", "--json")
    assert done.returncode == 0, done.stderr
    assert "installing pytest and the example's libraries once" in done.stderr
    report = json.loads(done.stdout)
    assert report["test_command"].startswith(str(installed.cache / "envs"))
    assert report["baseline_failures"] == []
    assert len(report["commits"]) >= 10
    tests = [s["status"] for v in report["verdicts"] for s in v["stages"] if s["stage"] == "tests"]
    assert "passed" in tests  # the example's own suite ran against the patches

    again = installed.run("demo", "--json")  # the example's env is built once
    assert again.returncode == 0, again.stderr
    assert "installing" not in again.stderr


def test_a_model_run_uses_the_shipped_prompt(
    installed: Installed, make_repo: GitRepo, tmp_path: Path
) -> None:
    repo = make_repo({"app.py": APP, "tests/test_app.py": TEST})
    with FakeLLM() as llm:
        llm.script(Reply(GOOD_FIX, usage=WireUsage(1200, 0, 0, 150)))
        done = installed.run(
            *("run", "--json", "--python", sys.executable, "--model", "openai/gpt-4.1-mini"),
            *("--base-url", llm.url, str(repo)),
            OPENAI_API_KEY="sk-test-not-a-real-key",
            HARDEN_DATA_DIR=str(tmp_path / "data"),
        )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    log = git(repo, "log", "--format=%B", f"main..{report['branch']}")
    assert "Harden-Prompt: fix/security@v1" in log
    assert "Harden-Model: openai/gpt-4.1-mini" in log


def test_eval_runs_the_shipped_cases_against_the_shipped_baseline(
    installed: Installed, tmp_path: Path
) -> None:
    cases = "sec-yaml-load,err-bare-except"
    done = installed.run("eval", "--model", "builtin", "--cases", cases, "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "builtin vs builtin: 2 paired, 0 better, 0 worse, 2 same" in done.stdout
    assert len(list(tmp_path.glob("*-builtin.json"))) == 1
