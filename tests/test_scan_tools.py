"""ruff and bandit as subprocesses: they run in the scanned repo, which must not change them."""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Any

import pytest

import agent.scan as scanner
from agent.errors import ToolError
from agent.scan import scan
from agent.scan.process import run_json_tool

# flask's own typing.py: imported as the stdlib's, it fails at once (a circular import).
SHADOW = """\
import typing as t

if t.TYPE_CHECKING:
    pass
"""


def test_a_module_of_the_repo_named_like_the_stdlib_does_not_break_the_tools(
    tmp_path: Path,
) -> None:
    (tmp_path / "typing.py").write_text(SHADOW, encoding="utf-8")
    (tmp_path / "app.py").write_text("def run(s):\n    return eval(s)\n", encoding="utf-8")
    found = scan(tmp_path, ["app.py", "typing.py"]).findings
    evals = [f for f in found if f.rule == "S307"]
    assert len(evals) == 1
    assert evals[0].tools == ("ruff", "bandit")


def test_a_tool_that_dies_without_output_is_an_error_not_an_empty_report(
    tmp_path: Path,
) -> None:
    argv = [sys.executable, "-c", "import sys; sys.exit(1)"]
    with pytest.raises(ToolError, match="failed"):
        run_json_tool(argv, cwd=tmp_path, ok_codes=(0, 1))


def test_a_dropped_assert_is_judged_on_its_file_after_many_others(tmp_path: Path) -> None:
    """The scan keeps no tree: a file a tool's finding must be checked against is parsed
    again, the right one even after many others."""
    paths = []
    for n in range(12):
        (tmp_path / f"m{n}.py").write_text(f"def f(x):\n    assert x > {n}\n", encoding="utf-8")
        paths.append(f"m{n}.py")
    (tmp_path / "auth.py").write_text("def g(user):\n    assert user.is_admin\n", "utf-8")
    found = scan(tmp_path, [*paths, "auth.py"]).findings
    asserts = [(f.path, f.line) for f in found if f.rule == "S101"]
    assert asserts == [("auth.py", 2)]


def test_each_file_is_parsed_once_and_again_only_when_it_has_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both tools report every assert (ruff's S101 for all files, then bandit's B101): each
    file with findings is parsed once more, for the drop and its index together; a file
    without findings is parsed once and gets no index."""
    parsed: list[str] = []
    indexed: list[int] = []
    real_parse, real_index = ast.parse, scanner.SymbolIndex

    def counting_parse(*args: Any, **kwargs: Any) -> Any:
        parsed.append(kwargs.get("filename", args[1] if len(args) > 1 else ""))
        return real_parse(*args, **kwargs)

    def counting_index(tree: ast.Module) -> scanner.SymbolIndex:
        indexed.append(1)
        return real_index(tree)

    monkeypatch.setattr(ast, "parse", counting_parse)
    monkeypatch.setattr(scanner, "SymbolIndex", counting_index)
    paths = [f"m{n}.py" for n in range(8)] + ["clean.py"]
    for n, path in enumerate(paths[:-1]):
        (tmp_path / path).write_text(f"def f(user):\n    assert user.is_admin > {n}\n", "utf-8")
    (tmp_path / "clean.py").write_text("def g(x):\n    return x + 1\n", encoding="utf-8")
    found = scan(tmp_path, paths).findings
    assert sorted(f.path for f in found if f.rule == "S101") == paths[:-1]
    assert {p: parsed.count(p) for p in paths} == {**{p: 2 for p in paths[:-1]}, "clean.py": 1}
    assert len(indexed) == len(paths) - 1
