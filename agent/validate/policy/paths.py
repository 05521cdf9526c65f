"""Where a patch may write: inside the repository, never through a symlink or into .git.

Each check returns the reason an edit's path is refused, or None. Paths are
repository-relative POSIX paths; they are resolved against the repository root, and
every existing component below the root must be a real directory (or, last, a real
file), so nothing is written through a symlink even when it points inside the repo.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

__all__ = ["path_refusal"]


def path_refusal(path: str, root: Path) -> str | None:
    """Why writing ``path`` under ``root`` is refused, or None."""
    return _syntax(path) or _git_dir(path) or _through_symlink(path, root)


def _syntax(path: str) -> str | None:
    pure = PurePosixPath(path)
    if not path.strip() or any(ord(c) < 32 for c in path):
        return "empty path or control characters in the path"
    if pure.is_absolute() or "\\" in path or (len(path) > 1 and path[1] == ":"):
        return "absolute or non-POSIX path"
    if ".." in pure.parts:
        return "path leaves the repository"
    if any(part != part.strip() for part in path.split("/")):
        return "whitespace at the start or end of a path component"
    return None


def _git_dir(path: str) -> str | None:
    if any(part.lower() == ".git" for part in PurePosixPath(path).parts):
        return ".git/ may not be changed"
    return None


def _through_symlink(path: str, root: Path) -> str | None:
    real_root = root.resolve()
    if not (root / path).resolve().is_relative_to(real_root):
        return "path resolves outside the repository (symlink)"
    current = root
    for part in PurePosixPath(path).parts:
        current = current / part
        if current.is_symlink():
            return f"path goes through a symlink ({current.relative_to(root).as_posix()})"
    return None
