"""Which functions a branch changed, so a later priority leaves them to that branch.

``harden --priority all`` makes one branch per priority, each from the same base commit,
so each can be reviewed and merged on its own. Two branches that edit the same function
would conflict at merge time; so a later priority skips the findings inside a symbol an
earlier branch changed. A symbol here is a (path, qualified name) pair at the base
commit, the same pair a Finding carries.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Callable, Iterable, Iterator

from agent.git.repo import Repo, git
from agent.models import Finding, Patch
from agent.scan.symbols import SymbolIndex

__all__ = ["Symbol", "split_touched", "touched_by_patch", "touched_symbols"]

Symbol = tuple[str, str]  # (path, qualified name), as in Finding.path and Finding.symbol

_FILE = re.compile(r"^--- (?:a/(.+)|/dev/null)$")  # /dev/null: a file the branch added
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")


def touched_symbols(repo: Repo, branch: str) -> set[Symbol]:
    """The base commit's symbols that ``branch`` changed, in Python files only."""
    diff = git("diff", "-U0", "--no-color", repo.base_commit, branch, "--", "*.py", cwd=repo.root)
    return _touched(diff, lambda path: _symbols_at_base(repo, path))


def touched_by_patch(patch: Patch) -> set[Symbol]:
    """The symbols a patch would change, in its Python files as they are before it."""
    touched: set[Symbol] = set()
    for edit in patch.edits:
        if edit.before is None or not edit.path.endswith(".py"):
            continue
        old, new = edit.before.splitlines(), edit.after.splitlines()
        diff = "\n".join(
            difflib.unified_diff(old, new, f"a/{edit.path}", f"b/{edit.path}", n=0, lineterm="")
        )
        touched |= _touched(diff, {edit.path: _index(edit.before)}.get)
    return touched


def _touched(diff: str, index_of: Callable[[str], SymbolIndex | None]) -> set[Symbol]:
    touched: set[Symbol] = set()
    for path, lines in _changed_lines(diff):
        index = index_of(path)
        if index is not None:
            touched.update((path, index.symbol_at(line)) for line in lines)
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


def _changed_lines(diff: str) -> Iterator[tuple[str, list[int]]]:
    """Per file of the diff, the base lines its hunks replace (or insert after)."""
    path: str | None = None
    lines: list[int] = []
    for row in diff.splitlines():
        if (head := _FILE.match(row)) is not None:
            if path is not None:
                yield path, lines
            path, lines = head.group(1), []  # None for an added file: nothing at the base
        elif (hunk := _HUNK.match(row)) is not None and path is not None:
            start, count = int(hunk.group(1)), int(hunk.group(2) or "1")
            lines.extend(range(start, start + count) if count else [max(start, 1)])
    if path is not None:
        yield path, lines


def _symbols_at_base(repo: Repo, path: str) -> SymbolIndex | None:
    try:
        source = git("show", f"{repo.base_commit}:{path}", cwd=repo.root)
    except ValueError:
        return None
    return _index(source)


def _index(source: str) -> SymbolIndex | None:
    try:
        return SymbolIndex(ast.parse(source))
    except (SyntaxError, ValueError):
        return None
