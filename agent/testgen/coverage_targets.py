"""Find the public functions no test reaches: the targets of the tests priority.

The repo's pytest command runs once under coverage.py at the base commit (in the run's
worktree, sandboxed like every test run). A public function of a scanned, non-test file
is a target when none of its body lines executed, or when the tests never imported its
module at all. Each target becomes a Finding with rule ``HT101`` and a stable id, so it
flows through grouping, the model phase, the funnel and the report like any finding.

Targets are ranked by risk: functions other priorities' findings touch first (a fix
there deserves a regression test), then request handlers, then the rest, longer first.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from agent.models import Confidence, Finding, Priority, Severity, stable_finding_id
from agent.redaction.secrets import redact_fixed
from agent.sandbox.coverage import LineCoverage, measure, pytest_args
from agent.sandbox.runner import SandboxRun
from agent.sandbox.suite import Suite
from agent.scan.files import is_test_file
from agent.scan.parse import parse_python
from agent.scan.source import read_source
from agent.scan.symbols import SymbolIndex
from agent.testgen.functions import PublicFunction, public_functions

__all__ = ["TARGET_RULE", "CoverageTargets", "coverage_targets"]

TARGET_RULE = "HT101"
_RISKY, _HANDLER, _OTHER = range(3)


@dataclass(frozen=True)
class CoverageTargets:
    """The targets, best first; the suite's run under coverage; why there are none, if so."""

    findings: tuple[Finding, ...]
    suite_run: SandboxRun | None = None
    note: str | None = None


def coverage_targets(
    root: Path,
    files: Sequence[str],
    plan: Suite,
    python: str,
    timeout_s: float,
    risky_symbols: Collection[tuple[str, str]] = (),
    measured: tuple[SandboxRun, LineCoverage] | None = None,
) -> CoverageTargets:
    """Run the suite under coverage in ``root`` and list the unreached public functions.

    ``risky_symbols`` are (path, symbol) pairs touched by other priorities' findings.
    ``measured``: the run's baseline, already run under coverage (then not run again).
    Raises ConfigError when coverage.py is not in ``python`` and cannot be layered over it.
    """
    sources = [f for f in files if f.endswith(".py") and not is_test_file(f)]
    if plan.argv is None:
        note = "the repo has no tests, so every public function is a target"
        return CoverageTargets(_targets(root, sources, LineCoverage(), risky_symbols), note=note)
    args = pytest_args(plan)
    if args is None:
        note = f"untested functions are found with pytest; {plan.display} is not pytest"
        return CoverageTargets((), note=note)
    run, lines = measured or measure(python, args, root, timeout_s)
    if lines is None:
        why = "timed out" if run.timed_out else f"exit code {run.exit_code}"
        note = f"the test suite gave no coverage data ({why}): {run.tail(3)}"
        return CoverageTargets((), run, note)
    return CoverageTargets(_targets(root, sources, lines, risky_symbols), run)


def _targets(
    root: Path, paths: Sequence[str], measured: LineCoverage, risky: Collection[tuple[str, str]]
) -> tuple[Finding, ...]:
    ranked: list[tuple[tuple[int, int, str, int], Finding]] = []
    for path in paths:
        tree, lines = _parse(root / path)
        if tree is None:
            continue
        symbols = SymbolIndex(tree)
        for fn in public_functions(tree):
            if _unreached(path, fn, measured):
                tier = _tier(path, fn, risky)
                finding = _finding(path, fn, symbols, lines, tier)
                ranked.append(((tier, -fn.length, path, fn.def_line), finding))
    return tuple(finding for _, finding in sorted(ranked, key=lambda item: item[0]))


def _parse(path: Path) -> tuple[ast.Module | None, list[str]]:
    try:
        text = read_source(path)
        return parse_python(text, filename=str(path)), text.splitlines()
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None, []  # the scan reports unreadable and unparsable files


def _unreached(path: str, fn: PublicFunction, measured: LineCoverage) -> bool:
    """No body line ran; a module the tests never imported counts as unreached."""
    if not measured.measured(path):
        return True
    return bool(measured.statements_in(path, fn.body)) and not measured.executed_in(path, fn.body)


def _tier(path: str, fn: PublicFunction, risky: Collection[tuple[str, str]]) -> int:
    touched = any(p == path and (s == fn.symbol or s.startswith(f"{fn.symbol}.")) for p, s in risky)
    if touched:
        return _RISKY
    return _HANDLER if fn.is_handler else _OTHER


def _finding(
    path: str, fn: PublicFunction, symbols: SymbolIndex, lines: list[str], tier: int
) -> Finding:
    source_line = lines[fn.def_line - 1].strip()
    symbol = symbols.symbol_at(fn.def_line)
    kind = "request handler" if fn.is_handler else "method" if "." in symbol else "function"
    return Finding(
        id=stable_finding_id(TARGET_RULE, path, symbol, source_line, 0),
        rule=TARGET_RULE,
        tools=("harden",),
        message=f"public {kind} `{symbol}` ({fn.length} lines) is not reached by any test",
        severity=Severity.LOW if tier == _OTHER else Severity.MEDIUM,
        confidence=Confidence.HIGH,
        priority=Priority.TESTS,
        path=path,
        line=fn.def_line,
        end_line=fn.end_line,
        symbol=symbol,
        source_line=redact_fixed(source_line),
    )
