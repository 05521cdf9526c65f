"""Which functions a branch changed, so a later priority leaves them to that branch.

``harden --priority all`` makes one branch per priority, each from the same base commit,
so each can be reviewed and merged on its own. Two branches that edit the same function
would conflict at merge time; so a later priority skips the findings inside a symbol an
earlier branch changed. A symbol here is a (path, qualified name) pair at the base
commit, the same pair a Finding carries.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable

from agent.git.repo import Repo
from agent.models import Finding, Patch
from agent.scan.parse import parse_python
from agent.scan.symbols import SymbolIndex

__all__ = ["Symbol", "split_touched", "touched_by_patch", "touched_symbols"]

Symbol = tuple[str, str]  # (path, qualified name), as in Finding.path and Finding.symbol

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")


def touched_symbols(repo: Repo, branch: str) -> set[Symbol]:
    """The base commit's symbols that ``branch`` changed, in Python files only."""
    diffs = repo.diff(repo.base_commit, branch, paths=["*.py"], context=0)
    changed = [(d.old_path, d.hunks) for d in diffs]  # old_path None: added, nothing at the base
    return _touched(changed, lambda path: _symbols_at_base(repo, path))


def touched_by_patch(patch: Patch) -> set[Symbol]:
    """The symbols a patch would change, in its Python files as they are before it."""
    touched: set[Symbol] = set()
    for edit in patch.edits:
        if edit.before is None or not edit.path.endswith(".py"):
            continue
        old, new = edit.before.splitlines(), edit.after.splitlines()
        hunks = "\n".join(difflib.unified_diff(old, new, n=0, lineterm=""))
        touched |= _touched([(edit.path, hunks)], {edit.path: _index(edit.before)}.get)
    return touched


def _touched(
    changed: Iterable[tuple[str | None, str]], index_of: Callable[[str], SymbolIndex | None]
) -> set[Symbol]:
    """The symbols of each (base path, unified hunks) whose lines the hunks change."""
    touched: set[Symbol] = set()
    for path, hunks in changed:
        index = None if path is None else index_of(path)
        if path is not None and index is not None:
            touched.update((path, index.symbol_at(line)) for line in _changed_lines(hunks))
    return touched


def split_touched(
    findings: Iterable[Finding], touched: set[Symbol]
) -> tuple[list[Finding], list[Finding]]:
    """(findings to work on, findings inside a symbol an earlier branch changed)."""
    free: list[Finding] = []
    taken: list[Finding] = []
    for finding in findings:
        (taken if (finding.path, finding.symbol) in touched else free).append(finding)
    return free, taken


def _changed_lines(hunks: str) -> list[int]:
    """The base lines the hunks replace (or insert after)."""
    lines: list[int] = []
    for row in hunks.splitlines():
        if (hunk := _HUNK.match(row)) is not None:
            start, count = int(hunk.group(1)), int(hunk.group(2) or "1")
            lines.extend(range(start, start + count) if count else [max(start, 1)])
    return lines


def _symbols_at_base(repo: Repo, path: str) -> SymbolIndex | None:
    source = repo.read_text(repo.base_commit, path)
    return None if source is None else _index(source)


def _index(source: str) -> SymbolIndex | None:
    try:
        return SymbolIndex(parse_python(source))
    except (SyntaxError, ValueError):
        return None
