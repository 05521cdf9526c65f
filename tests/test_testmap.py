"""Which tests a patch runs (agent.sandbox.testmap): by the base run's per-test coverage.

The map here is written out as coverage.py's JSON report would give it (file -> line ->
node ids); the test files are real files the import check reads.
"""

from __future__ import annotations

from pathlib import Path

from agent.models import FileEdit, Patch
from agent.sandbox.coverage import LineCoverage
from agent.sandbox.testmap import select_tests

MOD = "import os\n\nLIMIT = 3\n\n\ndef used():\n    return LIMIT\n\n\ndef other():\n    return 1\n"
USE = "tests/test_mod.py::test_used"
OTHER = "tests/test_mod.py::test_other"
PLAIN = "tests/test_plain.py::test_constant"
CONTEXTS = {
    "pkg/mod.py": {
        1: frozenset({""}),
        3: frozenset({""}),
        7: frozenset({USE}),
        11: frozenset({OTHER}),
    },
    "tests/test_mod.py": {4: frozenset({USE}), 8: frozenset({OTHER})},
    "tests/test_plain.py": {4: frozenset({PLAIN})},
}


def _patch(after: str, path: str = "pkg/mod.py", before: str | None = MOD) -> Patch:
    edit = FileEdit(path=path, before=before, after=after)
    return Patch(finding_ids=("x",), fixer="t", title="t", rationale="t", edits=(edit,))


def _root(tmp_path: Path, conftest: str = "") -> Path:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_mod.py").write_text("from pkg import mod\n", encoding="utf-8")
    (tmp_path / "tests" / "test_plain.py").write_text("import json\n", encoding="utf-8")
    (tmp_path / "tests" / "conftest.py").write_text(conftest, encoding="utf-8")
    return tmp_path


def _map(conftest: bool) -> LineCoverage:
    extra = {"tests/conftest.py": {1: frozenset({""})}} if conftest else {}
    return LineCoverage(contexts={**CONTEXTS, **extra})


def test_a_function_change_runs_the_tests_that_executed_that_function(tmp_path: Path) -> None:
    found = select_tests(_map(False), _patch(MOD.replace("return 1", "return 2")), _root(tmp_path))
    assert (found.scope, found.tests) == ("some", (OTHER,))
    assert found.reason == "1 of 3 test(s) reach the changed code"


def test_a_change_no_test_reached_runs_none(tmp_path: Path) -> None:
    after = MOD + "\n\ndef never():\n    return 0\n"
    source = MOD + "\n\ndef never():\n    return 1\n"
    found = select_tests(_map(False), _patch(after, before=source), _root(tmp_path))
    assert found.scope == "none" and found.tests == ()
    assert found.reason == "no test of the base run reaches the changes in pkg/mod.py"


def test_a_module_level_change_runs_the_files_tests_and_importers(tmp_path: Path) -> None:
    found = select_tests(_map(False), _patch(MOD.replace("= 3", "= 4")), _root(tmp_path))
    assert (found.scope, set(found.tests)) == ("some", {USE, OTHER})


def test_a_module_level_change_imported_by_conftest_runs_everything(tmp_path: Path) -> None:
    root = _root(tmp_path, conftest="from pkg.mod import LIMIT\n")
    found = select_tests(_map(True), _patch(MOD.replace("= 3", "= 4")), root)
    assert found.scope == "all"
    assert found.reason == "pkg/mod.py changes at module level and tests/conftest.py imports it"
    # only new imports and names: what conftest imported behaves as before
    added = MOD.replace("import os\n", "import os\nimport secrets\n")
    found = select_tests(_map(True), _patch(added), root)
    assert (found.scope, set(found.tests)) == ("some", {USE, OTHER})


def test_no_map_or_a_changed_test_file_runs_everything(tmp_path: Path) -> None:
    root = _root(tmp_path)
    assert select_tests(None, _patch(MOD + "\n"), root).scope == "all"
    edited = _patch("x = 1\n", path="tests/test_plain.py", before="import json\n")
    found = select_tests(_map(False), edited, root)
    assert (found.scope, found.reason) == (
        "all",
        "the patch changes tests/test_plain.py, which the map does not cover",
    )
