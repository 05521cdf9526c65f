"""Production code may not start importing test code.

Test files are not held to production's rules (asserts, fixtures, fake secrets), and the
model may add new ones; if production code could import them, a patch could move the
dangerous call into a new ``tests/`` module and call it from where it was. So an edited
non-test Python file may not gain an import of a module that is test code: one with a
component ``tests``/``test``/``testing``/``conftest``, or named ``test_*``/``*_test``.
Relative imports are resolved against the file's package first. Imports the file already
had are left alone.
"""

from __future__ import annotations

import ast
from pathlib import PurePosixPath

from agent.models import FileEdit
from agent.scan.files import is_test_file
from agent.scan.parse import parse_python

__all__ = ["importing_tests_refusal"]

_TEST_PARTS = frozenset({"tests", "test", "testing", "conftest"})


def importing_tests_refusal(edit: FileEdit) -> str | None:
    """Why ``edit`` makes production code import test code, or None."""
    if not edit.path.endswith(".py") or is_test_file(edit.path):
        return None
    new = sorted(_test_imports(edit.path, edit.after) - _test_imports(edit.path, edit.before))
    if new:
        return f"production code may not import test code ({', '.join(new)})"
    return None


def _test_imports(path: str, text: str | None) -> set[str]:
    try:
        tree = parse_python(text or "")
    except (SyntaxError, ValueError):
        return set()
    return {name for name in _imported(path, tree) if _is_test_module(name)}


def _imported(path: str, tree: ast.Module) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(path, node.module or "", node.level)
            names += [base] + [f"{base}.{alias.name}".strip(".") for alias in node.names]
    return names


def _absolute(path: str, module: str, level: int) -> str:
    if level == 0:
        return module
    package = list(PurePosixPath(path).parent.parts)
    package = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*package, *([module] if module else [])])


def _is_test_module(name: str) -> bool:
    parts = [p for p in name.split(".") if p]
    return any(p in _TEST_PARTS or p.startswith("test_") or p.endswith("_test") for p in parts)
