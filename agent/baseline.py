"""The repo's tests at the base commit: the run every patch's test run is judged against."""

from __future__ import annotations

from pathlib import Path

from agent.errors import ConfigError
from agent.sandbox import TestRun, network_isolation, run_command
from agent.testplan import NO_TESTS_COLLECTED, TestPlan, collected_nothing

__all__ = ["run_baseline"]


def run_baseline(
    plan: TestPlan, root: Path, python: str, timeout_s: float, notes: list[str]
) -> TestRun | None:
    """Run the suite once in ``root``; what a reviewer should know goes to ``notes``."""
    if plan.argv is None:
        notes.append(f"tests stage skipped: {plan.source}")
        return None
    if plan.is_pytest and run_command([python, "-c", "import pytest"], root, 60).exit_code:
        raise ConfigError(f"pytest is not installed in {python}; install it or pass --python")
    baseline = run_command(list(plan.argv), root, timeout_s)
    if not baseline.isolated:
        reason = network_isolation() or "unknown reason"
        notes.append(f"tests ran with network access: isolation unavailable ({reason})")
    if baseline.timed_out:
        notes.append(
            f"the test suite did not finish in {baseline.duration_s:.0f}s "
            "at the base; no patch can be verified"
        )
    elif collected_nothing(plan, baseline):
        notes.append(
            f"{NO_TESTS_COLLECTED}: patches were validated statically "
            "(applies, scope, parses, lint, finding gone); the tests stage was skipped"
        )
    elif not baseline.passed:
        failing = sorted(baseline.failed_tests())
        notes.append(
            f"the tests already fail at the base ({len(failing)} failing); "
            "those failures are not held against patches"
        )
    return baseline
