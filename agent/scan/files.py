"""Which of the repository's files a run scans, and which paths are tests.

Tests are never scanned and never edited by a patch: ``is_test_file`` decides what counts
as a test (a tests/test/testing folder, ``test_*.py``, ``*_test.py``, ``conftest.py``);
``under_tests`` is the narrower place where a patch may add a new test file.

``.hardenignore`` is read as git reads a ``.gitignore`` at the repo's root (pathspec's
GitIgnoreSpec): ``!`` re-includes, ``**`` spans folders, ``/x`` is anchored, ``x/`` is a
folder, and a file under an ignored folder stays ignored whatever a later ``!`` says.
``[tool.harden] exclude`` and ``--exclude`` stay globs (fnmatch) or folder prefixes.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from pathspec import GitIgnoreSpec

from agent.errors import ConfigError

__all__ = ["is_test_file", "select_files", "under_tests"]


def is_test_file(path: str) -> bool:
    p = PurePosixPath(path)
    in_test_dir = any(part in {"tests", "test", "testing"} for part in p.parts[:-1])
    named = p.name.startswith("test_") or p.name.endswith("_test.py") or p.name == "conftest.py"
    return in_test_dir or named


def under_tests(path: str) -> bool:
    return PurePosixPath(path).parts[0] == "tests"


def select_files(tracked: Iterable[str], root: Path, exclude: Sequence[str]) -> list[str]:
    """Tracked Python files minus tests, ``exclude`` globs and ``.hardenignore`` patterns.

    Tests are not scanned: a patch may never edit an existing test, so their findings
    could only be noise.
    """
    ignored = _hardenignore(root)
    return sorted(
        path
        for path in tracked
        if path.endswith(".py")
        and not is_test_file(path)
        and not any(_matches(path, p) for p in exclude)
        and not _ignored(ignored, path)
    )


def _hardenignore(root: Path) -> GitIgnoreSpec:
    path = root / ".hardenignore"
    if not path.is_file():
        return GitIgnoreSpec([])
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    try:
        return GitIgnoreSpec.from_lines(lines)
    except ValueError:  # pathspec's GitIgnorePatternError, e.g. a lone "!"
        number, line = next((n, x) for n, x in enumerate(lines, 1) if not _valid(x))
        raise ConfigError(f".hardenignore line {number}: {line!r} is no pattern") from None


def _valid(line: str) -> bool:
    try:
        GitIgnoreSpec.from_lines([line])
    except ValueError:
        return False
    return True


def _ignored(spec: GitIgnoreSpec, path: str) -> bool:
    """As git decides: a file whose folder is ignored is ignored, else its own patterns."""
    parts = PurePosixPath(path).parts
    folders = ("/".join(parts[:i]) + "/" for i in range(1, len(parts)))
    return any(spec.match_file(f) for f in folders) or spec.match_file(path)


def _matches(path: str, pattern: str) -> bool:
    pattern = pattern.rstrip("/")
    return fnmatch.fnmatch(path, pattern) or path.startswith(f"{pattern}/")
