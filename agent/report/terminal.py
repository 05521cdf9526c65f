"""The terminal summary of a run: the findings table, rejections, and where the fixes are."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agent.models import CommitRecord, RunReport
from agent.report.characterization import print_characterization
from agent.report.counts import rejected_by_stage, severity_counts, verdict_for
from agent.report.llm_section import print_model_summary
from agent.report.unfixed import describe_rejection, earlier_attempts

__all__ = ["print_summary"]


def print_summary(report: RunReport, console: Console) -> None:
    """The findings table, rejections per stage, and where to look at the fixes."""
    table = Table(title=f"harden: {report.priority.value} findings")
    for column in ("severity", "found", "fixed", "rejected", "needs a model"):
        table.add_column(column, justify="left" if column == "severity" else "right")
    *rows, total = severity_counts(report)
    for row in rows:
        table.add_row(*row.cells(), end_section=row is rows[-1])
    table.add_row(*total.cells(), style="bold")
    console.print(table)
    for stage, count in rejected_by_stage(report).items():
        console.print(f"rejected at {stage.value}: {count} patch(es)")
    for commit in report.commits:
        _print_earlier_attempts(report, commit, console)
    print_model_summary(report, console)
    if report.generated_tests:
        from agent.testgen.report import print_generated_tests  # see _generated_tests

        print_generated_tests(report, console)
    print_characterization(report, console)
    if report.branch is None:
        console.print("no fix was accepted; no branch was created")
    else:
        branch = escape(report.branch)
        console.print(f"fixes are on branch [bold]{branch}[/bold]; review: git log -p {branch}")


def _print_earlier_attempts(report: RunReport, commit: CommitRecord, console: Console) -> None:
    verdict = verdict_for(report, commit)
    by = "the model" if verdict is not None and verdict.patch.model else "a codemod"
    for earlier in earlier_attempts(report, commit):
        said = escape(describe_rejection(earlier, detail=False))
        console.print(f"{said}, then fixed by {by}: {escape(commit.title)} ({commit.sha[:10]})")
