"""touched_symbols: which base symbols a branch changed, read from a real git diff."""

from __future__ import annotations

from pathlib import Path

from agent.git.repo import open_repo
from agent.models import Confidence, Finding, Priority, Severity
from agent.run.touched import split_touched, touched_symbols
from tests.conftest import GitRepo, commit_all, git

BASE = """import os


def first():
    return 1


class Store:
    def get(self, key):
        return os.environ.get(key)

    def put(self, key, value):
        os.environ[key] = value


def last():
    return 3
"""


def _branch_with(repo: Path, edit: str, extra: dict[str, str] | None = None) -> None:
    git(repo, "checkout", "-q", "-b", "work")
    (repo / "app.py").write_text(edit)
    for name, text in (extra or {}).items():
        (repo / name).write_text(text)
    commit_all(repo, "work")
    git(repo, "checkout", "-q", "-")


def test_a_changed_method_and_a_new_module_line_are_touched(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": BASE})
    base = open_repo(repo)
    edit = BASE.replace("return os.environ.get(key)", "return os.environ.get(key, '')")
    edit = edit.replace("import os\n", "import os\nimport sys\n")
    _branch_with(repo, edit, {"new.py": "def added():\n    return 0\n"})
    touched = touched_symbols(base, "work")
    assert touched == {("app.py", "Store.get"), ("app.py", "<module>")}


def test_untouched_functions_stay_free(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": BASE})
    base = open_repo(repo)
    _branch_with(repo, BASE.replace("return 3", "return 4"))
    touched = touched_symbols(base, "work")
    assert touched == {("app.py", "last")}
    findings = [_finding("first"), _finding("last"), _finding("Store.put")]
    free, taken = split_touched(findings, touched)
    assert [f.symbol for f in free] == ["first", "Store.put"]
    assert [f.symbol for f in taken] == ["last"]


def _finding(symbol: str) -> Finding:
    return Finding(
        id=symbol,
        rule="E722",
        tools=("ruff",),
        message="bare except",
        severity=Severity.MEDIUM,
        confidence=Confidence.HIGH,
        priority=Priority.ERRORS,
        path="app.py",
        line=1,
        end_line=1,
        symbol=symbol,
    )
