"""Add a dependency to the repo's requirements.txt or pyproject.toml, textually.

requirements.txt gets a line (after a newline if the file lacks a final one; the final
newline style is kept). Without one, a ``[project]`` table's ``dependencies = [...]``
gets the quoted name as its last item, laid out like the others. Files that already
list the dependency, and list layouts we do not recognise, get no edit.
"""

from __future__ import annotations

import re
from pathlib import Path

from agent.models import FileEdit

__all__ = ["dependency_edits"]

_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_PROJECT_TABLE = re.compile(r"^\[project\][ \t]*$(.*?)(?=^\[|\Z)", re.MULTILINE | re.DOTALL)
_DEPENDENCIES = re.compile(r"^dependencies\s*=\s*\[", re.MULTILINE)
_QUOTED = re.compile(r"\"[^\"\n]*\"|'[^'\n]*'")


def dependency_edits(root: Path, name: str) -> list[FileEdit]:
    requirements = root / "requirements.txt"
    if requirements.is_file():
        before = requirements.read_text(encoding="utf-8")
        after = _add_requirement(before, name)
        return [FileEdit(path="requirements.txt", before=before, after=after)] if after else []
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        before = pyproject.read_text(encoding="utf-8")
        after = _add_project_dependency(before, name)
        return [FileEdit(path="pyproject.toml", before=before, after=after)] if after else []
    return []


def _normalised(requirement: str) -> str:
    match = _REQUIREMENT_NAME.match(requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else ""


def _add_requirement(text: str, name: str) -> str | None:
    if any(_normalised(line) == _normalised(name) for line in text.splitlines()):
        return None
    if not text:
        return f"{name}\n"
    if text.endswith("\n"):
        return f"{text}{name}\n"
    return f"{text}\n{name}"


def _add_project_dependency(text: str, name: str) -> str | None:
    table = _PROJECT_TABLE.search(text)
    found = _DEPENDENCIES.search(text, table.start(1), table.end(1)) if table else None
    if found is None:
        return None
    close = _closing_bracket(text, found.end())
    items = list(_QUOTED.finditer(text, found.end(), close or found.end()))
    if close is None or any(_normalised(i.group()[1:-1]) == _normalised(name) for i in items):
        return None
    if not items:
        return text[:close] + f'"{name}"' + text[close:]
    if "\n" not in text[found.end() : close]:
        return text[: items[-1].end()] + f', "{name}"' + text[items[-1].end() :]
    return _add_line_item(text, items[-1], close, name)


def _add_line_item(text: str, last: re.Match[str], close: int, name: str) -> str | None:
    """Add ``name`` on its own line after the last item of a one-item-per-line list."""
    line_start = text.rfind("\n", 0, last.start()) + 1
    line_end = text.find("\n", last.end())
    if line_end == -1 or line_end > close:
        return None
    indent = text[line_start : last.start()]
    has_comma = text[last.end() :].lstrip(" \t").startswith(",")
    if indent.strip():
        return None
    new_line = f'\n{indent}"{name}"' + ("," if has_comma else "")
    head = text[: last.end()] + ("" if has_comma else ",") + text[last.end() : line_end]
    return head + new_line + text[line_end:]


def _closing_bracket(text: str, start: int) -> int | None:
    """The index of the ``]`` closing a TOML array opened just before ``start``."""
    index = start
    while index < len(text):
        char = text[index]
        if char in "\"'":
            end = text.find(char, index + 1)
            if end == -1:
                return None
            index = end
        elif char == "#":
            index = text.find("\n", index)
            if index == -1:
                return None
        elif char == "[":
            return None
        elif char == "]":
            return index
        index += 1
    return None
