"""An installed harden runs the eval cases' tests in an env it builds from the example's
requirements and evals/requirements.txt (agent.evals.options, agent.sandbox.depenv). Every
library a case imports must be in one of them: the ai cases import openai and anthropic,
and from a wheel they failed with ImportError while a dev install (which has both) passed.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from agent.evals.options import read_requirements
from agent.sandbox.depenv import import_name

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "evals" / "cases"


def _top_level_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _third_party(case: Path) -> set[str]:
    local = {p.name for p in case.glob("*/*") if p.is_dir()} | {"tests", "app"}
    imported: set[str] = set()
    for path in case.rglob("*.py"):
        imported |= _top_level_imports(path)
    return {m for m in imported if m not in sys.stdlib_module_names and m not in local}


def test_every_library_a_case_imports_is_installed_for_an_installed_harden() -> None:
    files = (ROOT / "examples/requirements.txt", ROOT / "evals/requirements.txt")
    listed = {"pytest"} | {import_name(p) for f in files for p in read_requirements(f)}
    missing = {
        case.name: sorted(_third_party(case) - listed)
        for case in sorted(CASES.iterdir())
        if case.is_dir() and _third_party(case) - listed
    }
    assert missing == {}
    assert {"openai", "anthropic"} <= listed  # what the ai cases import


def test_a_requirements_file_is_read_without_comments_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("# a comment\nopenai  # the SDK\n\nanthropic\n", encoding="utf-8")
    assert read_requirements(path) == ["openai", "anthropic"]
    assert read_requirements(tmp_path / "absent.txt") == []
