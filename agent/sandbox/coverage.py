"""Run tests under coverage.py and read back which lines of which files they executed.

The tests are untrusted code, so they run through `agent.sandbox.runner.run_command` like any
other test run. coverage.py runs in the repository's own interpreter (layered with harden's
own coverage.py when it has none) with an empty rcfile of ours (a repo's own coverage
settings, such as ``source``, ``omit`` or ``parallel``, must not change what we measure),
and its data and JSON report live in a temporary directory outside the repository, so a
measurement leaves no file in the worktree.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agent.errors import ConfigError
from agent.llm.cache import default_cache_dir
from agent.sandbox.depenv import DependencyError, python_with_coverage
from agent.sandbox.outcomes import PLUGIN_ARGS
from agent.sandbox.runner import SandboxRun, run_command
from agent.sandbox.suite import Suite

__all__ = ["LineCoverage", "coverage_python", "measure", "pytest_args"]

_RCFILE = "[run]\nrelative_files = True\n"
_TOOL_TIMEOUT_S = 120


@dataclass(frozen=True)
class LineCoverage:
    """Per file (relative to the repository root): the executed and the missed lines."""

    executed: Mapping[str, frozenset[int]] = field(default_factory=dict)
    missing: Mapping[str, frozenset[int]] = field(default_factory=dict)
    # per file, line -> the node ids of the tests that ran it ("" for no test: collection)
    contexts: Mapping[str, Mapping[int, frozenset[str]]] = field(default_factory=dict)

    def measured(self, path: str) -> bool:
        return path in self.executed

    def executed_in(self, path: str, lines: range) -> frozenset[int]:
        return frozenset(n for n in self.executed.get(path, ()) if n in lines)

    def statements_in(self, path: str, lines: range) -> frozenset[int]:
        every = self.executed.get(path, frozenset()) | self.missing.get(path, frozenset())
        return frozenset(n for n in every if n in lines)


def coverage_python(python: str) -> str:
    """``python``, or a layer over it with harden's coverage.py (built once, cached).

    Raises ConfigError naming the install command when no layer can be made.
    """
    try:
        return python_with_coverage(python, default_cache_dir() / "envs")
    except (DependencyError, OSError) as exc:
        raise ConfigError(
            f"coverage.py is not installed in {python} and could not be added ({exc}), so "
            f"untested functions cannot be found; install it with: {python} -m pip install "
            "coverage (or pass --python)"
        ) from exc


def pytest_args(plan: Suite) -> list[str] | None:
    """The arguments after ``pytest`` in the repo's test command; None if it is not pytest."""
    argv = list(plan.argv or ())
    for i, arg in enumerate(argv):
        if arg == "-m" and argv[i + 1 : i + 2] == ["pytest"]:
            return argv[i + 2 :]
        if Path(arg).name in {"pytest", "py.test"}:
            return argv[i + 1 :]
    return None


def measure(
    python: str,
    pytest_argv: Sequence[str],
    root: Path,
    timeout_s: float,
    path_prefix: Path | None = None,
    outcomes: bool = False,
) -> tuple[SandboxRun, LineCoverage | None]:
    """Run ``python -m pytest <pytest_argv>`` under coverage; None when no data came out.

    With ``outcomes`` the run streams per-test outcomes (agent.sandbox.outcomes), and the
    outcome plugin names each test's coverage context: the result has ``contexts``.
    """
    python = coverage_python(python)
    with tempfile.TemporaryDirectory(prefix="harden-coverage-") as tmp:
        rcfile, data, report = Path(tmp) / "rc", Path(tmp) / "data", Path(tmp) / "cov.json"
        rcfile.write_text(_RCFILE, encoding="utf-8")
        common = [f"--rcfile={rcfile}", f"--data-file={data}"]
        plugin = PLUGIN_ARGS if outcomes else ()
        argv = [python, "-m", "coverage", "run", *common, "-m", "pytest", *plugin, *pytest_argv]
        scratch = [Path(tmp)]  # coverage writes its data here, from inside the sandbox
        run = run_command(
            argv, root, timeout_s, path_prefix=path_prefix, writable=scratch, outcomes=outcomes
        )
        if run.timed_out or not data.exists():
            return run, None
        shown = ["--show-contexts"] if outcomes else []
        # files the tests wrote to their temp dirs and removed have no source: skip them
        export = [python, "-m", "coverage", "json", *common, *shown, "-i", "-q", "-o", str(report)]
        done = run_command(export, root, _TOOL_TIMEOUT_S, path_prefix=path_prefix, writable=scratch)
        if done.exit_code != 0 or not report.is_file():
            return run, None
        return run, _parse(json.loads(report.read_text(encoding="utf-8")), root)


def _parse(data: Mapping[str, object], root: Path) -> LineCoverage:
    files = data.get("files")
    executed: dict[str, frozenset[int]] = {}
    missing: dict[str, frozenset[int]] = {}
    contexts: dict[str, dict[int, frozenset[str]]] = {}
    for name, entry in (files if isinstance(files, dict) else {}).items():
        path = _relative(str(name), root)
        if path is not None and isinstance(entry, dict):
            executed[path] = frozenset(entry.get("executed_lines", ()))
            missing[path] = frozenset(entry.get("missing_lines", ()))
            contexts[path] = _contexts(entry.get("contexts"))
    return LineCoverage(executed, missing, contexts if any(contexts.values()) else {})


def _contexts(found: object) -> dict[int, frozenset[str]]:
    """coverage.py's ``{"12": ["tests/test_a.py::test_x", ""]}`` as line -> node ids."""
    if not isinstance(found, dict):
        return {}
    return {int(line): frozenset(map(str, names)) for line, names in found.items()}


def _relative(name: str, root: Path) -> str | None:
    """A repository-relative POSIX path, or None for a file outside the repository."""
    path = Path(name)
    if not path.is_absolute():
        return path.as_posix()
    base = root.resolve()
    resolved = path.resolve()
    return resolved.relative_to(base).as_posix() if resolved.is_relative_to(base) else None
