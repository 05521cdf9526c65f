"""The parts of characterization tests (issue 15 §3), with real pytest runs in the sandbox:
the keep check, the funnel stage (a marked case flips only with the patch that fixes the
finding it was written for), dropping the flipped cases, and the builtin engine asking for
nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from agent.config import load_settings
from agent.models import Confidence, FileEdit, Finding, Patch, Priority, Severity, StageStatus
from agent.run.characterizing import drop_cases
from agent.testgen.characterize import Candidate
from agent.testgen.checks import GeneratedTestRunner
from agent.validate.characterization import characterization_stage
from agent.validate.characterize_check import (
    KeptCharacterization,
    case_functions,
    check_candidate,
)
from tests.trust_harness import init_repo
from tests.userstate import user_state

APP = "def double(x):\n    return x * 2\n"
TESTS = (
    "from app import double\n\n\n"
    "def test_ordinary():\n    assert double(2) == 4\n\n\n"
    "@__import__('pytest').mark.parametrize('x', ['ab'])\n"
    "def test_strings_repeat(x):\n    assert double(x) == 'abab'\n"
)
TEST_PATH = "tests/test_app_double_characterization.py"
FIXED = "def double(x):\n    return int(x) * 2\n"


def _runner(root: Path) -> GeneratedTestRunner:
    return GeneratedTestRunner(root, sys.executable, 60)


def _kept(marked: tuple[str, ...]) -> KeptCharacterization:
    return KeptCharacterization(
        target_path="app.py",
        symbol="double",
        finding_ids=frozenset({"f1"}),
        test_path=TEST_PATH,
        content=TESTS,
        vulnerable=marked,
    )


def _patch(root: Path, after: str, finding: str) -> Patch:
    (root / "app.py").write_text(after, encoding="utf-8")
    edit = FileEdit(path="app.py", before=APP, after=after)
    return Patch(finding_ids=(finding,), fixer="t", title="t", rationale="r", edits=(edit,))


def test_a_marked_case_flips_only_with_the_patch_that_fixes_its_finding(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", {"app.py": APP})
    kept = [_kept(("test_strings_repeat",))]
    fixing = characterization_stage(_patch(root, FIXED, "f1"), kept, _runner(root), {"f1"})
    assert fixing.status is StageStatus.PASSED, fixing.detail
    assert "marked case(s) changed with the fix: test_strings_repeat" in fixing.detail
    other = _patch(root, FIXED, "f2")
    while_present = characterization_stage(other, kept, _runner(root), present={"f1"})
    assert while_present.status is StageStatus.FAILED
    assert "these case(s) fail: test_strings_repeat" in while_present.detail
    # once a commit before it fixed f1, the marked case has changed already: not held
    after_the_fix = characterization_stage(other, kept, _runner(root), present={"f2"})
    assert after_the_fix.status is StageStatus.PASSED, after_the_fix.detail
    unmarked = characterization_stage(_patch(root, FIXED, "f1"), [_kept(())], _runner(root), {"f1"})
    assert unmarked.status is StageStatus.FAILED
    assert not (root / TEST_PATH).exists()  # written for the run only


def test_a_patch_to_another_file_runs_no_characterization(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", {"app.py": APP, "other.py": "X = 1\n"})
    edit = FileEdit(path="other.py", before="X = 1\n", after="X = 2\n")
    patch = Patch(finding_ids=("f1",), fixer="t", title="t", rationale="r", edits=(edit,))
    result = characterization_stage(patch, [_kept(())], _runner(root))
    assert result.status is StageStatus.SKIPPED


def test_the_keep_check_runs_the_file_three_times_and_leaves_the_worktree(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo", {"app.py": APP})
    finding = Finding(
        id="f1",
        rule="S307",
        tools=("ruff",),
        message="m",
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
        priority=Priority.SECURITY,
        path="app.py",
        line=1,
        end_line=2,
        symbol="double",
    )
    before = user_state(root)
    candidate = Candidate((finding,), TEST_PATH, TESTS, ("test_strings_repeat", "test_nope"))
    fate = check_candidate(candidate, _runner(root))
    assert fate.fate == "kept", fate.detail
    assert fate.detail.startswith("passed 3 runs in a row")
    assert fate.vulnerable_cases == ("test_strings_repeat",)  # names no test: left out
    assert user_state(root) == before
    wrong = Candidate((finding,), TEST_PATH, TESTS.replace("== 4", "== 5"), ())
    assert check_candidate(wrong, _runner(root)).fate == "failed"
    patched = Candidate((finding,), TEST_PATH, "import app\napp.double = len\n", ())
    refused = check_candidate(patched, _runner(root))
    assert refused.fate == "refused" and "replaces app.double" in refused.detail


def test_dropping_cases_keeps_the_rest_and_says_why() -> None:
    left = drop_cases(TESTS, ["test_strings_repeat"])
    assert case_functions(left) == ["test_ordinary"]
    assert "# harden: test_strings_repeat pinned behaviour a fix on this branch changed" in left
    assert "parametrize" not in left  # its decorator went with it


def test_the_builtin_engine_asks_for_nothing(tmp_path: Path) -> None:
    repo = init_repo(
        tmp_path / "repo",
        {"app.py": "import pickle\n\n\n" + APP.replace("return x * 2", "return pickle.loads(x)")},
    )
    argv = [sys.executable, "-m", "agent", "run", "--json", "--model", "builtin"]
    argv += ["--characterize", "--python", sys.executable, str(repo)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert '"characterization": []' in done.stdout
    assert "characterization: needs a model (--model); no test was asked for" in done.stdout
    argv.remove("--characterize")  # on by default: nothing to say when it cannot apply
    quiet = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    assert quiet.returncode == 0, quiet.stderr
    assert "characterization:" not in quiet.stdout


def test_pyproject_turns_it_off_and_it_is_on_by_default(tmp_path: Path) -> None:
    (tmp_path / "off").mkdir()
    (tmp_path / "off" / "pyproject.toml").write_text("[tool.harden]\ncharacterize = false\n")
    assert load_settings(tmp_path / "off", {}).characterize is False
    assert load_settings(tmp_path / "off", {"characterize": True}).characterize is True
    (tmp_path / "default").mkdir()
    assert load_settings(tmp_path / "default", {}).characterize is None
