"""``harden checklist``: the repository scored item by item; changes nothing, exits 0."""

from __future__ import annotations

from pathlib import Path

from agent.checklist import score_repo
from agent.config import Output
from agent.errors import NoPythonFilesError, NotARepoError, UsageError
from agent.report.checklist import print_checklist
from agent.report.console import echo
from agent.report.console import err as _err
from agent.report.console import out as _out
from agent.report.progress import Progress

__all__ = ["checklist_action"]


def checklist_action(path: Path, output: Output) -> int:
    """Print the scorecard of ``path`` at HEAD; a path that is no repo is a usage error."""
    try:
        with Progress(_err, "checklist: scanning the repository at HEAD"):
            checklist = score_repo(path)
    except (NotARepoError, NoPythonFilesError) as exc:
        raise UsageError(exc.message) from exc
    if output.as_json:
        echo(checklist.model_dump_json(indent=2))
    else:
        print_checklist(_out, checklist)
    return 0
