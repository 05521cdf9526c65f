"""The eval cases under evals/cases/ are sound; agent.evals.case{,_checks} load and check them.

Every case is checked the way it is checked when it is added: its fail-to-pass tests fail
on the repo as given and pass with the reference fix, its pass-to-pass tests pass on
both, and (tests cases) each mutant survives the repo's own tests but not the reference's
new test. The scan test proves harden's real scanner reports each case's rules.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from agent.evals.case import (
    Case,
    CaseError,
    load_case,
    load_cases,
    materialise,
    pattern_problems,
)
from agent.evals.case_checks import check_case, run_hidden
from agent.models import Priority
from agent.sandbox.suite import find_suite
from agent.scan import scan
from agent.testgen import coverage_targets
from tests.conftest import git

CASES_ROOT = Path(__file__).resolve().parents[1] / "evals" / "cases"
CASE_IDS = sorted(p.name for p in CASES_ROOT.iterdir() if (p / "case.toml").is_file())


@pytest.fixture(scope="module")
def checked() -> dict[str, list[str]]:
    """check_case for every case, a few at a time (each runs 4 to 12 pytest processes)."""
    cases = load_cases(CASES_ROOT)
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        results = pool.map(lambda case: check_case(case, sys.executable), cases)
        return dict(zip(CASE_IDS, results, strict=True))


def test_enough_cases_per_priority() -> None:
    cases = load_cases(CASES_ROOT)
    counts = Counter(case.priority for case in cases)
    security_cwes = {case.cwe for case in cases if case.priority is Priority.SECURITY}
    assert [c.id for c in cases] == CASE_IDS
    assert counts[Priority.SECURITY] >= 10
    assert len(security_cwes - {None}) >= 10
    for priority in (Priority.ERRORS, Priority.OBSERVABILITY, Priority.PERFORMANCE):
        assert counts[priority] >= 3, priority
    assert counts[Priority.TESTS] >= 3
    assert counts[Priority.AI] >= 4


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_case_is_sound(case_id: str, checked: dict[str, list[str]]) -> None:
    assert checked[case_id] == []


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_harden_reports_the_case_rules(case_id: str, tmp_path: Path) -> None:
    """The scan reports each rule; HT101 (no test reaches the target) comes from coverage."""
    case = load_case(CASES_ROOT / case_id)
    findings = list(scan(case.repo_dir, list(case.files)).findings)
    if case.priority is Priority.TESTS:
        repo = materialise(case, tmp_path / "repo")
        files = git(repo, "ls-files").split()
        plan = find_suite(None, sys.executable, files)
        findings += coverage_targets(repo, files, plan, sys.executable, 120).findings
        assert case.target in {f"{f.path}::{f.symbol}" for f in findings}
    reported = {(rule, f.path) for f in findings for rule in (f.rule, *f.aliases)}
    missing = [r for r in case.rules if not any((r, path) in reported for path in case.files)]
    assert missing == []


def _copy_case(tmp_path: Path, case_id: str, name: str | None = None) -> Path:
    dest = tmp_path / (name or case_id)
    shutil.copytree(CASES_ROOT / case_id, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def test_materialise_commits_the_overlaid_repo(tmp_path: Path) -> None:
    case = load_case(CASES_ROOT / "sec-sqli-fstring")
    repo = materialise(case, tmp_path / "repo", reference=True)
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "log", "--format=%an").strip() == "harden-eval"
    assert "name = ?" in (repo / "app" / "users.py").read_text()
    assert not (repo / "hidden").exists()
    assert pattern_problems(case, repo) == []
    assert pattern_problems(case, materialise(case, tmp_path / "given")) != []


def test_run_hidden_leaves_no_hidden_tests_behind(tmp_path: Path) -> None:
    case = load_case(CASES_ROOT / "sec-random-token")
    repo = materialise(case, tmp_path / "repo")
    result = run_hidden(case, repo, sys.executable, 60)
    assert result.fail_to_pass == dict.fromkeys(case.fail_to_pass, False)
    assert result.pass_to_pass == {"tests": True}
    assert not result.resolved_tests
    assert not (repo / ".hidden_tests").exists()
    assert git(repo, "status", "--porcelain") == ""


def test_check_case_reports_a_test_that_already_passes(tmp_path: Path) -> None:
    root = _copy_case(tmp_path, "sec-random-token")
    shutil.copytree(root / "reference", root / "repo", dirs_exist_ok=True)
    problems = check_case(load_case(root), sys.executable)
    assert problems == [
        "as given, fail_to_pass test_predictable.py::"
        "test_token_does_not_follow_the_random_seed passes"
    ]


def test_check_case_reports_a_mutant_the_repo_tests_already_kill(tmp_path: Path) -> None:
    root = _copy_case(tmp_path, "tests-parse-duration")
    shutil.copytree(root / "reference" / "tests", root / "repo" / "tests", dirs_exist_ok=True)
    problems = check_case(load_case(root), sys.executable)
    assert "mutant no-strip is already caught by tests" in problems
    assert "the reference adds no test" in problems


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('id = "err-bare-except"', 'id = "other"'), "id must equal"),
        (lambda t: t.replace('priority = "errors"', 'priority = "speed"'), "priority must be"),
        (lambda t: t.replace('files = ["app/config.py"]', 'files = ["app/x.py"]'), "not in repo/"),
        (lambda t: t.replace("fail_to_pass = [", "fail_to_pass = [1, "), "tests.fail_to_pass"),
        (lambda t: t + "\nsurprise = 1\n", "surprise"),
        (lambda t: t.replace("must_not = [", "must_not = ['(', "), "not a valid regex"),
        (lambda t: t + "\n[target]\nfunction = 'app/config.py::f'\n", "tests cases only"),
        (lambda t: t.replace("[tests]", "[tests"), "not valid TOML"),
    ],
)
def test_a_malformed_case_is_one_line_case_error(
    tmp_path: Path, edit: Callable[[str], str], message: str
) -> None:
    root = _copy_case(tmp_path, "err-bare-except")
    toml = root / "case.toml"
    toml.write_text(edit(toml.read_text()))
    with pytest.raises(CaseError) as raised:
        load_case(root)
    assert message in raised.value.message
    assert "\n" not in raised.value.message


def test_load_cases_selects_and_rejects_unknown_ids() -> None:
    selected = load_cases(CASES_ROOT, ["sec-yaml-load", "err-bare-except"])
    assert [c.id for c in selected] == ["err-bare-except", "sec-yaml-load"]
    assert all(isinstance(c, Case) for c in selected)
    with pytest.raises(CaseError, match="no-such-case"):
        load_cases(CASES_ROOT, ["no-such-case"])
