"""The files an eval leaves: full JSON, a Markdown summary for a pull request, JUnit XML.

``<out>/<stamp>-<label>.json|.md|.xml``. The Markdown lists regressions first, then the
summary per variant, the comparisons, and a table per case. The JUnit file has one
testcase per case and sample, whose failure message is the failed check and its reason.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from agent.evals.compare import Comparison
from agent.evals.results import EvalRun, Summary, summarise
from agent.report.md import md_table, md_text

__all__ = ["EvalResult", "render_junit", "render_markdown", "write_outputs"]


class EvalResult(BaseModel):
    """Everything one ``harden eval`` did."""

    model_config = ConfigDict(frozen=True)

    stamp: str
    started_at: str
    duration_s: float
    runs: tuple[EvalRun, ...]
    comparisons: tuple[Comparison, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def regressions(self) -> list[str]:
        return [
            f"{c.candidate} vs {c.baseline}: {r}" for c in self.comparisons for r in c.regressions
        ]

    @property
    def label(self) -> str:
        return "+".join(r.label for r in self.runs)


def write_outputs(result: EvalResult, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{result.stamp}-{_slug(result.label)}"
    files = {
        stem.with_suffix(".json"): result.model_dump_json(indent=2),
        stem.with_suffix(".md"): render_markdown(result),
        stem.with_suffix(".xml"): render_junit(result),
    }
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    return list(files)


def _slug(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._+-]+", "-", label).strip("-")[:120] or "eval"


def render_markdown(result: EvalResult) -> str:
    parts = [f"# harden eval {result.stamp}\n"]
    regressions = result.regressions
    if regressions:
        parts.append("## Regressions\n\n" + "\n".join(f"- {md_text(r)}" for r in regressions))
    elif result.comparisons:
        parts.append("## No regression\n")
    parts.append("## Summary\n\n" + _summary_table(summarise(r) for r in result.runs))
    parts += [_comparison_md(c) for c in result.comparisons]
    parts += [_cases_md(run) for run in result.runs]
    parts += [f"- note: {md_text(n)}" for n in result.notes]
    return "\n\n".join(parts) + "\n"


def summary_rows(summaries: Iterable[Summary]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the summary table (shared with the terminal table)."""
    items = list(summaries)
    priorities = sorted({p for s in items for p in s.by_priority})
    header = ["variant", "cases", "samples", "resolved", *priorities]
    header += ["pass@1", "pass@k", "pass^k", "cost", "tokens in/out", "p50 s", "p95 s"]
    rows = [
        [
            s.label,
            str(s.cases),
            str(s.samples),
            pct(s.resolved_rate),
            *(pct(s.by_priority[p]) if p in s.by_priority else "-" for p in priorities),
            pct(s.pass_at_1),
            pct(s.pass_at_k),
            pct(s.pass_hat_k),
            dollars(s.cost_usd),
            f"{s.input_tokens:,}/{s.output_tokens:,}",
            f"{s.latency_p50:.2f}",
            f"{s.latency_p95:.2f}",
        ]
        for s in items
    ]
    return header, rows


def check_rows(summaries: Iterable[Summary]) -> tuple[list[str], list[list[str]]]:
    items = list(summaries)
    checks = list(dict.fromkeys(c for s in items for c in s.checks))
    rows = [[s.label, *(pct(s.checks[c]) if c in s.checks else "-" for c in checks)] for s in items]
    return ["variant", *checks], rows


def _summary_table(summaries: Iterable[Summary]) -> str:
    items = list(summaries)
    header, rows = summary_rows(items)
    check_header, checks = check_rows(items)
    return md_table(header, rows) + "\n\nStage rates:\n\n" + md_table(check_header, checks)


def _comparison_md(c: Comparison) -> str:
    head = (
        f"## {md_text(c.candidate)} vs {md_text(c.baseline)}\n\n"
        f"{c.paired} paired case(s): {len(c.better)} better, {len(c.worse)} worse, "
        f"{c.same} same."
    )
    lists = [
        f"- {name}: {', '.join(ids)}"
        for name, ids in (("worse", c.worse), ("better", c.better))
        if ids
    ]
    rows = [
        [metric, fmt(metric, d.baseline), fmt(metric, d.candidate), signed(metric, d.change)]
        for metric, d in c.deltas.items()
    ]
    table = md_table(["metric", "baseline", "candidate", "change"], rows)
    return "\n\n".join([head, *lists, table])


def _cases_md(run: EvalRun) -> str:
    rows = [
        [
            case.case_id,
            case.priority,
            f"{case.resolved}/{case.n}",
            pct(case.pass_at_k),
            md_text("; ".join(case.reasons))[:200],
        ]
        for case in run.cases
    ]
    header = ["case", "priority", "resolved", "pass@k", "why not"]
    return f"## Cases: {md_text(run.label)}\n\n" + md_table(header, rows)


def render_junit(result: EvalResult) -> str:
    suites = ET.Element("testsuites", name="harden eval")
    for run in result.runs:
        cases = [s for c in run.cases for s in c.samples]
        failures = sum(not s.resolved for s in cases)
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=run.label,
            tests=str(len(cases)),
            failures=str(failures),
            time=f"{sum(s.duration_s for s in cases):.3f}",
        )
        for sample in cases:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{run.label}.{sample.priority}",
                name=f"{sample.case_id}[s{sample.sample}]",
                time=f"{sample.duration_s:.3f}",
            )
            if not sample.resolved:
                check, _, why = sample.reason.partition(": ")
                failure = ET.SubElement(case, "failure", message=sample.reason, type=check)
                failure.text = why
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def dollars(value: float | None) -> str:
    return "unknown" if value is None else f"${value:.4f}"


def fmt(metric: str, value: float | None) -> str:
    if value is None:
        return "-"
    if metric.startswith("cost"):
        return dollars(value)
    return f"{value:.2f}s" if metric.startswith("latency") else pct(value)


def signed(metric: str, value: float | None) -> str:
    if value is None:
        return "-"
    if metric.startswith("cost"):
        return f"{'+' if value >= 0 else '-'}${abs(value):.4f}"
    if metric.startswith("latency"):
        return f"{value:+.2f}s"
    return f"{value * 100:+.0f} pts"
