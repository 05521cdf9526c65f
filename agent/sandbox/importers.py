"""The tests a change at a module's top level can affect, for the test map (agent.sandbox.testmap).

Top-level code runs when the module is imported, usually while pytest collects, outside
any test's coverage context. The tests it can affect: those that run any line of the file
(they use the module), and those whose test module imports it by name (they may read a
constant without running a line of it). When a conftest.py imports it, every test may
depend on it: the caller then runs them all. Imports are read statically from the test
files the base run collected; an import through another module is missed here, which is
what the branch's full-suite check at the end is for.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath

from agent.sandbox.coverage import LineCoverage
from agent.scan.parse import parse_python
from agent.scan.source import read_source

__all__ = ["importers"]


def importers(
    measured: LineCoverage, path: str, root: Path, conftest_matters: bool = True
) -> set[str] | str:
    """The tests a top-level change of ``path`` can affect, or why all of them can.

    ``conftest_matters``: False for a change that only adds imports and new names, which
    alters nothing a conftest importing the module already had.
    """
    name = _module(path)
    conftests = sorted(p for p in measured.contexts if PurePosixPath(p).name == "conftest.py")
    for conftest in conftests if conftest_matters else ():
        if _imports(root / conftest, name):
            return f"{path} changes at module level and {conftest} imports it"
    every = _tests(measured.contexts)
    files = {t.split("::")[0] for t in every}
    importing = {f for f in files if _imports(root / f, name)}
    reach = {t for names in measured.contexts.get(path, {}).values() for t in names if t}
    return reach | {t for t in every if t.split("::")[0] in importing}


def _module(path: str) -> str:
    parts = list(PurePosixPath(path).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str) -> bool:
    """Whether the file at ``path`` imports ``module`` (a dotted path from the repo root,
    matched by its tail: ``src/pkg/mod`` is imported as ``pkg.mod``)."""
    try:
        tree = parse_python(read_source(path))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return True  # cannot tell: assume it does
    return any(_names(module, found) for found in _imported(tree))


def _names(module: str, imported: str) -> bool:
    parts = imported.split(".")
    prefixes = {".".join(parts[: i + 1]) for i in range(len(parts))}
    return any(module == p or module.endswith(f".{p}") for p in prefixes)


def _imported(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _tests(contexts: Mapping[str, Mapping[int, frozenset[str]]]) -> set[str]:
    return {t for lines in contexts.values() for names in lines.values() for t in names if t}
