"""The characterization tests of a run in report.md: each file's fate, counted, and where
the kept ones are offered (their commit on the run's branch)."""

from __future__ import annotations

from collections import Counter
from typing import get_args

from rich.console import Console
from rich.markup import escape

from agent.models import CharacterizationFateKind, RunReport, RuntimeEvidence

__all__ = ["characterization_section", "evidence_counts", "print_characterization"]

_FATES: tuple[CharacterizationFateKind, ...] = get_args(CharacterizationFateKind)


def evidence_counts(report: RunReport) -> str:
    """The accepted patches by runtime evidence: ``tests: 0, characterization: 1, ...``."""
    tally = Counter(v.evidence for v in report.verdicts if v.accepted)
    return ", ".join(f"{kind.value}: {tally[kind]}" for kind in RuntimeEvidence)


def characterization_section(report: RunReport) -> str:
    if not report.characterization:
        return ""
    tally = Counter(c.fate for c in report.characterization)
    counts = ", ".join(f"{fate}: {tally[fate]}" for fate in _FATES if tally[fate])
    lines = [_line(c.test_path, c.target, c.fate, c.detail) for c in report.characterization]
    for c in report.characterization:
        if c.commit:
            dropped = f", without {', '.join(c.dropped_cases)}" if c.dropped_cases else ""
            lines.append(f"  - offered in commit `{c.commit[:12]}`{dropped}")
    intro = (
        f"{len(report.characterization)} asked for ({counts}). A kept file passed 3 runs on "
        "the base commit; every patch to its function had to keep it passing."
    )
    return "## Characterization tests\n\n" + intro + "\n\n" + "\n".join(lines)


def _line(path: str, target: str, fate: str, detail: str) -> str:
    first = " ".join(detail.strip().splitlines()[:1])[:200].replace("|", "\\|")
    return f"- `{path}` for `{target}`: **{fate}**" + (f" ({first})" if first else "")


def print_characterization(report: RunReport, console: Console) -> None:
    if not report.characterization:
        return
    tally = Counter(c.fate for c in report.characterization)
    counts = ", ".join(f"{tally[fate]} {fate}" for fate in _FATES if tally[fate])
    offered = sum(1 for c in report.characterization if c.commit)
    text = f"characterization tests: {len(report.characterization)} ({counts}); "
    console.print(escape(text + f"{offered} offered on the branch"))
