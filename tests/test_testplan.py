"""Choosing the test command and judging a run against the baseline, with real pytest."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from agent.errors import ConfigError
from agent.sandbox.baseline import run_suite

# Aliased so that pytest does not try to collect the Test* dataclasses as test classes.
from agent.sandbox.runner import SandboxRun as Run
from agent.sandbox.runner import run_command
from agent.sandbox.suite import Suite as Plan
from agent.sandbox.suite import find_suite, judge
from agent.scan.files import is_test_file

PY = sys.executable
TEST_FILE = """\
def test_a():
    assert {a}


def test_b():
    assert {b}


def test_c():
    pass
"""


def test_plan_is_pytest_when_the_repo_has_tests() -> None:
    plan = find_suite(None, PY, ["app.py", "tests/test_app.py"])
    assert plan.is_pytest
    assert plan.argv is not None
    assert plan.argv[:3] == (PY, "-m", "pytest")
    assert "-rfE" in plan.argv  # judge() needs the short summary


def test_plan_is_none_without_tests() -> None:
    plan = find_suite(None, PY, ["app.py", "README.md", "tests/data.json"])
    assert plan.argv is None
    assert plan.display == "none"
    assert "no tests" in plan.source


def test_configured_command_wins_over_detection() -> None:
    plan = find_suite(f"{PY} -m pytest -x tests/unit", PY, ["app.py"])
    assert plan.argv == (PY, "-m", "pytest", "-x", "tests/unit")
    assert plan.source == "configured"
    assert plan.is_pytest
    other = find_suite("sh -c 'make check'", PY, ["tests/test_app.py"])
    assert other.argv == ("sh", "-c", "make check")
    assert not other.is_pytest


@pytest.mark.parametrize("command", ["no-such-test-runner-xyz --all", "   "])
def test_bad_configured_command_is_a_one_line_config_error(command: str) -> None:
    with pytest.raises(ConfigError) as caught:
        find_suite(command, PY, ["tests/test_app.py"])
    assert "\n" not in caught.value.message
    assert caught.value.message


def test_is_test_file() -> None:
    assert is_test_file("tests/helpers.py")
    assert is_test_file("pkg/test_x.py")
    assert is_test_file("pkg/x_test.py")
    assert is_test_file("conftest.py")
    assert not is_test_file("pkg/testing_utils.py")
    assert not is_test_file("tests.py")


@pytest.fixture
def plan() -> Plan:
    return find_suite(None, PY, ["test_tiny.py"])


def _run(repo: Path, plan: Plan, a: bool, b: bool, timeout_s: float = 60) -> Run:
    text = TEST_FILE.format(a=a, b=b)
    (repo / "test_tiny.py").write_text(textwrap.dedent(text), encoding="utf-8")
    return run_suite(plan, repo, timeout_s)


def test_judge_accepts_a_passing_run(tmp_path: Path, plan: Plan) -> None:
    baseline = _run(tmp_path, plan, a=True, b=True)
    ok, detail = judge(plan, baseline, _run(tmp_path, plan, a=True, b=True))
    assert ok
    assert "3 passed" in detail


def test_judge_rejects_a_new_failure_when_the_baseline_passed(tmp_path: Path, plan: Plan) -> None:
    baseline = _run(tmp_path, plan, a=True, b=True)
    ok, detail = judge(plan, baseline, _run(tmp_path, plan, a=True, b=False))
    assert not ok
    assert "1 failed" in detail
    assert "test_b" in detail


def test_judge_rejects_a_timed_out_run(tmp_path: Path, plan: Plan) -> None:
    baseline = _run(tmp_path, plan, a=True, b=True)
    hang = run_command([PY, "-c", "import time; time.sleep(60)"], cwd=tmp_path, timeout_s=0.5)
    ok, detail = judge(plan, baseline, hang)
    assert not ok
    assert "did not finish" in detail


def test_judge_forgives_failures_that_already_failed_at_the_base(
    tmp_path: Path, plan: Plan
) -> None:
    baseline = _run(tmp_path, plan, a=False, b=True)
    assert baseline.failed_tests() == {"test_tiny.py::test_a"}
    ok, detail = judge(plan, baseline, _run(tmp_path, plan, a=False, b=True))
    assert ok
    assert "already failed at the base" in detail


def test_judge_names_the_new_failure_beside_a_known_one(tmp_path: Path, plan: Plan) -> None:
    baseline = _run(tmp_path, plan, a=False, b=True)
    ok, detail = judge(plan, baseline, _run(tmp_path, plan, a=False, b=False))
    assert not ok
    first_line = detail.splitlines()[0]
    assert first_line == "1 base test(s) newly failing: test_tiny.py::test_b (failed)"


def test_without_outcomes_the_exit_code_judges_and_the_detail_says_so(
    tmp_path: Path, plan: Plan
) -> None:
    assert plan.argv is not None
    (tmp_path / "test_tiny.py").write_text(TEST_FILE.format(a=False, b=True), encoding="utf-8")
    baseline = run_command(list(plan.argv), cwd=tmp_path, timeout_s=60)
    (tmp_path / "test_tiny.py").write_text(TEST_FILE.format(a=False, b=False), encoding="utf-8")
    ok, detail = judge(plan, baseline, run_command(list(plan.argv), cwd=tmp_path, timeout_s=60))
    first_line = detail.splitlines()[0]
    assert not ok
    assert first_line == (
        "new failures: test_tiny.py::test_b (exit code only: no outcomes at the base)"
    )


def test_judge_rejects_a_collection_error_even_with_a_failing_baseline(
    tmp_path: Path, plan: Plan
) -> None:
    baseline = _run(tmp_path, plan, a=False, b=True)
    (tmp_path / "test_tiny.py").write_text("import no_such_module_xyz\n", encoding="utf-8")
    broken = run_suite(plan, tmp_path, 60)
    ok, detail = judge(plan, baseline, broken)
    assert not ok
    assert "no_such_module_xyz" in detail
    assert "new collection errors: test_tiny.py" in detail
