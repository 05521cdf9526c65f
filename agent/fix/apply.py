"""Apply a model's search/replace edits exactly, else tolerant of whitespace, else explain.

Each edit must match exactly once in the file as it stands after the edits before it.
When the exact text is not found, lines are compared with their indentation and trailing
whitespace ignored, and the replacement is re-indented by the same offset. When an edit
cannot be applied, ``ApplyError`` says which edit and why, in words that go back to the
model in its one retry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from agent.errors import HardenError
from agent.fix.llm_patch import SearchReplace
from agent.models import FileEdit

__all__ = ["ApplyError", "apply_edits"]

Reader = Callable[[str], str | None]


class ApplyError(HardenError):
    """An edit did not apply; the message names the edit and the reason."""


def apply_edits(read: Reader, edits: Sequence[SearchReplace]) -> list[FileEdit]:
    """The files after ``edits``, as FileEdits against what ``read`` returns now."""
    before: dict[str, str] = {}
    current: dict[str, str] = {}
    for number, edit in enumerate(edits, start=1):
        if edit.path not in current:
            text = read(edit.path)
            if text is None:
                raise ApplyError(f"edit {number}: {edit.path} does not exist")
            before[edit.path] = current[edit.path] = text
        current[edit.path] = _apply_one(current[edit.path], edit, number)
    return [FileEdit(path=p, before=before[p], after=current[p]) for p in current]


def _apply_one(text: str, edit: SearchReplace, number: int) -> str:
    where = f"edit {number} on {edit.path}"
    if not edit.search.strip():
        raise ApplyError(f"{where}: the search text is empty")
    count = text.count(edit.search)
    if count == 1:
        return text.replace(edit.search, edit.replace, 1)
    if count > 1:
        raise ApplyError(f"{where}: the search text occurs {count} times; include more lines")
    return _apply_tolerant(text, edit, where)


def _apply_tolerant(text: str, edit: SearchReplace, where: str) -> str:
    lines = text.splitlines(keepends=True)
    wanted = [line.strip() for line in edit.search.strip("\n").splitlines()]
    starts = [
        i
        for i in range(len(lines) - len(wanted) + 1)
        if [line.strip() for line in lines[i : i + len(wanted)]] == wanted
    ]
    if not starts:
        raise ApplyError(f"{where}: the search text was not found; copy it exactly from the code")
    if len(starts) > 1:
        raise ApplyError(f"{where}: the search text matches {len(starts)} places; add lines")
    start = starts[0]
    offset = _indent(lines[start]) - _indent(edit.search.strip("\n").splitlines()[0])
    new = [_reindent(line, offset) for line in edit.replace.strip("\n").splitlines()]
    tail = "\n" if lines[start + len(wanted) - 1].endswith("\n") else ""
    replaced = "\n".join(new) + tail if new else ""
    return "".join([*lines[:start], replaced, *lines[start + len(wanted) :]])


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _reindent(line: str, offset: int) -> str:
    if not line.strip():
        return ""
    if offset >= 0:
        return " " * offset + line
    return line[min(-offset, _indent(line)) :]
