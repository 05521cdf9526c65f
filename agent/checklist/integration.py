"""Integration tests: a test that drives the application through its framework's test
client or through its command line, not one function at a time.

Recognised in the tracked test files (``agent.scan.files.is_test_file``): Flask's
``app.test_client()``, Starlette/FastAPI's ``TestClient(app)``, httpx's ``ASGITransport``
/``WSGITransport``, Django's test ``Client``/``TestCase``, WebTest's ``TestApp``, click's
and typer's ``CliRunner``, and a subprocess that runs one of the project's console scripts
(``[project.scripts]``) or a module with ``-m``.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

from agent.checklist.model import Evidence
from agent.scan.checks._names import dotted_name
from agent.scan.files import is_test_file
from agent.scan.parse import parse_python
from agent.scan.source import SourceDecodeError, read_source

__all__ = ["integration_tests", "test_files"]

_CLIENTS = frozenset({"test_client", "TestClient", "ASGITransport", "WSGITransport",
                      "CliRunner", "TestApp"})  # fmt: skip
_DJANGO = ("django.test", "rest_framework.test")
_SUBPROCESS = frozenset({"run", "check_output", "check_call", "call", "Popen"})
_MAX_HITS = 5


def test_files(tracked: Iterable[str]) -> list[str]:
    return [p for p in tracked if p.endswith(".py") and is_test_file(p)]


def integration_tests(root: Path, tests: list[str]) -> list[Evidence]:
    """Where the tests drive the app whole (at most a few places)."""
    scripts = _console_scripts(root)
    hits: list[Evidence] = []
    for path in tests:
        tree, lines = _parse(root / path)
        hits += (_at(path, lines, n) for n in _drivers(tree, scripts))
        if len(hits) >= _MAX_HITS:
            break
    return hits[:_MAX_HITS]


def _drivers(tree: ast.Module | None, scripts: frozenset[str]) -> Iterator[ast.AST]:
    for node in ast.walk(tree) if tree else ():
        django = isinstance(node, ast.ImportFrom) and (node.module or "").startswith(_DJANGO)
        if django or (isinstance(node, ast.Call) and _drives(node, scripts)):
            yield node


def _drives(call: ast.Call, scripts: frozenset[str]) -> bool:
    name = (dotted_name(call.func) or "").rsplit(".", 1)[-1]
    if name in _CLIENTS:
        return True
    if name not in _SUBPROCESS or not call.args:
        return False
    argv = call.args[0]
    words = [e.value for e in getattr(argv, "elts", []) if isinstance(e, ast.Constant)]
    return "-m" in words or bool(scripts & {str(w) for w in words})


def _console_scripts(root: Path) -> frozenset[str]:
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return frozenset()
    scripts = project.get("project", {}).get("scripts", {})
    return frozenset(scripts) if isinstance(scripts, dict) else frozenset()


def _parse(path: Path) -> tuple[ast.Module | None, list[str]]:
    try:
        text = read_source(path)
        return parse_python(text), text.splitlines()
    except (OSError, SourceDecodeError, SyntaxError, ValueError):
        return None, []


def _at(path: str, lines: list[str], node: ast.AST) -> Evidence:
    line = getattr(node, "lineno", 1)
    text = lines[line - 1].strip()[:160] if 0 < line <= len(lines) else ""
    return Evidence(path=path, line=line, text=text)
