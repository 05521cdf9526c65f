"""The tests priority works with a project interpreter that has no coverage.py.

harden ships coverage.py; it is layered over the project's own environment (built once,
kept in harden's cache dir), never installed into it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GitRepo

APP = """\
def covered(x):
    return x + 1


def forgotten(x):
    return x * 2
"""
TEST = """\
from app import covered


def test_covered():
    assert covered(1) == 2
"""


@pytest.fixture(scope="module")
def project_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A project venv with pytest and without coverage.py, from the package index."""
    venv = tmp_path_factory.mktemp("project") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--quiet", "pytest"]
    subprocess.run(pip, check=True, capture_output=True, timeout=600)
    probe = subprocess.run([python, "-c", "import coverage"], capture_output=True, check=False)
    assert probe.returncode != 0, "the project venv must not have coverage.py"
    return python


def test_plan_tests_priority_layers_coverage_over_a_project_venv_without_it(
    make_repo: GitRepo, project_python: str, tmp_path: Path
) -> None:
    repo = make_repo({"app.py": APP, "tests/test_app.py": TEST})
    env = {**os.environ, "HARDEN_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "200"}
    argv = [sys.executable, "-m", "agent", "plan", "--priority", "tests"]
    argv += ["--python", project_python, str(repo)]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert "HT101" in done.stdout and "forgotten" in done.stdout
    assert "covered" not in done.stdout.replace("forgotten", "")
    probe = subprocess.run([project_python, "-c", "import coverage"], capture_output=True)
    assert probe.returncode != 0, "the project's own venv was changed"
    layers = list((tmp_path / "cache" / "envs").glob("coverage-*/.harden-ready"))
    assert len(layers) == 1

    again = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
    assert again.returncode == 0 and "forgotten" in again.stdout  # the layer is reused
