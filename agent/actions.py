"""What each command does, between the CLI's parsing and the pipeline's work."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Collection
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from agent.childenv import SandboxPolicy, set_policy
from agent.config import Settings, load_settings
from agent.costs import cost_json, cost_table
from agent.depenv import bundled_python
from agent.errors import ConfigError, PriorityFailedError, ToolError
from agent.ledger import Ledger
from agent.models import RunReport
from agent.pipeline import run
from agent.plan import Plan, PlanAction, PlanRow, make_plan
from agent.priorities import run_all
from agent.progress import Progress
from agent.prompts import check_lock, list_prompts, lock_new_versions
from agent.report import print_summary
from agent.report_priorities import priorities_table
from agent.report_redact import redact_report
from agent.resources import bundled_dir
from agent.tables import print_table
from agent.testplan import resolve_python, started_interpreter

__all__ = ["demo_action", "plan_action", "run_action"]

_out = Console(soft_wrap=True)  # commands and paths must stay copyable: no hard wraps
_err = Console(stderr=True, soft_wrap=True)


def run_action(settings: Settings) -> int:
    """``harden run``: exit 0 when the run completed, whatever it fixed."""
    _sandbox_policy(settings)
    if settings.all_priorities:
        _run_all_and_show(settings)
    else:
        _run_and_show(settings)
    return 0


def _sandbox_policy(settings: Settings) -> None:
    """What the user allowed the confined commands of this process (see agent.childenv)."""
    interpreters: tuple[str, ...] = ()
    with contextlib.suppress(ConfigError):  # no interpreter: the run says so where it needs one
        started = started_interpreter(resolve_python(settings.python))
        interpreters = (started,) if started else ()
    set_policy(SandboxPolicy(settings.pass_env, settings.allow_unconfined, interpreters))


def _run_and_show(settings: Settings) -> RunReport:
    with Progress(_err) as progress:
        report = run(settings, progress.update)
    if settings.json_output:
        click.echo(redact_report(report).model_dump_json(indent=2))  # no secret on stdout
    else:
        _show(report)
    _notes(report)
    return report


def _run_all_and_show(settings: Settings) -> list[RunReport]:
    with Progress(_err) as progress:
        done = run_all(settings, progress.update)
    reports = done.reports
    if settings.json_output:
        runs = ",\n".join(redact_report(r).model_dump_json(indent=2) for r in reports)
        click.echo(f'{{"runs": [\n{runs}\n]}}')
    else:
        for report in reports:
            _show(report)
        print_table(_out, priorities_table(reports))
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
    _sandbox_policy(settings)
    with Progress(_err, "planning: scanning, and for the tests priority, running the tests"):
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
    columns += ["severity", "rule", "CWE", "location", "symbol", "plan", "fixer"]
    for column in columns + (["est. tokens", "est. $"] if plan.model else []):
        table.add_column(column, no_wrap=True)
    for row in plan.rows:
        f = row.finding
        cells = [f.priority.value] if several else []
        cells += [f.severity, f.rule, f"CWE-{f.cwe}" if f.cwe else "", f.location, f.symbol]
        action = f"{row.action.value}: {row.reason}" if row.reason else row.action.value
        table.add_row(*cells, action, row.fixer, *(_estimate_cells(row) if plan.model else []))
    print_table(_out, table)
    for priority in plan.priorities if several else ():
        _out.print(f"{priority.value}: {_plan_summary(plan.rows_of(priority), plan.model)}")
    _out.print(_plan_summary(list(plan.rows), plan.model) + " Nothing was changed.")


def _estimate_cells(row: PlanRow) -> list[str]:
    if row.est_input_tokens is None:
        return ["", ""]
    usd = "unknown" if row.est_usd is None else f"{row.est_usd:.4f}"
    return [f"{row.est_input_tokens}+{row.est_output_tokens}", usd]


def _plan_summary(rows: list[PlanRow], model: str | None) -> str:
    count = {a: sum(1 for r in rows if r.action is a) for a in PlanAction}
    parts = [f"{count[PlanAction.CODEMOD]} fixable offline (codemod patch ready)"]
    if count[PlanAction.REFUSED]:
        parts.append(f"{count[PlanAction.REFUSED]} refused by a codemod")
    if count[PlanAction.SKIPPED]:
        parts.append(f"{count[PlanAction.SKIPPED]} skipped")
    rest = len(rows) - count[PlanAction.CODEMOD] - count[PlanAction.SKIPPED]
    found = f"{len(rows)} finding(s): {'; '.join(parts)};"
    if model is None:
        return f"{found} {rest} need a model."
    costs = [r.est_usd for r in rows if r.est_input_tokens is not None]
    total = "unknown" if None in costs else f"${sum(c or 0.0 for c in costs):.4f}"
    return f"{found} {rest} would go to {model} (estimated {total}, no call made)."


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
    flags = {"json_output": json_output, "python": bundled_python("harden demo")}
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


def cost_action(json_output: bool) -> int:
    """``harden cost``: the ledger's spend per run, model and prompt version."""
    with Ledger.default() as ledger:
        if json_output:
            click.echo(cost_json(ledger))
        elif ledger.count() == 0:
            _out.print("no model call has been recorded yet")
            return 0
        else:
            print_table(_out, cost_table(ledger))
    return 0


def prompts_action(root: Path | None, lock: bool) -> int:
    """``harden prompts``: the prompt versions in ``root`` (default: the shipped ones) and
    whether each matches the lock; exit 1 on any drift. ``lock`` releases new versions."""
    if lock:
        for ref in lock_new_versions(root):
            _err.print(f"released {ref}")
    problems = {m.ref: m for m in check_lock(root)}
    table = Table(title=f"prompts in {root}" if root else "prompts")
    table.add_column("prompt", no_wrap=True)
    table.add_column("description", overflow="fold")
    table.add_column("sha256", no_wrap=True)
    table.add_column("lock", no_wrap=True)
    for prompt in list_prompts(root):
        ref = str(prompt.ref)
        status = _LOCK_STATUS[problems[ref].kind] if ref in problems else "ok"
        table.add_row(ref, prompt.description, prompt.content_hash[:16], status)
    print_table(_out, table)
    for problem in problems.values():
        _err.print(str(problem))
    return 1 if problems else 0


_LOCK_STATUS = {"changed": "changed!", "missing": "missing!", "unlocked": "not locked"}
