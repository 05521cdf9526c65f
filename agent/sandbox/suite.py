"""Which test command validates patches, with which interpreter, and how to judge a run.

Command: ``--test-command``, else ``[tool.harden] test-command``, else pytest when the
repo has tests, else none. Interpreter: ``--python``, else the active virtual env's,
else ``python`` on PATH, so validation uses the project's own dependencies. The suite
runs once at the base; tests that already fail there are not held against a patch.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agent.config import read_environment
from agent.errors import ConfigError
from agent.sandbox.judge import EXIT_CODE_ONLY, judge_outcomes, stream_problem
from agent.sandbox.outcomes import with_plugin
from agent.scan.files import is_test_file

if TYPE_CHECKING:  # the runner (and git under it) is not needed to find a suite
    from agent.sandbox.runner import SandboxRun

__all__ = [
    "NO_TESTS_COLLECTED",
    "Suite",
    "collected_nothing",
    "find_suite",
    "judge",
    "resolve_python",
    "summary_line",
]

NO_TESTS_COLLECTED = "pytest collected no tests at the base commit"
_PYTEST_NO_TESTS = 5  # pytest's exit code when it collected nothing
_SUMMARY = re.compile(r"\b\d+ (?:passed|failed|errors?|skipped|xfailed|xpassed)\b.*? in [\d.]+s")


@dataclass(frozen=True)
class Suite:
    argv: tuple[str, ...] | None
    source: str
    is_pytest: bool

    @property
    def display(self) -> str:
        return shlex.join(self.argv) if self.argv else "none"

    @property
    def observed_argv(self) -> tuple[str, ...] | None:
        """The command with the outcome plugin loaded (sandbox.outcomes); None if not pytest."""
        if self.argv is None or not self.is_pytest:
            return None
        found = with_plugin(self.argv)
        return tuple(found) if found else None


def resolve_python(explicit: str | None) -> str:
    """The interpreter of the user's project environment."""
    if explicit:
        found = shutil.which(explicit)
        if not found:
            raise ConfigError(f"--python {explicit}: no such interpreter")
        # Tests run in a worktree, not here: a relative path must name this folder's file.
        # abspath, not resolve: a venv's python is a symlink that must stay inside the venv.
        return os.path.abspath(found)
    venv = read_environment().virtual_env
    if venv and (venv / "bin" / "python").exists():
        return str(venv / "bin" / "python")
    found = shutil.which("python") or shutil.which("python3")
    if not found:
        raise ConfigError("no python on PATH to run the tests with; pass --python PATH")
    return found


def started_interpreter(python: str) -> str | None:
    """The interpreter a wrapper script ``python`` starts (a pyenv shim), None otherwise.

    Asked of the script itself, isolated (``-I -S``: no site code runs), as harden asks the
    project's interpreter elsewhere; the sandbox can expose a real interpreter, not guess
    what a script runs.
    """
    with contextlib.suppress(OSError), open(python, "rb") as head:
        if head.read(2) != b"#!":
            return None
    probe = [python, "-I", "-S", "-c", "import sys; print(sys.executable)"]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = done.stdout.strip()
    return found if done.returncode == 0 and os.path.isabs(found) else None


def find_suite(command: str | None, python: str, files: Iterable[str]) -> Suite:
    if command:
        argv = tuple(shlex.split(command))
        if not argv:
            raise ConfigError("--test-command is empty")
        if shutil.which(argv[0]) is None and not Path(argv[0]).exists():
            raise ConfigError(f"test command not found: {argv[0]} (from --test-command)")
        return Suite(argv, "configured", is_pytest="pytest" in argv[:3])
    if not any(is_test_file(f) and f.endswith(".py") for f in files):
        return Suite(None, "no tests found in the repo", is_pytest=False)
    argv = (python, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider")
    return Suite(argv, "pytest (the repo has tests)", is_pytest=True)


def collected_nothing(plan: Suite, run: SandboxRun) -> bool:
    """pytest found no test to run: nothing can fail, and nothing is checked."""
    return plan.is_pytest and run.exit_code == _PYTEST_NO_TESTS


def summary_line(run: SandboxRun) -> str:
    found = _SUMMARY.findall(run.output)
    return found[-1] if found else f"exit code {run.exit_code}"


def judge(plan: Suite, baseline: SandboxRun, run: SandboxRun) -> tuple[bool, str]:
    """Whether ``run`` (with the patch) is acceptable given the ``baseline`` run.

    By per-test outcomes (agent.sandbox.judge) when the base run has them; else by exit code,
    and the detail's first line says so.
    """
    if run.timed_out:
        return False, f"the tests did not finish in {run.duration_s:.0f}s and were killed"
    if baseline.outcomes is not None and stream_problem(baseline.outcomes) is None:
        ok, detail = judge_outcomes(
            baseline.outcomes, run.outcomes, run.exit_code, baseline.exit_code
        )
        return ok, f"{summary_line(run)}; {detail}" if ok else f"{detail}\n{run.tail()}"
    why = "not a pytest command" if plan.observed_argv is None else "no outcomes at the base"
    ok, detail = _judge_exit_code(plan, baseline, run)
    first, _, rest = detail.partition("\n")
    return ok, f"{first} ({EXIT_CODE_ONLY}: {why})" + (f"\n{rest}" if rest else "")


def _judge_exit_code(plan: Suite, baseline: SandboxRun, run: SandboxRun) -> tuple[bool, str]:
    if run.passed:
        return True, summary_line(run)
    if plan.is_pytest and run.exit_code == 1 and not baseline.passed:
        new = sorted(run.failed_tests() - baseline.failed_tests())
        if run.failed_tests() and not new:
            return True, f"{summary_line(run)}; all failures already failed at the base"
        if new:
            return False, "new failures: " + ", ".join(new[:10]) + "\n" + run.tail()
    return False, f"{summary_line(run)}\n{run.tail()}"
