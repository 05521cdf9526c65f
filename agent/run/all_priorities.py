"""``--priority all``: every priority in order, one branch each, all from one base commit.

Each branch can be reviewed and merged on its own. A later priority skips the findings
inside functions an earlier branch changed (their fixes would conflict at merge time) and
its report says so; those findings are fixed by a run after that branch is merged.

A later priority that cannot run (coverage.py missing for the tests priority, say) does
not take the others down: the rest still run, and the failure is returned to be reported.
A failure of the first one (a bad repo, option or lock) ends the run at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.config import Settings
from agent.errors import ConfigError, HardenError
from agent.git.repo import open_repo
from agent.models import Priority, RunReport
from agent.run.pipeline import Status, run
from agent.run.touched import Symbol, touched_symbols
from agent.sandbox.baseline import BaselineMemo

__all__ = ["AllRuns", "run_all"]


@dataclass
class AllRuns:
    reports: list[RunReport] = field(default_factory=list)
    failures: dict[Priority, HardenError] = field(default_factory=dict)


def run_all(settings: Settings, status: Status) -> AllRuns:
    """One run per priority of ``settings``, in the order production needs them."""
    if settings.resume:
        raise ConfigError("--resume continues one priority's run: pass it without --priority all")
    repo = open_repo(settings.repo)
    taken: set[Symbol] = set()
    baselines = BaselineMemo()  # one base commit: one base run for every priority
    done = AllRuns()
    for priority in settings.priorities:
        status(f"priority {priority}")
        one = settings.model_copy(update={"priorities": (priority,)})
        try:
            found = frozenset(taken)
            report = run(one, status, base=repo.base_commit, taken=found, baselines=baselines)
        except HardenError as exc:
            if priority is settings.priorities[0]:
                raise  # a bad repo, option or lock: every priority would fail the same way
            done.failures[priority] = exc
            continue
        done.reports.append(report)
        if report.branch:
            taken |= touched_symbols(repo, report.branch)
    return done
