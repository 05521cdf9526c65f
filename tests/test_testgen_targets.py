"""Coverage targets on real repos: the repo's own pytest suite run under coverage.py."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from agent.errors import ConfigError
from agent.models import Priority, stable_finding_id
from agent.sandbox.suite import find_suite
from agent.testgen import TARGET_RULE, coverage_targets
from agent.testgen.target_chunk import chunk_for_tests
from tests.conftest import GitRepo, git

APP = '''\
"""Text helpers."""


def reached(text):
    return text.strip()


def unreached_short(text):
    return text[::-1]


def unreached_long(values):
    total = 0
    for value in values:
        total += value
    return total


def _private(text):
    return text * 2


def stub():
    """Nothing to test."""


class Store:
    def get(self, key):
        return {"a": 1}.get(key)

    def _hidden(self):
        return None


def outer():
    def inner():
        return 1

    return inner()
'''
WEB = """\
from flask import Flask

app = Flask(__name__)


@app.get("/items")
def list_items():
    return {"items": []}
"""
TESTS = """\
from app import Store, outer, reached


def test_reached():
    assert reached("  a ") == "a"


def test_store():
    assert Store().get("b") is None


def test_outer():
    assert outer() == 1
"""


def _targets(root: Path, risky: set[tuple[str, str]]) -> list[tuple[str, str]]:
    files = git(root, "ls-files").splitlines()
    plan = find_suite(None, sys.executable, files)
    found = coverage_targets(root, files, plan, sys.executable, 120, risky)
    assert found.note is None, found.note
    assert found.suite_run is not None and found.suite_run.passed, found.suite_run
    assert all(f.rule == TARGET_RULE and f.priority is Priority.TESTS for f in found.findings)
    return [(f.path, f.symbol) for f in found.findings]


def test_unreached_public_functions_are_targets_ranked_by_risk(make_repo: GitRepo) -> None:
    root = make_repo({"app.py": APP, "web.py": WEB, "tests/test_app.py": TESTS})
    targets = _targets(root, {("app.py", "unreached_short")})
    # Risky first, then the request handler, then the rest, longer first.
    assert targets == [
        ("app.py", "unreached_short"),
        ("web.py", "list_items"),
        ("app.py", "unreached_long"),
    ]
    assert not (root / ".coverage").exists()  # the data lives outside the repository
    assert git(root, "status", "--porcelain") == ""


def test_without_risk_the_longest_comes_first(make_repo: GitRepo) -> None:
    root = make_repo({"app.py": APP, "tests/test_app.py": TESTS})
    assert _targets(root, set()) == [("app.py", "unreached_long"), ("app.py", "unreached_short")]


def test_target_findings_are_stable_and_point_at_the_def(make_repo: GitRepo) -> None:
    root = make_repo({"app.py": APP, "tests/test_app.py": TESTS})
    files = git(root, "ls-files").splitlines()
    plan = find_suite(None, sys.executable, files)
    first = coverage_targets(root, files, plan, sys.executable, 120).findings[0]
    assert first.line == APP.splitlines().index("def unreached_long(values):") + 1
    assert first.end_line == first.line + 4
    assert first.message == "public function `unreached_long` (5 lines) is not reached by any test"
    line = "def unreached_long(values):"
    assert first.id == stable_finding_id(TARGET_RULE, "app.py", "unreached_long", line, 0)
    chunk = chunk_for_tests(root, first)
    assert "total += value" in chunk and "from app import unreached_long" in chunk
    assert "tests/test_app_unreached_long_generated.py" in chunk
    assert "def test_reached():" in chunk  # the existing test, as an example of style


def test_a_repo_without_tests_has_every_public_function_as_target(make_repo: GitRepo) -> None:
    root = make_repo({"app.py": APP})
    files = git(root, "ls-files").splitlines()
    plan = find_suite(None, sys.executable, files)
    found = coverage_targets(root, files, plan, sys.executable, 120)
    assert found.suite_run is None and found.note and "no tests" in found.note
    # Longer first; equally long ones in source order.
    assert [f.symbol for f in found.findings] == [
        "unreached_long",
        "outer",
        "reached",
        "unreached_short",
        "Store.get",
    ]


def test_missing_coverage_is_a_config_error_naming_the_install(
    make_repo: GitRepo, tmp_path: Path
) -> None:
    root = make_repo({"app.py": APP, "tests/test_app.py": TESTS})
    # An interpreter without site-packages, that cannot make a virtual env either: coverage.py
    # cannot be imported there, and harden cannot layer its own copy over it.
    python = tmp_path / "bare-python"
    python.write_text(
        "#!/bin/sh\n"
        'if [ "$1 $2" = "-m venv" ]; then echo "No module named venv" >&2; exit 1; fi\n'
        f'exec {sys.executable} -S "$@"\n',
        encoding="utf-8",
    )
    python.chmod(python.stat().st_mode | stat.S_IXUSR)
    files = git(root, "ls-files").splitlines()
    plan = find_suite(None, str(python), files)
    with pytest.raises(ConfigError, match="pip install coverage"):
        coverage_targets(root, files, plan, str(python), 60)
    assert os.access(python, os.X_OK)
