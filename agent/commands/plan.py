"""``harden plan``: findings, fixers and the model's estimated cost; changes nothing."""

from __future__ import annotations

from rich.table import Table

from agent.commands.policy import sandbox_policy
from agent.config import Output, Settings
from agent.models import Priority, Severity
from agent.report.console import echo
from agent.report.console import err as _err
from agent.report.console import out as _out
from agent.report.progress import Progress
from agent.report.tables import print_table
from agent.run.plan import Plan, PlanAction, PlanRow, make_plan
from agent.run.replay.front import answered, computing

__all__ = ["plan_action"]


def plan_action(settings: Settings, output: Output, fail_on: Severity | None = None) -> int:
    """``harden plan``: findings, fixers and the model's estimated cost; changes nothing.
    Exit 1 when ``fail_on`` is given and a finding at or above that severity is listed."""
    sandbox_policy(settings)
    with (
        computing(),
        Progress(_err, "planning: scanning, and for the tests priority, running the tests"),
    ):
        plan = make_plan(settings)
    if output.as_json:
        echo(plan.model_dump_json(indent=2))
    else:
        _print_plan(plan)
    for skipped in plan.skipped:
        _err.print(f"warning: skipped {skipped.path}: {skipped.reason}")
    for note in plan.notes:
        _err.print(f"note: {note}")
    code = _gate(plan, fail_on)
    answered(code, _replayable(settings, output, plan))
    return code


def _replayable(settings: Settings, output: Output, plan: Plan) -> bool:
    """Whether a replay may answer this plan again (agent.run.replay): not one that runs
    the repo's tests, asks about a model, follows a ref or logs more than warnings."""
    return (
        Priority.TESTS not in settings.priorities
        and plan.model is None
        and settings.since is None
        and not settings.rerun
        and output.verbose == 0
    )


def _gate(plan: Plan, fail_on: Severity | None) -> int:
    """``--fail-on``: 1 (and a line on stderr) when a listed finding is that severe."""
    if fail_on is None:
        return 0
    severe = [r for r in plan.rows if r.finding.severity.rank >= fail_on.rank]
    if not severe:
        return 0
    _err.print(f"{len(severe)} finding(s) of severity {fail_on.value} or higher (--fail-on)")
    return 1


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
    estimated = f"estimated {total} for {len(costs)} call(s)"
    return f"{found} {rest} would go to {model} ({estimated}, no call made)."
