"""The generated tests of a run in report.md and the terminal: each test's fate, counted.

The counts read as TestGen-LLM's funnel: how many generated tests did not run, failed,
were flaky, added no coverage, passed on the pre-patch code, and were kept.
"""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape

from agent.models import RunReport
from agent.testgen.fates import FATES

__all__ = ["fate_counts", "generated_tests_section", "print_generated_tests"]


def fate_counts(report: RunReport) -> dict[str, int]:
    """Every fate in funnel order, with how many generated tests met it."""
    tally = Counter(t.fate for t in report.generated_tests)
    return {fate: tally[fate] for fate in FATES}


def generated_tests_section(report: RunReport) -> str:
    if not report.generated_tests:
        return ""
    counts = ", ".join(f"{fate}: {n}" for fate, n in fate_counts(report).items())
    lines = [
        f"- `{t.test_path}` for `{t.target}`: **{t.fate}**{_why(t.detail)}"
        for t in report.generated_tests
    ]
    return (
        f"## Generated tests\n\n{len(report.generated_tests)} generated ({counts}).\n\n"
        + "\n".join(lines)
    )


def _why(detail: str) -> str:
    first = " ".join(detail.strip().splitlines()[:1])[:200].replace("|", "\\|")
    return f" ({first})" if first else ""


def print_generated_tests(report: RunReport, console: Console) -> None:
    if not report.generated_tests:
        return
    counts = ", ".join(f"{n} {fate}" for fate, n in fate_counts(report).items() if n)
    console.print(f"generated tests: {len(report.generated_tests)} ({escape(counts)})")
