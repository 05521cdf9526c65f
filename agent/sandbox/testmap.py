"""Which of the base run's tests reach a patch's changes: the tests a patch is checked with.

The baseline runs once under coverage.py, each test in its own coverage context named by
its node id (the outcome plugin switches it: agent/sandbox/_plugin). A patch then runs
only the tests that executed a line of a function it changes (the whole function body, as
it was at the base). Where the map cannot tell, every test runs: no map, a changed test,
conftest or configuration file. A change that no test of the base run reached runs no test.

A change at a module's top level (imports, constants, decorators: run at import, often
during collection, outside any test's context) selects the tests that reach any line of
that file, and those whose test module imports it (agent.sandbox.importers); every test
when a conftest.py imports it.

This is a selection, not a proof: a change can affect a test through state the map does not
see. The run's branch is therefore checked with the full suite once at the end
(agent.run.branch_check), and a patch that broke it is found by bisection and dropped.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from agent.models import FileEdit, Patch
from agent.sandbox.coverage import LineCoverage
from agent.sandbox.importers import importers
from agent.scan.files import is_test_file
from agent.scan.parse import parse_python

__all__ = ["Selection", "select_tests"]

Scope = Literal["all", "some", "none"]
# Files a patch may add to that no test reads: dependency lists, examples, docs.
_INERT = re.compile(r"^(requirements[\w.-]*\.txt|.*\.example|.*\.md|.*\.rst)$")


@dataclass(frozen=True)
class Selection:
    """The tests to run for a patch: all, some (``tests``), or none; and why."""

    scope: Scope
    tests: tuple[str, ...] = ()
    reason: str = ""


def select_tests(measured: LineCoverage | None, patch: Patch, root: Path) -> Selection:
    if measured is None or not measured.contexts:
        return Selection("all", reason="no map of which tests reach which code")
    chosen: set[str] = set()
    for edit in patch.edits:
        found = _reaching(measured, edit, root)
        if isinstance(found, str):
            return Selection("all", reason=found)
        chosen |= found
    if not chosen:
        paths = ", ".join(e.path for e in patch.edits)
        return Selection("none", reason=f"no test of the base run reaches the changes in {paths}")
    count = f"{len(chosen)} of {_known(measured)} test(s)"
    return Selection("some", tuple(sorted(chosen)), f"{count} reach the changed code")


def _reaching(measured: LineCoverage, edit: FileEdit, root: Path) -> set[str] | str:
    """The tests reaching ``edit``'s changes, or why every test must run."""
    if _INERT.match(PurePosixPath(edit.path).name) or (
        edit.before is None and is_test_file(edit.path)
    ):
        return set()  # no test reads it; a new test file is judged on its own
    if not edit.path.endswith(".py") or is_test_file(edit.path):
        return f"the patch changes {edit.path}, which the map does not cover"
    if edit.before is None:
        return set()  # a new module: reached through the changed files that import it
    lines = measured.contexts.get(edit.path)
    if not lines:
        return set()  # the base run never executed this file
    chosen: set[str] = set()
    additive = _additive(edit.before, edit.after)
    for span in _changed_spans(edit.before, edit.after):
        if span is not None:
            chosen |= {t for n in span for t in lines.get(n, ()) if t}
        else:
            found = importers(measured, edit.path, root, conftest_matters=not additive)
            if isinstance(found, str):
                return found
            chosen |= found
    return chosen


def _changed_spans(before: str, after: str) -> Iterator[range | None]:
    """For each changed line of ``before``, the body of its top-level function or method;
    None for a line outside any function body."""
    bodies = _bodies(before)
    old, new = before.splitlines(), after.splitlines()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag != "equal":
            touched = range(i1 + 1, i2 + 1) if i2 > i1 else range(max(i1, 1), i1 + 2)
            yield from (_body_of(bodies, n) for n in touched)


def _additive(before: str, after: str) -> bool:
    """The top-level change only adds imports and new names (``logger = ...``), and at
    most swaps imports: nothing that ran at import before behaves differently now."""
    old, new = _top_level(before), _top_level(after)
    if old is None or new is None:
        return False
    bound = {
        t.id
        for s in old.values()
        if isinstance(s, ast.Assign)
        for t in s.targets
        if isinstance(t, ast.Name)
    }
    removed = [s for key, s in old.items() if key not in new]
    added = [s for key, s in new.items() if key not in old]
    return all(isinstance(s, ast.Import | ast.ImportFrom) for s in removed) and all(
        _import_or_fresh(s, bound) for s in added
    )


def _import_or_fresh(statement: ast.stmt, bound: set[str]) -> bool:
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return True
    targets = statement.targets if isinstance(statement, ast.Assign) else []
    fresh = all(isinstance(t, ast.Name) and t.id not in bound for t in targets)
    return bool(targets) and fresh


def _top_level(source: str) -> dict[str, ast.stmt] | None:
    """The module's statements other than functions and classes, by their dump."""
    try:
        tree = parse_python(source)
    except SyntaxError:
        return None
    kinds = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    return {ast.dump(s): s for s in tree.body if not isinstance(s, kinds)}


def _bodies(source: str) -> Sequence[range]:
    """The body lines of each function and method not nested in another function."""
    try:
        tree = parse_python(source)
    except SyntaxError:
        return ()
    found: list[range] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                found.append(range(child.body[0].lineno, (child.end_lineno or 0) + 1))
            elif isinstance(child, ast.ClassDef | ast.If | ast.Try):
                todo.append(child)
    return found


def _body_of(bodies: Sequence[range], line: int) -> range | None:
    return next((body for body in bodies if line in body), None)


def _known(measured: LineCoverage) -> int:
    return len(_all_tests(measured.contexts))


def _all_tests(contexts: Mapping[str, Mapping[int, frozenset[str]]]) -> set[str]:
    return {t for lines in contexts.values() for names in lines.values() for t in names if t}
