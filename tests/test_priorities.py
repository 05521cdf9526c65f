"""`--priority all`: one branch per priority from one base, and `plan --priority all`.

Real git repos, real scans and test runs through the CLI; no model (codemods only).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GitRepo, git

APP = """\
import logging
import subprocess

import yaml

logger = logging.getLogger(__name__)


def load(text):
    try:
        return yaml.load(text, Loader=yaml.Loader)
    except:
        return None


def archive(directory):
    subprocess.run(["tar", "czf", directory + ".tgz", directory])
    return directory + ".tgz"


def describe(name):
    logger.info(f"describing {name}")
    return name.title()


def totals(rows):
    out = {}
    for _, row in rows.items():
        out[row["k"]] = row["v"]
    return out
"""
TEST = """\
from app import describe, load, totals


def test_load():
    assert load("a: 1") == {"a": 1}


def test_describe():
    assert describe("ann") == "Ann"


def test_totals():
    assert totals({1: {"k": "a", "v": 2}}) == {"a": 2}
"""


def harden(*args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "agent", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False)


@pytest.fixture
def repo(make_repo: GitRepo) -> Path:
    return make_repo({"app.py": APP, "tests/test_app.py": TEST})


def test_all_priorities_make_one_branch_each_from_the_same_base(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD").strip()
    done = harden("--priority", "all", "--json", "--python", sys.executable, str(repo))
    assert done.returncode == 0, done.stderr
    runs: dict[str, dict[str, Any]] = {r["priority"]: r for r in json.loads(done.stdout)["runs"]}
    assert list(runs) == ["security", "errors", "observability", "ai", "performance", "tests"]
    # the app calls no LLM: the ai priority finds nothing and makes no branch
    assert runs["ai"]["findings"] == [] and runs["ai"]["branch"] is None
    for priority in ("security", "errors", "observability", "performance"):
        branch = runs[priority]["branch"]
        assert branch.startswith(f"harden/{priority}/"), priority
        first = git(repo, "rev-list", "--reverse", f"{base}..{branch}").split()[0]
        assert git(repo, "rev-parse", f"{first}^").strip() == base
    assert git(repo, "rev-parse", "HEAD").strip() == base
    assert git(repo, "status", "--porcelain") == ""
    # load() was fixed on the security branch, so its bare except is left for later...
    errors = runs["errors"]
    e722 = [f for f in errors["findings"] if f["rule"] == "E722"]
    assert e722 and not set(f["id"] for f in e722) & set(errors["fixed_ids"])
    assert any("app.py:load" in note for note in errors["notes"])
    assert "errors: skipped 1 finding(s)" in done.stderr
    # ...while archive() is free, and its subprocess call gets check=True.
    assert "check=True" in git(repo, "show", f"{errors['branch']}:app.py")
    observability = git(repo, "show", f"{runs['observability']['branch']}:app.py")
    assert 'logger.info("describing %s", name)' in observability
    assert "for row in rows.values():" in git(
        repo, "show", f"{runs['performance']['branch']}:app.py"
    )
    # The tests priority lists the untested function; without a model it makes no branch.
    assert [f["symbol"] for f in runs["tests"]["findings"]] == ["archive"]
    assert runs["tests"]["branch"] is None


def test_plan_all_lists_every_priority_with_counts(repo: Path) -> None:
    done = harden("plan", "--priority", "all", "--python", sys.executable, str(repo))
    assert done.returncode == 0, done.stderr
    for line in (
        "security: 1 finding(s): 1 fixable offline (codemod patch ready); 0 need a model.",
        # load()'s bare except is skipped: the security branch's codemod patch changes load(),
        # as the run does (test_all_priorities_make_one_branch_each_from_the_same_base).
        "errors: 3 finding(s): 1 fixable offline (codemod patch ready); 1 skipped; 1 need a model.",
        "observability: 1 finding(s): 1 fixable offline (codemod patch ready); 0 need a model.",
        "ai: 0 finding(s): 0 fixable offline (codemod patch ready); 0 need a model.",
        "performance: 1 finding(s): 1 fixable offline (codemod patch ready); 0 need a model.",
        "tests: 1 finding(s): 0 fixable offline (codemod patch ready); 1 need a model.",
    ):
        assert line in " ".join(done.stdout.split()), done.stdout
    assert git(repo, "branch", "--list", "harden/*") == ""


def test_resume_with_all_priorities_is_a_clear_error(repo: Path) -> None:
    done = harden("--priority", "all", "--resume", "20260101-000000-abcd", str(repo))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("Error: --resume continues one")


def test_plan_all_with_a_model_estimates_the_cost_of_each_priority(repo: Path) -> None:
    model = ["--model", "openai/gpt-4.1-mini"]
    done = harden("plan", "--priority", "all", *model, "--python", sys.executable, str(repo))
    assert done.returncode == 0, done.stderr
    lines = [" ".join(line.split()) for line in done.stdout.splitlines()]
    estimates = {
        line.partition(":")[0]: line for line in lines if "would go to openai/gpt-4.1-mini" in line
    }
    # errors (HE101 in archive) and tests (archive has no test) need the model: priced.
    for priority in ("errors", "tests"):
        assert re.search(
            r"1 would go to openai/gpt-4\.1-mini \(estimated \$0\.0\d+", estimates[priority]
        )
    assert "0 would go to openai/gpt-4.1-mini (estimated $0.0000" in estimates["security"]


def test_a_priority_that_cannot_run_does_not_stop_the_others(repo: Path, tmp_path: Path) -> None:
    # An interpreter that has pytest but not coverage.py, and cannot make a virtual env (as
    # a Debian python without python3-venv), so harden cannot layer its own coverage.py over
    # it: only the tests priority needs it.
    blocker = tmp_path / "blocker" / "coverage"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('coverage is blocked here')\n")
    python = tmp_path / "python-without-coverage"
    python.write_text(
        "#!/bin/sh\n"
        'if [ "$1 $2" = "-m venv" ]; then echo "No module named venv" >&2; exit 1; fi\n'
        f'PYTHONPATH={blocker.parent}:$PYTHONPATH exec {sys.executable} "$@"\n'
    )
    python.chmod(0o755)
    done = harden("--priority", "all", "--json", "--python", str(python), str(repo))
    assert done.returncode == 1
    runs = [r["priority"] for r in json.loads(done.stdout)["runs"]]
    assert runs == ["security", "errors", "observability", "ai", "performance"]
    assert "error: tests: coverage.py is not installed in" in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "Error: the tests priority could not run (see above)"
    )
    assert "Traceback" not in done.stderr
