"""``harden checklist``: the repository scored item by item; changes nothing, exits 0.

With ``--production-md PATH`` it also writes the draft PRODUCTION.md of the same facts to
PATH, a path the user names: an existing file is replaced only with ``--force``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agent.checklist import Survey, survey_repo
from agent.config import Output
from agent.errors import NoPythonFilesError, NotARepoError, UsageError
from agent.report.checklist import print_checklist
from agent.report.console import echo
from agent.report.console import err as _err
from agent.report.console import out as _out
from agent.report.production_doc import production_markdown
from agent.report.progress import Progress

__all__ = ["Draft", "checklist_action"]


@dataclass(frozen=True)
class Draft:
    """Where ``--production-md`` writes the draft, and whether it may replace a file."""

    path: Path
    force: bool = False


def checklist_action(path: Path, output: Output, draft: Draft | None = None) -> int:
    """Print the scorecard of ``path`` at HEAD; a path that is no repo is a usage error."""
    if draft is not None:
        _check_target(draft)
    try:
        with Progress(_err, "checklist: scanning the repository at HEAD"):
            survey = survey_repo(path)
    except (NotARepoError, NoPythonFilesError) as exc:
        raise UsageError(exc.message) from exc
    if draft is not None:
        _write_draft(draft, survey)
    if output.as_json:
        echo(survey.checklist.model_dump_json(indent=2))
    else:
        print_checklist(_out, survey.checklist)
    return 0


def _check_target(draft: Draft) -> None:
    """Refuse, before any work, a target that is a directory or a file not to be replaced."""
    target = draft.path
    if target.is_dir():
        raise UsageError(f"--production-md {target} is a directory; name a file")
    if target.exists() and not draft.force:
        raise UsageError(f"{target} already exists; pass --force to replace it")
    if not target.parent.is_dir():
        raise UsageError(f"--production-md {target}: the folder {target.parent} does not exist")


def _write_draft(draft: Draft, survey: Survey) -> None:
    text = production_markdown(survey.facts, survey.findings, survey.checklist.commit)
    try:
        draft.path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {draft.path}: {exc.strerror or exc}") from exc
    _err.print(f"wrote the PRODUCTION.md draft to {draft.path}")
