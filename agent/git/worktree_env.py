"""What a worktree needs so the repo's tests run there as they do in the user's checkout.

Generated sources: a file such as ``src/<pkg>/_version.py`` (written by setuptools-scm and
ignored by git) is missing from a fresh worktree, so the package cannot be imported there.
``copy_generated`` copies the git-ignored ``*.py`` files that sit beside tracked Python
files, each up to ``MAX_GENERATED_BYTES`` and at most ``MAX_GENERATED_FILES``, never one
that shows a secret; ignored directories (``.venv``, ``node_modules``, ``build``) are not
entered at all.

Source roots: ``source_roots`` are put first on the tests' ``sys.path`` (PYTHONPATH), so
they import the patched code in the worktree, not an editable install of the checkout.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from agent.git.repo import Repo
from agent.redaction.secrets import find_secrets

__all__ = [
    "MAX_GENERATED_BYTES",
    "MAX_GENERATED_FILES",
    "Generated",
    "copy_generated",
    "source_roots",
]

MAX_GENERATED_BYTES = 256_000
MAX_GENERATED_FILES = 50


@dataclass(frozen=True)
class Generated:
    """The git-ignored sources copied into a worktree, and those left out with why."""

    copied: tuple[str, ...] = ()
    refused: tuple[tuple[str, str], ...] = field(default=())

    def notes(self) -> list[str]:
        notes = [f"not copied into the worktree: {path} ({why})" for path, why in self.refused]
        if self.copied:
            files = ", ".join(self.copied)
            notes.insert(
                0, f"git-ignored source(s) copied into the worktree for the tests: {files}"
            )
        return notes


def ignored_sources(repo: Repo) -> list[str]:
    """Git-ignored ``*.py`` files of the checkout in a directory with tracked Python files."""
    package_dirs = {PurePosixPath(p).parent for p in repo.tracked_files() if p.endswith(".py")}
    return sorted(
        p
        for p in repo.ignored_files()
        if p.endswith(".py") and PurePosixPath(p).parent in package_dirs
    )


def copy_generated(repo: Repo, dest: Path) -> Generated:
    """Copy what ``ignored_sources`` finds in the checkout into ``dest``; say what was left
    out."""
    copied: list[str] = []
    refused: list[tuple[str, str]] = []
    for path in ignored_sources(repo):
        why = _refusal(repo.root / path, dest / path, len(copied))
        if why:
            refused.append((path, why))
            continue
        shutil.copyfile(repo.root / path, dest / path)
        copied.append(path)
    return Generated(tuple(copied), tuple(refused))


def _refusal(source: Path, dest: Path, copied: int) -> str:
    """Why ``source`` must not be copied, or "" when it may."""
    if source.is_symlink() or not source.is_file() or dest.exists() or not dest.parent.is_dir():
        return "not a plain file beside the worktree's own"
    if copied >= MAX_GENERATED_FILES:
        return f"more than {MAX_GENERATED_FILES} git-ignored sources"
    size = source.stat().st_size
    if size > MAX_GENERATED_BYTES:
        return f"{size:,} bytes, over the {MAX_GENERATED_BYTES // 1000} KB limit"
    if find_secrets(source.read_bytes().decode("utf-8", errors="replace")):
        return "it holds a secret"
    return ""


def source_roots(root: Path) -> list[Path]:
    """Where the worktree's own packages are imported from: ``src/`` (if any), then root."""
    src = root / "src"
    return [src, root] if src.is_dir() else [root]
