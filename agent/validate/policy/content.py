"""What a patch may write: text of sane size, no scripts, and no silenced detector.

``content_refusal`` applies to every edit: binary or non-UTF-8 text, an oversized file,
a file grown more than tenfold, a deleted (emptied) file, a new executable or shebang
script. ``weakening_refusal`` applies to edited Python files other than new tests: it
refuses an assertion removed or made trivially true, and a skip, xfail or suppression
comment (noqa, nosec, type: ignore, pragma: no cover, and the file-level ``# ruff: noqa``,
``# flake8: noqa``, ``# pylint: skip-file``, ``# mypy: ignore-errors``) on a line that did
not have it before: lines are compared one by one, so moving an existing ``# nosec`` onto
the finding's line is refused though the count stays the same. ``suppression_refusal``
refuses suppression comments in new Python files, which are scanned like any other. A fix
must make the detector and the tests agree, not silence them.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from agent.models import FileEdit
from agent.scan.files import is_test_file, under_tests
from agent.scan.parse import parse_python

__all__ = [
    "MAX_FILE_BYTES",
    "content_refusal",
    "oversized_file",
    "size_of",
    "suppression_refusal",
    "weakening_refusal",
]

MAX_FILE_BYTES = 200_000
_GROWTH = 10
_GROWTH_FLOOR_BYTES = 1024  # tiny files may grow past 10x: an empty __init__.py gains code
_EXECUTABLE_SUFFIXES = frozenset({".sh", ".bash", ".exe", ".so", ".dll", ".bat", ".cmd", ".ps1"})
_SKIPS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern, re.IGNORECASE))
    for label, pattern in (
        ("a pytest skip marker", r"pytest\.mark\.skip(?:if)?\b"),
        ("an xfail", r"\bxfail\b"),
        ("pytest.skip()", r"\bpytest\.skip\s*\("),
        ("a unittest skip", r"\bunittest\.skip|\bskipTest\s*\(|\bskipUnless\b"),
    )
)
_SUPPRESSIONS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern, re.IGNORECASE))
    for label, pattern in (
        ("a '# noqa' suppression", r"#\s*noqa\b"),
        ("a '# nosec' suppression", r"#\s*nosec\b"),
        ("a '# type: ignore' suppression", r"#\s*type:\s*ignore\b"),
        ("a '# pragma: no cover'", r"#\s*pragma:\s*no\s*cover\b"),
        ("a '# pyright: ignore' suppression", r"#\s*pyright:\s*ignore\b"),
        ("a '# pylint: disable' suppression", r"#\s*pylint:\s*disable\b"),
        ("a file-level '# ruff: noqa'", r"#\s*ruff\s*:\s*(?:noqa|disable)\b"),
        ("a file-level '# flake8: noqa'", r"#\s*flake8\s*:\s*noqa\b"),
        ("a '# pylint: skip-file'", r"#\s*pylint\s*:\s*skip-file\b"),
        ("a '# mypy: ignore-errors'", r"#\s*mypy\s*:\s*ignore-errors\b"),
        ("a '# bandit: skip'", r"#\s*bandit\s*:\s*skip\b"),
    )
)
_SILENCERS = _SKIPS + _SUPPRESSIONS
_SIMILAR = 0.6  # how alike a rewritten line's code must be to keep its old suppression


def size_of(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def oversized_file(path: Path) -> str | None:
    """Why no patch of the file at ``path`` can pass the size limit, or None: checked
    before any work on its findings."""
    size = path.stat().st_size if path.is_file() else 0
    if size <= MAX_FILE_BYTES:
        return None
    limit = MAX_FILE_BYTES // 1000
    return f"the file is {size:,} bytes, over the {limit} KB limit per patched file"


def content_refusal(edit: FileEdit) -> str | None:
    """Why ``edit``'s new content is refused whatever the file, or None."""
    return _text(edit.after) or _size(edit) or _deletion(edit) or _executable(edit)


def _text(after: str) -> str | None:
    if "\x00" in after:
        return "binary content (NUL bytes) is refused"
    try:
        after.encode("utf-8")
    except UnicodeEncodeError:
        return "content is not valid UTF-8"
    return None


def _size(edit: FileEdit) -> str | None:
    after = size_of(edit.after)
    if after > MAX_FILE_BYTES:
        return f"content of {after:,} bytes is over the {MAX_FILE_BYTES // 1000} KB limit per file"
    before = size_of(edit.before or "")
    if edit.before is not None and after > _GROWTH * max(before, _GROWTH_FLOOR_BYTES):
        return f"the edit grows the file more than {_GROWTH}x ({before:,} -> {after:,} bytes)"
    return None


def _deletion(edit: FileEdit) -> str | None:
    if edit.before is not None and edit.before.strip() and not edit.after.strip():
        return "deleting a file or all of its content is refused"
    return None


def _executable(edit: FileEdit) -> str | None:
    if edit.before is not None:
        return None
    suffix = PurePosixPath(edit.path).suffix.lower()
    if suffix in _EXECUTABLE_SUFFIXES:
        return f"new executable or script files ({suffix}) are refused"
    if edit.after.startswith("#!") and under_tests(edit.path):
        return "new shebang scripts are refused, in tests/ too"
    if edit.after.startswith("#!"):
        return "new shebang scripts outside tests/ are refused"
    return None


def weakening_refusal(edit: FileEdit) -> str | None:
    """Why ``edit`` weakens the checks on an existing Python file, or None."""
    if not edit.path.endswith(".py") or edit.before is None:
        return None
    before, after = edit.before, edit.after
    return _assertions(edit.path, before, after) or _silencers(before, after, _SILENCERS)


def suppression_refusal(edit: FileEdit) -> str | None:
    """Why a new Python file is refused for a suppression comment (it is scanned too)."""
    if not edit.path.endswith(".py") or edit.before is not None:
        return None
    return _silencers("", edit.after, _SUPPRESSIONS)


def _silencers(
    before: str, after: str, kinds: tuple[tuple[str, re.Pattern[str]], ...]
) -> str | None:
    """A silencer on a line that did not have it before (compared line by line)."""
    old, new = before.splitlines(), after.splitlines()
    blocks = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in blocks:
        if tag in {"replace", "insert"}:
            label = _new_silencer(old[i1:i2], new[j1:j2], kinds)
            if label:
                return f"adds {label}; a fix must not silence the detector or the tests"
    return None


def _new_silencer(
    old: list[str], new: list[str], kinds: tuple[tuple[str, re.Pattern[str]], ...]
) -> str | None:
    """In one changed block: a new line with a silencer its counterpart did not have.

    Blocks of equal length pair line by line; otherwise a new line's counterpart is an old
    line with the same silencer text whose code is at least ``_SIMILAR`` alike.
    """
    for k, line in enumerate(new):
        for label, pattern in kinds:
            found = pattern.search(line)
            if found is None:
                continue
            partners = [old[k]] if len(old) == len(new) else old
            if not any(_kept(p, line, found.start(), pattern) for p in partners):
                return label
    return None


def _kept(old: str, new: str, at: int, pattern: re.Pattern[str]) -> bool:
    found = pattern.search(old)
    if found is None or old[found.start() :].strip() != new[at:].strip():
        return False
    code = difflib.SequenceMatcher(None, old[: found.start()], new[:at], autojunk=False)
    return code.ratio() >= _SIMILAR


@dataclass(frozen=True)
class _Checks:
    """How a file checks itself: assertions, trivially true ones, and raise statements."""

    asserts: int
    trivial: int
    raises: int


def _assertions(path: str, before: str, after: str) -> str | None:
    try:
        old, new = _parsed_checks(before), _parsed_checks(after)
    except (SyntaxError, ValueError):  # compared line by line; the parses stage will refuse
        old, new = _line_checks(before), _line_checks(after)
    if new.trivial > old.trivial:
        return "an assertion is made trivially true"
    removed = old.asserts - new.asserts
    replaced = not is_test_file(path) and new.raises - old.raises >= removed
    if removed > 0 and not replaced:
        return f"{removed} assertion(s) removed"
    return None


def _line_checks(text: str) -> _Checks:
    lines = text.splitlines()
    asserts = sum(1 for line in lines if re.match(r"\s*assert\b", line))
    raises = sum(1 for line in lines if re.match(r"\s*raise\b", line))
    return _Checks(asserts, 0, raises)


def _parsed_checks(text: str) -> _Checks:
    nodes = list(ast.walk(parse_python(text)))
    asserts = [n for n in nodes if isinstance(n, ast.Assert) or _is_assert_call(n)]
    trivial = sum(1 for n in asserts if isinstance(n, ast.Assert) and _always_true(n.test))
    raises = sum(1 for n in nodes if isinstance(n, ast.Raise))
    return _Checks(len(asserts), trivial, raises)


def _is_assert_call(node: ast.AST) -> bool:
    """``self.assertEqual(...)``, ``mock.assert_called_once()`` and the like."""
    func = node.func if isinstance(node, ast.Call) else None
    return isinstance(func, ast.Attribute) and func.attr.lower().startswith("assert")


def _always_true(test: ast.expr) -> bool:
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(_always_true(value) for value in test.values)
    return False
