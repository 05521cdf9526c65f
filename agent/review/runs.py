"""The run behind a branch: its report.json under ``.harden/runs/``, and the latest run's
branch when none is named."""

from __future__ import annotations

from pydantic import ValidationError

from agent.errors import UsageError
from agent.git.repo import Repo
from agent.models import RunReport

__all__ = ["Reviewed", "find_branch"]


class Reviewed:
    """A branch to review: its name, the commit it starts from, and its run's report."""

    def __init__(self, branch: str, base: str, report: RunReport | None) -> None:
        self.branch = branch
        self.base = base
        self.report = report


def _reports(repo: Repo) -> list[RunReport]:
    """Every readable report.json of the repo's runs, oldest first."""
    found = []
    for path in sorted(repo.harden_dir.glob("runs/*/report.json")):
        try:
            found.append(RunReport.model_validate_json(path.read_text(encoding="utf-8")))
        except (OSError, ValidationError):
            continue  # a report from an older harden or a broken file: not a run to review
    return sorted(found, key=lambda r: r.started_at)


def find_branch(repo: Repo, branch: str | None) -> Reviewed:
    """``branch`` (default: the latest run's branch that still exists) and its run."""
    reports = [r for r in _reports(repo) if r.branch and repo.branch_exists(r.branch)]
    if branch is None:
        if not reports:
            raise UsageError(f"no harden branch to review in {repo.root}; name one")
        latest = reports[-1]
        return Reviewed(str(latest.branch), latest.base_commit, latest)
    if not repo.branch_exists(branch):
        raise UsageError(f"no branch named {branch!r} in {repo.root}")
    report = next((r for r in reversed(reports) if r.branch == branch), None)
    if report is not None:
        return Reviewed(branch, report.base_commit, report)
    base = repo.merge_base(branch, repo.head())
    if base is None:
        raise UsageError(f"branch {branch!r} shares no history with HEAD")
    return Reviewed(branch, base, None)
