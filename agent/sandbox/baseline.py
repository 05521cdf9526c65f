"""The repo's tests at the base commit: the run every patch's test run is judged against."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agent.errors import ConfigError
from agent.git.repo import Repo
from agent.sandbox.coverage import LineCoverage, measure, pytest_args
from agent.sandbox.judge import EXIT_CODE_ONLY, stream_problem
from agent.sandbox.runner import SandboxRun, describe_sandbox, network_isolation, run_command
from agent.sandbox.suite import NO_TESTS_COLLECTED, Suite, collected_nothing

__all__ = [
    "Baseline",
    "BaselineMemo",
    "collection_note",
    "mapped_baseline",
    "remembered_baseline",
    "run_baseline",
    "run_suite",
]

_RAN = frozenset({"passed", "failed", "xpassed"})  # a test whose body ran
_COLLECTING = re.compile(r"^_+ ERROR collecting (\S+) _+$", re.MULTILINE)
_IMPORT_ERROR = re.compile(r"^E\s+((?:ModuleNotFound|Import)Error: .*)$", re.MULTILINE)
# pytest's exit codes for a session that stopped before its tests: an internal error, or
# a usage error (which is also what a conftest that cannot be imported gives).
_NOT_STARTED = frozenset({3, 4})
_RAISED = re.compile(r"^E\s+(\w+(?:Error|Exception)\b.*)$", re.MULTILINE)
_USAGE = re.compile(r"^(ERROR: .*)$", re.MULTILINE)
_CONFTEST = re.compile(r"while loading conftest '([^']+)'")


def run_suite(
    plan: Suite,
    root: Path,
    timeout_s: float,
    python: tuple[str, str] | None = None,
    path_prefix: Path | None = None,
    tests: Sequence[str] = (),
) -> SandboxRun:
    """The plan's command in ``root``, with per-test outcomes when it is pytest.

    ``python`` = (the plan's interpreter, the one to run instead), for a layered env.
    ``tests``: only these node ids (a pytest command that names no tests itself).
    """
    observed = plan.observed_argv
    argv = [*(observed or plan.argv or ()), *tests]
    if python is not None:
        argv = [python[1] if a == python[0] else a for a in argv]
    return run_command(argv, root, timeout_s, path_prefix, outcomes=observed is not None)


@dataclass(frozen=True)
class Baseline:
    """The base run, and (when it ran under coverage.py) which test reached which line."""

    run: SandboxRun | None
    coverage: LineCoverage | None = None


@dataclass
class BaselineMemo:
    """Base runs already made in this process, by (tree, command, interpreter): the
    priorities of ``--priority all`` share one base commit, so they share its run."""

    runs: dict[tuple[str, ...], tuple[Baseline, tuple[str, ...]]] = field(default_factory=dict)

    def key(self, plan: Suite, root: Path, python: str) -> tuple[str, ...]:
        return (Repo(root, "HEAD").tree_id(), python, *(plan.argv or ()))


def remembered_baseline(
    plan: Suite, root: Path, python: str, timeout_s: float, notes: list[str], memo: BaselineMemo
) -> tuple[Baseline, bool]:
    """The base run, made once per tree and command; True when it was made just now."""
    key = memo.key(plan, root, python)
    if key in memo.runs:
        found, told = memo.runs[key]
        notes.extend(told)
        return found, False
    told_now: list[str] = []
    found = mapped_baseline(plan, root, python, timeout_s, told_now)
    memo.runs[key] = (found, tuple(told_now))
    notes.extend(told_now)
    return found, True


def run_baseline(
    plan: Suite, root: Path, python: str, timeout_s: float, notes: list[str]
) -> SandboxRun | None:
    """Run the suite once in ``root``; what a reviewer should know goes to ``notes``."""
    return mapped_baseline(plan, root, python, timeout_s, notes, mapped=False).run


def mapped_baseline(
    plan: Suite, root: Path, python: str, timeout_s: float, notes: list[str], mapped: bool = True
) -> Baseline:
    """The base run; ``mapped``: under coverage.py, with each test's lines (a pytest suite)."""
    notes.append(describe_sandbox())
    if plan.argv is None:
        notes.append(f"tests stage skipped: {plan.source}")
        return Baseline(None)
    if plan.is_pytest and run_command([python, "-c", "import pytest"], root, 60).exit_code:
        raise ConfigError(f"pytest is not installed in {python}; install it or pass --python")
    baseline, measured = _first_run(plan, root, python, timeout_s, mapped)
    _check_started(plan, baseline, root)
    if mapped and measured is None:
        notes.append("every patch runs the whole suite: the base run gave no coverage map")
    _describe(plan, baseline, notes)
    return Baseline(baseline, measured)


def _first_run(
    plan: Suite, root: Path, python: str, timeout_s: float, mapped: bool
) -> tuple[SandboxRun, LineCoverage | None]:
    args = pytest_args(plan) if mapped and plan.observed_argv is not None else None
    if args is None:
        return run_suite(plan, root, timeout_s), None
    try:
        run, measured = measure(python, args, root, timeout_s, outcomes=True)
    except ConfigError:  # no coverage.py to be had: the plain run, and no map
        return run_suite(plan, root, timeout_s), None
    return run, measured if measured is not None and _complete(run, measured) else None


def _check_started(plan: Suite, baseline: SandboxRun, root: Path) -> None:
    """A pytest session that stopped before any test at the base (a conftest that cannot be
    imported, a bad option) would judge every patch against tests that never ran: that is
    the environment's fault, said now, not a rejection per patch."""
    if plan.observed_argv is None or baseline.timed_out:
        return
    if baseline.exit_code not in _NOT_STARTED or (baseline.outcomes and baseline.outcomes.tests):
        return
    output = baseline.output.replace(f"{root}/", "")
    found = _RAISED.search(output) or _USAGE.search(output)
    cause = found.group(1).strip() if found else (baseline.tail(1).strip() or "no output")
    if conftest := _CONFTEST.search(output):
        cause += f" in {conftest.group(1)}"
    raise ConfigError(
        f"the tests do not start at the base commit (pytest exit {baseline.exit_code}: "
        f"{cause}); run harden with the project's environment (--python) or fix the suite"
    )


def _complete(run: SandboxRun, measured: LineCoverage) -> bool:
    """Every test that ran has its lines in the map (each runs at least its own body).

    Not so when tests ran where coverage.py did not follow (pytest-xdist workers, say):
    then the map would say that no test reaches code that they do reach.
    """
    mapped = {t for lines in measured.contexts.values() for names in lines.values() for t in names}
    ran = {n for n, o in (run.outcomes.tests if run.outcomes else {}).items() if o in _RAN}
    return bool(run.outcomes and run.outcomes.finished and ran) and ran <= mapped


def _describe(plan: Suite, baseline: SandboxRun, notes: list[str]) -> None:
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
