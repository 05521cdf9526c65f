"""The repo's tests at the base commit: the run every patch's test run is judged against."""

from __future__ import annotations

import re
from pathlib import Path

from agent.errors import ConfigError
from agent.sandbox.judge import EXIT_CODE_ONLY, stream_problem
from agent.sandbox.runner import SandboxRun, describe_sandbox, network_isolation, run_command
from agent.sandbox.suite import NO_TESTS_COLLECTED, Suite, collected_nothing

__all__ = ["collection_note", "run_baseline", "run_suite"]

_COLLECTING = re.compile(r"^_+ ERROR collecting (\S+) _+$", re.MULTILINE)
_IMPORT_ERROR = re.compile(r"^E\s+((?:ModuleNotFound|Import)Error: .*)$", re.MULTILINE)


def run_suite(
    plan: Suite,
    root: Path,
    timeout_s: float,
    python: tuple[str, str] | None = None,
    path_prefix: Path | None = None,
) -> SandboxRun:
    """The plan's command in ``root``, with per-test outcomes when it is pytest.

    ``python`` = (the plan's interpreter, the one to run instead), for a layered env.
    """
    observed = plan.observed_argv
    argv = list(observed or plan.argv or ())
    if python is not None:
        argv = [python[1] if a == python[0] else a for a in argv]
    return run_command(argv, root, timeout_s, path_prefix, outcomes=observed is not None)


def run_baseline(
    plan: Suite, root: Path, python: str, timeout_s: float, notes: list[str]
) -> SandboxRun | None:
    """Run the suite once in ``root``; what a reviewer should know goes to ``notes``."""
    notes.append(describe_sandbox())
    if plan.argv is None:
        notes.append(f"tests stage skipped: {plan.source}")
        return None
    if plan.is_pytest and run_command([python, "-c", "import pytest"], root, 60).exit_code:
        raise ConfigError(f"pytest is not installed in {python}; install it or pass --python")
    baseline = run_suite(plan, root, timeout_s)
    if not baseline.isolated:
        reason = network_isolation() or "unknown reason"
        notes.append(f"tests ran with network access: isolation unavailable ({reason})")
    notes.extend(_how_judged(plan, baseline))
    if baseline.timed_out:
        notes.append(
            f"the test suite did not finish in {baseline.duration_s:.0f}s "
            "at the base; no patch can be verified"
        )
    elif collected_nothing(plan, baseline):
        notes.append(
            f"{NO_TESTS_COLLECTED}: patches were validated statically "
            "(applies, scope, parses, lint, finding gone) and by the import smoke; "
            "the tests stage was skipped"
        )
    elif not baseline.passed:
        failing = sorted(baseline.failed_tests())
        notes.append(
            f"the tests already fail at the base ({len(failing)} failing); "
            "those failures are not held against patches"
        )
        notes += filter(None, [collection_note(baseline)])
    return baseline


def _how_judged(plan: Suite, baseline: SandboxRun) -> list[str]:
    if plan.observed_argv is None:
        return [f"test runs are judged by {EXIT_CODE_ONLY}: {plan.display} is not pytest"]
    problem = stream_problem(baseline.outcomes)
    if problem and not baseline.timed_out:
        return [f"test runs are judged by {EXIT_CODE_ONLY}: at the base, {problem}"]
    return []


def collection_note(baseline: SandboxRun) -> str:
    """A diagnosis when test files could not even be imported in harden's worktree."""
    files = _COLLECTING.findall(baseline.output)
    if not files:
        return ""
    first = _IMPORT_ERROR.search(baseline.output)
    cause = f" ({first.group(1).strip()})" if first else ""
    return (
        f"{len(files)} test file(s) could not be collected in harden's worktree{cause}: "
        "the tests in them are NOT run against patches; if they pass in your checkout, "
        "they need a file git does not track (generated or ignored)"
    )
