"""Which files a run or a plan scans: the repo's Python files in scope, or with
``--since REF`` only those added or modified between REF and the base commit."""

from __future__ import annotations

from pathlib import Path

from agent.config import Settings
from agent.errors import NoPythonFilesError, UsageError
from agent.git.repo import Repo
from agent.scan.files import select_files

__all__ = ["check_since", "files_to_scan"]


def check_since(repo: Repo, since: str | None) -> None:
    """A ``--since`` that names no commit is the user's mistake: a one-line error."""
    if since is not None and repo.resolve(since) is None:
        raise UsageError(f"--since {since!r} names no commit in {repo.root}")


def files_to_scan(repo: Repo, root: Path, settings: Settings) -> list[str]:
    """The Python files to scan in ``root`` (a copy of the base commit). With ``--since``
    none changed is a clean, empty scan; without it, a repo with none is an error."""
    in_scope = repo.files_in_scope()
    if settings.since is not None:
        check_since(repo, settings.since)
        changed = set(repo.changed_files(settings.since))
        return select_files([p for p in in_scope if p in changed], root, settings.exclude)
    files = select_files(in_scope, root, settings.exclude)
    if not files:
        raise NoPythonFilesError(f"no Python files to scan in {repo.root}")
    return files
