"""What each command does, between the CLI's parsing and the pipeline's work."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Collection
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from agent.config import Settings, load_settings
from agent.costs import cost_table
from agent.errors import PriorityFailedError, ToolError
from agent.ledger import Ledger
from agent.models import RunReport
from agent.pipeline import run
from agent.plan import TOO_LARGE, Plan, PlanRow, make_plan
from agent.priorities import run_all
from agent.prompts import check_lock, list_prompts
from agent.report import print_summary
from agent.report_priorities import priorities_table
from agent.report_redact import redact_report
from agent.resources import bundled_dir

__all__ = ["demo_action", "plan_action", "run_action"]

_out = Console(soft_wrap=True)  # commands and paths must stay copyable: no hard wraps
_err = Console(stderr=True, soft_wrap=True)


def run_action(settings: Settings) -> int:
    """``harden run``: exit 0 when the run completed, whatever it fixed."""
    if settings.all_priorities:
        _run_all_and_show(settings)
    else:
        _run_and_show(settings)
    return 0


def _run_and_show(settings: Settings) -> RunReport:
    with _err.status("starting") as spinner:
        report = run(settings, lambda text: spinner.update(text))
    if settings.json_output:
        click.echo(redact_report(report).model_dump_json(indent=2))  # no secret on stdout
    else:
        _show(report)
    _notes(report)
    return report


def _run_all_and_show(settings: Settings) -> list[RunReport]:
    with _err.status("starting") as spinner:
        done = run_all(settings, lambda text: spinner.update(text))
    reports = done.reports
    if settings.json_output:
        runs = ",\n".join(redact_report(r).model_dump_json(indent=2) for r in reports)
        click.echo(f'{{"runs": [\n{runs}\n]}}')
    else:
        for report in reports:
            _show(report)
        _out.print(priorities_table(reports))
    shared = set.intersection(*(set(r.notes) for r in reports)) if reports else set()
    for note in sorted(shared):  # said by every priority's run: say it once
        _err.print(f"note: {note}")
    for report in reports:
        _notes(report, prefix=f"{report.priority.value}: ", skip=shared)
    for priority, error in done.failures.items():
        _err.print(f"error: {priority.value}: {error}")
    if done.failures:
        failed = ", ".join(p.value for p in done.failures)
        raise PriorityFailedError(f"the {failed} priority could not run (see above)")
    return reports


def _show(report: RunReport) -> None:
    print_summary(report, _out)
    _out.print(f"reports: {Path(report.repo) / '.harden' / 'runs' / report.run_id}")


def _notes(report: RunReport, prefix: str = "", skip: Collection[str] = ()) -> None:
    for note in report.notes:
        if note not in skip:
            _err.print(f"note: {prefix}{note}")


def plan_action(settings: Settings) -> int:
    """``harden plan``: findings, fixers and the model's estimated cost; changes nothing."""
    plan = make_plan(settings)
    if settings.json_output:
        click.echo(plan.model_dump_json(indent=2))
    else:
        _print_plan(plan)
    for skipped in plan.skipped:
        _err.print(f"warning: skipped {skipped.path}: {skipped.reason}")
    for note in plan.notes:
        _err.print(f"note: {note}")
    return 0


def _print_plan(plan: Plan) -> None:
    several = len(plan.priorities) > 1
    table = Table(title=f"{len(plan.rows)} findings")
    columns = ["priority"] if several else []
    columns += ["severity", "rule", "CWE", "location", "symbol", "fixer"]
    for column in columns + (["est. tokens", "est. $"] if plan.model else []):
        table.add_column(column, overflow="fold")
    for row in plan.rows:
        f = row.finding
        cells = [f.priority.value] if several else []
        cells += [f.severity, f.rule, f"CWE-{f.cwe}" if f.cwe else "", f.location, f.symbol]
        table.add_row(*cells, row.fixer, *(_estimate_cells(row) if plan.model else []))
    _out.print(table)
    for priority in plan.priorities if several else ():
        _out.print(f"{priority.value}: {_plan_summary(plan.rows_of(priority), plan.model)}")
    _out.print(_plan_summary(list(plan.rows), plan.model) + " Nothing was changed.")


def _estimate_cells(row: PlanRow) -> list[str]:
    if row.est_input_tokens is None:
        return ["", ""]
    usd = "unknown" if row.est_usd is None else f"{row.est_usd:.4f}"
    return [f"{row.est_input_tokens}+{row.est_output_tokens}", usd]


def _plan_summary(rows: list[PlanRow], model: str | None) -> str:
    codemod = sum(1 for r in rows if r.fixer.startswith("harden:"))
    too_large = sum(1 for r in rows if r.fixer == TOO_LARGE)
    rest = len(rows) - codemod - too_large
    found = f"{len(rows)} finding(s): {codemod} can be fixed by a built-in codemod;"
    skipped = f" {too_large} skipped (file too large to patch)." if too_large else ""
    if model is None:
        return f"{found} {rest} need a model.{skipped}"
    costs = [r.est_usd for r in rows if r.est_input_tokens is not None]
    total = "unknown" if None in costs else f"${sum(c or 0.0 for c in costs):.4f}"
    return f"{found} {rest} would go to {model} (estimated {total}, no call made).{skipped}"


def demo_action(json_output: bool) -> int:
    """Copy the bundled example to a temp git repo and run the security job on it."""
    target = Path(tempfile.mkdtemp(prefix="harden-demo-")) / "notes-app"
    shutil.copytree(
        bundled_dir("examples"),
        target,
        ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.pyc"),
    )
    _init_repo(target)
    _err.print(f"harden demo: example app copied to {target} and committed")
    flags = {"json_output": json_output, "python": sys.executable}
    report = _run_and_show(load_settings(target, flags))
    if report.branch:
        _err.print(f"review the fixes: cd {target} && git log -p main..{report.branch}")
    return 0


def _init_repo(path: Path) -> None:
    ident = ["-c", "user.name=harden demo", "-c", "user.email=demo@harden.invalid"]
    try:
        for args in (
            ["init", "-q", "-b", "main"],
            ["add", "-A"],
            [*ident, "commit", "-q", "-m", "example"],
        ):
            subprocess.run(["git", *args], cwd=path, check=True, capture_output=True)
    except subprocess.CalledProcessError as exc:
        raise ToolError(f"could not create the demo repo: {exc.stderr.decode().strip()}") from exc


def cost_action() -> int:
    """``harden cost``: the ledger's spend per run, model and prompt version."""
    with Ledger.default() as ledger:
        if ledger.count() == 0:
            _out.print("no model call has been recorded yet")
            return 0
        _out.print(cost_table(ledger))
    return 0


def prompts_action() -> int:
    """``harden prompts``: the shipped prompt versions and whether each matches the lock."""
    changed = {m.ref for m in check_lock()}
    table = Table(title="prompts")
    for column in ("prompt", "description", "sha256", "lock"):
        table.add_column(column, overflow="fold")
    for prompt in list_prompts():
        ref = str(prompt.ref)
        status = "changed!" if ref in changed else "ok"
        table.add_row(ref, prompt.description, prompt.content_hash[:16], status)
    _out.print(table)
    return 1 if changed else 0
