"""The worktree reproduces what the tests need, and the tests there see the patched code."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import GitRepo, git
from tests.test_run import harden

PYPROJECT = """\
[tool.pytest.ini_options]
pythonpath = ["src"]
"""
INIT = """\
import yaml

from mypkg._version import version as __version__


def load(path):
    with open(path) as fh:
        return yaml.load(fh, Loader=yaml.FullLoader)
"""
TEST = """\
import mypkg


def test_version():
    assert mypkg.__version__ == "1.2.3"


def test_load(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("a: 1\\n")
    assert mypkg.load(p) == {"a": 1}
"""
SECRET = "Wq7Zr2Lp9Xc4Vb8Nm3Kd6Ht1"


def _scm_repo(make_repo: GitRepo, version_file: str) -> Path:
    """A src-layout package whose ``_version.py`` is generated and git-ignored."""
    repo = make_repo(
        {
            ".gitignore": "src/mypkg/_version.py\nsrc/mypkg/_local.py\n.venv/\n",
            "pyproject.toml": PYPROJECT,
            "src/mypkg/__init__.py": INIT,
            "tests/test_pkg.py": TEST,
        }
    )
    (repo / "src/mypkg/_version.py").write_text(version_file)
    (repo / "src/mypkg/_local.py").write_text(f'PASSWORD = "{SECRET}"\n')
    (repo / ".venv/lib").mkdir(parents=True)
    (repo / ".venv/lib/site.py").write_text("raise SystemExit('never imported')\n")
    return repo


def test_a_git_ignored_generated_version_file_is_copied_into_the_worktree(
    make_repo: GitRepo,
) -> None:
    repo = _scm_repo(make_repo, 'version = "1.2.3"\n')

    done = harden(repo, "run", "--json")

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert "already fail at the base" not in done.stderr
    assert report["baseline_failures"] == []
    notes = "\n".join(report["notes"])
    assert "copied into the worktree for the tests: src/mypkg/_version.py" in notes
    assert "not copied into the worktree: src/mypkg/_local.py (it holds a secret)" in notes
    assert ".venv" not in notes and SECRET not in done.stdout + done.stderr
    (verdict,) = report["verdicts"]
    # the fix is checked with the test that reaches it; both passed at the base (above)
    detail = verdict["stages"][-1]["detail"]
    assert detail.startswith("selected tests (1 of 2 test(s) reach the changed code): 1 passed")
    assert len(report["commits"]) == 1
    assert "_version.py" not in git(repo, "show", "--stat", "--format=", report["branch"])


def test_tests_that_cannot_be_collected_in_the_worktree_are_diagnosed(
    make_repo: GitRepo,
) -> None:
    # The generated file holds a secret-looking value, so harden does not copy it.
    repo = _scm_repo(make_repo, f'version = "1.2.3"\nsecret_key = "{SECRET}"\n')

    done = harden(repo, "run", "--json")

    assert done.returncode == 0, done.stderr
    note = next(n for n in json.loads(done.stdout)["notes"] if "could not be collected" in n)
    assert note.startswith("1 test file(s) could not be collected in harden's worktree")
    assert "No module named 'mypkg._version'" in note
    assert "NOT run against patches" in note and "generated or ignored" in note
    assert note in done.stderr


EDITABLE_PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "mypkg"
version = "0.1"
"""
CALC = "def parse(text):\n    return eval(text)\n"
CALC_TEST = "from mypkg import parse\n\n\ndef test_sum():\n    assert parse('1 + 1') == 2\n"


@pytest.fixture
def project_python(tmp_path: Path) -> Path:
    """A project venv (with harden's pytest layered in) for an editable install."""
    venv = tmp_path / "project-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "harden_dev.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def test_the_tests_stage_imports_the_patched_code_not_the_editable_install(
    make_repo: GitRepo, project_python: Path
) -> None:
    repo = make_repo(
        {
            "pyproject.toml": EDITABLE_PYPROJECT,
            "src/mypkg/__init__.py": CALC,
            "tests/test_calc.py": CALC_TEST,
        }
    )
    install = [str(project_python), "-m", "pip", "install", "-q", "--no-deps", "-e", str(repo)]
    done = subprocess.run(install, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        pytest.skip(f"pip cannot build the editable install: {done.stderr.strip()[-200:]}")
    where = [str(project_python), "-c", "import mypkg; print(mypkg.__file__)"]
    imported = subprocess.run(where, capture_output=True, text=True, cwd="/", check=True)
    assert imported.stdout.strip() == str(repo / "src/mypkg/__init__.py")
    git(repo, "status", "--porcelain")  # the install left the checkout clean enough to run

    argv = [sys.executable, "-m", "agent", "run", "--json", "--python", str(project_python)]
    run = subprocess.run([*argv, str(repo)], capture_output=True, text=True, timeout=300)

    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    (verdict,) = report["verdicts"]  # eval -> ast.literal_eval breaks parse("1 + 1")
    assert verdict["stages"][-1]["stage"] == "tests"
    assert verdict["stages"][-1]["status"] == "failed"
    assert "test_sum" in verdict["stages"][-1]["detail"]
    assert report["commits"] == []
