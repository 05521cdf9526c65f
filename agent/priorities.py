"""``--priority all``: every priority in order, one branch each, all from one base commit.

Each branch can be reviewed and merged on its own. A later priority skips the findings
inside functions an earlier branch changed (their fixes would conflict at merge time) and
its report says so; those findings are fixed by a run after that branch is merged.
"""

from __future__ import annotations

from agent.config import Settings
from agent.errors import ConfigError
from agent.models import PRIORITY_ORDER, RunReport
from agent.pipeline import Status, run
from agent.repo import open_repo
from agent.touched import Symbol, touched_symbols

__all__ = ["run_all"]


def run_all(settings: Settings, status: Status) -> list[RunReport]:
    """One run per priority, in the order production needs them."""
    if settings.resume:
        raise ConfigError("--resume continues one priority's run: pass it without --priority all")
    repo = open_repo(settings.repo)
    taken: set[Symbol] = set()
    reports: list[RunReport] = []
    for priority in PRIORITY_ORDER:
        status(f"priority {priority}")
        one = settings.model_copy(update={"priority": priority, "all_priorities": False})
        report = run(one, status, base=repo.base_commit, taken=frozenset(taken))
        reports.append(report)
        if report.branch:
            taken |= touched_symbols(repo, report.branch)
    return reports
