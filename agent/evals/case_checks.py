"""Run an eval case's hidden tests, and check that a newly added case is sound.

``run_hidden`` scores a fixed repo: the case's hidden fail_to_pass tests, its kept
pass_to_pass tests and, for a tests case, whether the new tests kill each mutant.
``check_case`` runs the same tests on the case as given, with its reference fix and with
each mutant, to prove the case can tell a fix from no fix. Kept apart from
``agent.evals.case`` (the case format and copying a case into a repo) because this part
runs pytest in subprocesses.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from agent.evals.case import HIDDEN_DIR, Case, materialise, overlay, pattern_problems
from agent.sandbox.runner import run_command

__all__ = ["HiddenResult", "check_case", "run_hidden"]

# anyio's pytest plugin, loaded by any venv with httpx in it, doubles pytest's start-up
# time; no case uses it.
_PYTEST = ("-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", "-p", "no:anyio")
_CHECK_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class HiddenResult:
    """Pass/fail per node id. For a tests case ``pass_to_pass`` also holds the new tests."""

    fail_to_pass: dict[str, bool]
    pass_to_pass: dict[str, bool]
    mutants_killed: dict[str, bool]

    @property
    def resolved_tests(self) -> bool:
        results = (self.fail_to_pass, self.pass_to_pass, self.mutants_killed)
        return all(all(r.values()) for r in results)


def run_hidden(
    case: Case, repo: Path, python: str, timeout_s: float, new_tests: Sequence[str] = ()
) -> HiddenResult:
    """Run the case's hidden and kept tests in ``repo``; for a tests case, the mutants too."""
    hidden = repo / HIDDEN_DIR
    if case.fail_to_pass:
        overlay(case.hidden_dir, hidden)
    try:
        ran = _run_nodes(repo, python, [f"{HIDDEN_DIR}/{n}" for n in case.fail_to_pass], timeout_s)
        f2p = {n: ran[f"{HIDDEN_DIR}/{n}"] for n in case.fail_to_pass}
    finally:
        shutil.rmtree(hidden, ignore_errors=True)
    p2p = _run_nodes(repo, python, [*case.pass_to_pass, *new_tests], timeout_s)
    killed = {m: _kills(case, m, repo, python, timeout_s, new_tests) for m in case.mutants}
    return HiddenResult(fail_to_pass=f2p, pass_to_pass=p2p, mutants_killed=killed)


def _run_nodes(repo: Path, python: str, nodes: Sequence[str], timeout_s: float) -> dict[str, bool]:
    """Whether each pytest node id passes, from one pytest run over all of them.

    A node fails when pytest's summary lists it, a test inside it or the file holding it
    as FAILED or ERROR. Anything but exit 0 with no such line, or exit 1 with some, fails
    every node: a usage error, no tests collected, a crash or a timeout proves nothing.
    """
    if not nodes:
        return {}
    run = run_command([python, *_PYTEST, *nodes], repo, timeout_s)
    failed = run.failed_tests()
    if run.exit_code not in (0, 1) or (run.exit_code == 1) != bool(failed):
        return dict.fromkeys(nodes, False)
    return {n: not any(_within(n, f) or _within(f, n) for f in failed) for n in nodes}


def _within(outer: str, inner: str) -> bool:
    """Whether pytest node ``inner`` is ``outer`` or inside it (a directory or a file)."""
    outer = outer.rstrip("/")
    return inner == outer or inner.startswith((f"{outer}/", f"{outer}::"))


def _kills(
    case: Case, mutant: str, repo: Path, python: str, timeout_s: float, new_tests: Sequence[str]
) -> bool:
    """Whether the new tests fail once ``mutant`` is overlaid on a copy of ``repo``."""
    if not new_tests:
        return False
    with tempfile.TemporaryDirectory(prefix="harden-mutant-") as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(repo, copy, ignore=shutil.ignore_patterns(".git", HIDDEN_DIR))
        overlay(case.mutant_dir(mutant), copy)
        return not all(_run_nodes(copy, python, new_tests, timeout_s).values())


def check_case(case: Case, python: str) -> list[str]:
    """What is wrong with the case: its tests on the case as given, the reference, mutants."""
    with tempfile.TemporaryDirectory(prefix=f"harden-case-{case.id}-") as tmp:
        given = run_hidden(case, materialise(case, Path(tmp) / "given"), python, _CHECK_TIMEOUT_S)
        fixed = materialise(case, Path(tmp) / "reference", reference=True)
        ref = run_hidden(case, fixed, python, _CHECK_TIMEOUT_S, _new_tests(case))
        problems = _wrong("as given, fail_to_pass {} passes", given.fail_to_pass, want=False)
        problems += _wrong("as given, pass_to_pass {} fails", given.pass_to_pass)
        problems += _wrong("with the reference, {} fails", ref.fail_to_pass | ref.pass_to_pass)
        problems += _wrong("mutant {} survives the reference's new tests", ref.mutants_killed)
        problems += [f"with the reference, {p}" for p in pattern_problems(case, fixed)]
        problems += _gap_problems(case, python, Path(tmp))
    return problems


def _wrong(message: str, results: dict[str, bool], *, want: bool = True) -> list[str]:
    return [message.format(name) for name, ok in results.items() if ok is not want]


def _new_tests(case: Case) -> list[str]:
    """Test files the reference adds under tests/ (the "fix" of a tests case)."""
    added = (p.relative_to(case.reference_dir) for p in case.reference_dir.glob("tests/**/*.py"))
    return sorted(
        str(p) for p in added if p.name.startswith("test_") and not (case.repo_dir / p).exists()
    )


def _gap_problems(case: Case, python: str, tmp: Path) -> list[str]:
    """Each mutant must survive the repo's own tests: that is the gap the new test fills."""
    problems = [] if _new_tests(case) or not case.mutants else ["the reference adds no test"]
    for name in case.mutants:
        repo = materialise(case, tmp / f"mutant-{name}", mutant=name)
        kept = _run_nodes(repo, python, case.pass_to_pass, _CHECK_TIMEOUT_S)
        problems += [f"mutant {name} is already caught by {n}" for n, ok in kept.items() if not ok]
    return problems
