"""``harden run`` (the default command): scan, fix, validate, commit; then show the report."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from agent.commands.policy import sandbox_policy
from agent.config import Output, Settings
from agent.errors import HardenError, PriorityFailedError
from agent.models import Priority, RunReport
from agent.report.all_priorities import priorities_table
from agent.report.console import echo
from agent.report.console import err as _err
from agent.report.console import out as _out
from agent.report.progress import Progress
from agent.report.redact import redact_report
from agent.report.tables import print_table
from agent.report.terminal import print_summary
from agent.run.finished import answered

__all__ = ["run_action", "run_and_show", "sandbox_policy"]


def run_action(settings: Settings, output: Output) -> int:
    """``harden run``: exit 0 when the run completed, whatever it fixed.

    When finished runs of this commit with the same settings answer every priority, their
    reports are shown and nothing runs (the machinery of a run is not even loaded).
    """
    many = len(settings.priorities) > 1
    earlier = answered(settings)
    if earlier is not None and many:
        _show_all(earlier, {}, output)
    elif earlier is not None:
        _show_one(earlier[0], output)
    elif many:
        sandbox_policy(settings)
        _run_all_and_show(settings, output)
    else:
        sandbox_policy(settings)
        run_and_show(settings, output)
    return 0


def run_and_show(settings: Settings, output: Output) -> RunReport:
    from agent.run.pipeline import run  # the run's machinery (libcst...): only to run

    with Progress(_err) as progress:
        report = run(settings, progress.update)
    _show_one(report, output)
    return report


def _run_all_and_show(settings: Settings, output: Output) -> list[RunReport]:
    from agent.run.all_priorities import run_all

    with Progress(_err) as progress:
        done = run_all(settings, progress.update)
    return _show_all(done.reports, done.failures, output)


def _show_all(
    reports: list[RunReport], failures: Mapping[Priority, HardenError], output: Output
) -> list[RunReport]:
    """Each priority's report, their table; notes every run shares are said once."""
    if output.as_json:
        runs = ",\n".join(redact_report(r).model_dump_json(indent=2) for r in reports)
        echo(f'{{"runs": [\n{runs}\n]}}')
    else:
        for report in reports:
            _show(report)
        print_table(_out, priorities_table(reports))
    shared = set.intersection(*(set(r.notes) for r in reports)) if reports else set()
    for note in sorted(shared):  # said by every priority's run: say it once
        _err.print(f"note: {note}")
    for report in reports:
        _notes(report, prefix=f"{report.priority.value}: ", skip=shared)
    for priority, error in failures.items():
        _err.print(f"error: {priority.value}: {error}")
    if failures:
        failed = ", ".join(p.value for p in failures)
        raise PriorityFailedError(f"the {failed} priority could not run (see above)")
    return reports


def _show_one(report: RunReport, output: Output) -> None:
    if output.as_json:
        echo(redact_report(report).model_dump_json(indent=2))  # no secret on stdout
    else:
        _show(report)
    _notes(report)


def _show(report: RunReport) -> None:
    print_summary(report, _out)
    _out.print(f"reports: {Path(report.repo) / '.harden' / 'runs' / report.run_id}")


def _notes(report: RunReport, prefix: str = "", skip: Collection[str] = ()) -> None:
    for note in report.notes:
        if note not in skip:
            _err.print(f"note: {prefix}{note}")
