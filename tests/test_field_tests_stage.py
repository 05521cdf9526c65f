"""The tests stage on real repositories: no tests collected at the base is not a failure."""

from __future__ import annotations

import json

from tests.conftest import GitRepo, git
from tests.test_run import harden

APP = """\
import yaml


def load(path):
    with open(path) as fh:
        return yaml.load(fh, Loader=yaml.FullLoader)
"""


def test_a_tests_folder_without_pytest_tests_validates_statically(make_repo: GitRepo) -> None:
    repo = make_repo(
        {
            "app.py": APP,
            "tests/__init__.py": "",
            "tests/helpers.py": "def make_config():\n    return {'a': 1}\n",
        }
    )
    done = harden(repo, "run", "--json")

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert "already fail at the base" not in done.stderr
    assert "pytest collected no tests at the base" in done.stderr
    assert any("collected no tests" in note for note in report["notes"])
    (verdict,) = report["verdicts"]
    tests_stage = verdict["stages"][-1]
    assert tests_stage["stage"] == "tests"
    assert tests_stage["status"] == "skipped"
    assert "collected no tests" in tests_stage["detail"]
    assert len(report["commits"]) == 1
    assert "yaml.safe_load" in git(repo, "show", f"{report['branch']}:app.py")
