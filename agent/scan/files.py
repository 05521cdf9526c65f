"""Which of the repository's files a run scans, and which paths are tests.

Tests are never scanned and never edited by a patch: ``is_test_file`` decides what counts
as a test (a tests/test/testing folder, ``test_*.py``, ``*_test.py``, ``conftest.py``);
``under_tests`` is the narrower place where a patch may add a new test file.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

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
    patterns = [*exclude, *_hardenignore(root)]
    return sorted(
        path
        for path in tracked
        if path.endswith(".py")
        and not is_test_file(path)
        and not any(_matches(path, p) for p in patterns)
    )


def _hardenignore(root: Path) -> list[str]:
    path = root / ".hardenignore"
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _matches(path: str, pattern: str) -> bool:
    pattern = pattern.rstrip("/")
    return fnmatch.fnmatch(path, pattern) or path.startswith(f"{pattern}/")
