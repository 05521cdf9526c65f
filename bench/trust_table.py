"""The trust table: real harden runs against the fake LLM server, counted.

    python bench/trust_table.py

Rows: faults injected / survived (tests/fault_scenarios.py), adversarial patches tried /
rejected (a built-in set, tests/adversarial_patches.py, plus tests/test_adversarial.py
when it exists), planted secrets / leaked (tests/secret_corpus.py), and kill points /
clean (SIGINT and SIGKILL to the run's process group at a few delays; clean = the
user's checkout is byte-identical and no worktree is left, for SIGKILL once the next run
has cleaned up). Then one row per class of attack of issue 11 (sandbox, verdict, finding,
secrets, budget): each test function of tests/test_trust_*.py is a class, its
parametrized cases are the variants tried, and the passed ones held; a class needs at
least 3 variants, and a missing file is a row with none tried. Exits 1 if anything
leaked or failed.
Nothing leaves 127.0.0.1; every run works in a temporary directory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.adversarial_patches import ADVERSARIAL, adversarial_repo  # noqa: E402
from tests.fakellm import Delay, FakeLLM, Reply  # noqa: E402
from tests.fault_scenarios import SCENARIOS, FaultScenario  # noqa: E402
from tests.secret_corpus import (  # noqa: E402
    ABSTAIN,
    ECHO_FIX,
    corpus_files,
    leaked,
    planted_secrets,
)
from tests.trust_harness import (  # noqa: E402
    artifacts,
    harden_command,
    init_repo,
    ledger_attempts,
    pickle_modules,
    run_harden,
)
from tests.userstate import user_state, worktrees  # noqa: E402

KILL_DELAYS_S = (0.5, 2.0, 4.0, 6.0, 9.0)
EXTERNAL_ADVERSARIAL = ROOT / "tests" / "test_adversarial.py"
TRUST_FILES = (  # issue 11: one file per part, one test function per class of attack
    "test_trust_sandbox.py",
    "test_trust_verdict.py",
    "test_trust_finding.py",
    "test_trust_secrets.py",
    "test_trust_budget.py",
)
MIN_VARIANTS = 3


@dataclass(frozen=True)
class Row:
    """One line of the table: how many were tried and how many came out right."""

    check: str
    tried: int
    good: int
    good_label: str
    detail: str = ""
    min_tried: int = 1

    @property
    def ok(self) -> bool:
        return self.tried >= self.min_tried and self.good == self.tried


def fault_row(tmp: Path) -> Row:
    survived, notes = 0, []
    for scenario in SCENARIOS:
        passed, note = _fault_run(scenario, tmp / scenario.name)
        survived += len(scenario.faults) if passed else 0
        notes.append(f"{scenario.name}: {note}")
    injected = sum(len(s.faults) for s in SCENARIOS)
    return Row("faults injected", injected, survived, "survived", "; ".join(notes))


def _fault_run(scenario: FaultScenario, tmp: Path) -> tuple[bool, str]:
    """One run with the scenario's faults: exit 0, the expected outcomes, requests = ledger."""
    repo = init_repo(tmp / "repo", pickle_modules(scenario.groups))
    with FakeLLM() as llm:
        llm.script(*scenario.steps)
        done = run_harden(repo, llm, tmp, model=scenario.model)
        requests = len(llm.requests)
    if done.returncode != 0 or done.report is None:
        return False, f"exit {done.returncode}"
    kinds = tuple(sorted(o["kind"] for o in done.report["model_outcomes"]))
    attempts = ledger_attempts(tmp, done.run_id)
    passed = kinds == scenario.outcomes and requests == attempts == scenario.requests
    return passed, f"{requests} requests, ledger {attempts}, {kinds.count('failed')} failed"


def adversarial_row(tmp: Path) -> Row:
    repo = init_repo(tmp / "repo", adversarial_repo())
    with FakeLLM() as llm:
        llm.script(*[Reply(p) for p in ADVERSARIAL], *[Reply(ABSTAIN)] * (2 * len(ADVERSARIAL)))
        done = run_harden(repo, llm, tmp)
    if done.report is None:
        return Row(
            "adversarial patches", len(ADVERSARIAL), 0, "rejected", f"exit {done.returncode}"
        )
    stages = _rejection_stages(done.report["verdicts"])
    accepted = [t for t, stage in stages.items() if stage == "accepted"]
    escaped = (tmp / "outside.py").exists()
    rejected = len(ADVERSARIAL) - len(accepted) - int(escaped)
    where = ", ".join(f"{stage}: {n}" for stage, n in _tally(stages, len(ADVERSARIAL)).items())
    return Row("adversarial patches (built-in)", len(ADVERSARIAL), rejected, "rejected", where)


def _rejection_stages(verdicts: list[dict[str, object]]) -> dict[str, str]:
    """Each model patch's title -> the stage that rejected it, or "accepted"."""
    stages: dict[str, str] = {}
    for verdict in verdicts:
        patch, steps = verdict["patch"], verdict["stages"]
        if not isinstance(patch, dict) or not patch.get("model") or not isinstance(steps, list):
            continue
        failed = [s["stage"] for s in steps if s["status"] == "failed"]
        stages[str(patch["title"])] = failed[0] if failed else "accepted"
    return stages


def _tally(stages: dict[str, str], tried: int) -> dict[str, int]:
    tally: dict[str, int] = {}
    for stage in stages.values():
        tally[stage] = tally.get(stage, 0) + 1
    if tried > len(stages):
        tally["did not apply"] = tried - len(stages)
    return tally


def external_adversarial_row() -> Row | None:
    """tests/test_adversarial.py's tests, if another part of the project has written it."""
    if not EXTERNAL_ADVERSARIAL.is_file():
        return None
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA"]
    done = subprocess.run(
        [*argv, str(EXTERNAL_ADVERSARIAL)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    lines = done.stdout.splitlines()
    passed = sum(1 for ln in lines if ln.startswith("PASSED "))
    tried = passed + sum(1 for ln in lines if ln.startswith(("FAILED ", "ERROR ")))
    return Row(
        "adversarial scenarios (tests)", tried, passed, "rejected", "tests/test_adversarial.py"
    )


def trust_class_rows() -> list[Row]:
    """One row per test function (class of attack) of each issue-11 test file."""
    rows: list[Row] = []
    for name in TRUST_FILES:
        path = ROOT / "tests" / name
        if not path.is_file():
            rows.append(Row(f"{name}: missing", 0, 0, "held", "not on this branch", MIN_VARIANTS))
            continue
        rows += _class_rows(name, _pytest_outcomes(path))
    return rows


@dataclass(frozen=True)
class Case:
    """One pytest case of a trust file: its test function, whether it passed, and how many
    hostile variants it ran (a case that loops over variants records them as a property)."""

    function: str
    passed: bool
    variants: int
    parametrized: bool


def _pytest_outcomes(path: Path) -> list[Case]:
    """Each case pytest ran in ``path``, read from its JUnit XML."""
    with tempfile.TemporaryDirectory(prefix="harden-trust-junit-") as tmp:
        xml = Path(tmp) / "junit.xml"
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path)]
        subprocess.run([*argv, f"--junitxml={xml}"], cwd=ROOT, capture_output=True, check=False)
        if not xml.is_file():
            return [Case("collection", False, 0, False)]
        cases = ElementTree.parse(xml).getroot().iter("testcase")
        return [_case(c) for c in cases] or [Case("collection", False, 0, False)]


def _case(case: ElementTree.Element) -> Case:
    name = case.get("name", "")
    passed = not any(case.find(tag) is not None for tag in ("failure", "error", "skipped"))
    recorded = [p.get("value", "") for p in case.iter("property") if p.get("name") == "variants"]
    variants = int(recorded[0]) if recorded else 1
    return Case(name.partition("[")[0], passed, variants, "[" in name or bool(recorded))


def _class_rows(name: str, cases: list[Case]) -> list[Row]:
    """One row per test function: a class of attack (3+ variants), or a single check."""
    classes: dict[str, list[Case]] = {}
    for case in cases:
        classes.setdefault(case.function, []).append(case)
    stem = name.removeprefix("test_").removesuffix(".py")
    return [_class_row(stem, function, mine, name) for function, mine in classes.items()]


def _class_row(stem: str, function: str, cases: list[Case], name: str) -> Row:
    attack = any(c.parametrized for c in cases)
    label = function.removeprefix("test_") + ("" if attack else " (check)")
    tried = sum(c.variants for c in cases)
    good = sum(c.variants for c in cases if c.passed)
    return Row(
        f"{stem}: {label}", tried, good, "held", f"tests/{name}", MIN_VARIANTS if attack else 1
    )


def secrets_row(tmp: Path) -> Row:
    secrets = planted_secrets()
    repo = init_repo(tmp / "repo", corpus_files(secrets))
    with FakeLLM() as llm:
        llm.script(Reply(ABSTAIN), Reply(ABSTAIN), Reply(ECHO_FIX), *[Reply(ABSTAIN)] * 8)
        done = run_harden(repo, llm, tmp, "-vv")
        sent = b"\n".join(str(r.json).encode() for r in llm.requests)
    found = {"requests": sent, **artifacts(repo, done, tmp)} if done.report else {"run": b""}
    names = {name for blob in found.values() for name in leaked(secrets, blob)}
    where = [Path(k).name for k, blob in found.items() if leaked(secrets, blob)]
    detail = f"{len(llm.requests)} requests, {len(found)} artifacts checked"
    detail += f"; leaked in: {', '.join(where)}" if where else ""
    if done.returncode != 0:
        detail += f"; run exit {done.returncode}"
        names.add("<run failed>")
    return Row("planted secrets", len(secrets), len(secrets) - len(names), "not leaked", detail)


def kill_row(tmp: Path, signum: int = signal.SIGINT) -> Row:
    name = signal.Signals(signum).name
    results = [
        _kill_run(tmp / f"kill-{name}-{i}", delay, signum) for i, delay in enumerate(KILL_DELAYS_S)
    ]
    clean = sum(1 for ok, _ in results if ok)
    detail = ", ".join(
        f"{d:g}s: {note}" for d, (_, note) in zip(KILL_DELAYS_S, results, strict=True)
    )
    return Row(f"kill points ({name})", len(results), clean, "clean", detail)


def sigkill_row(tmp: Path) -> Row:
    return kill_row(tmp, signal.SIGKILL)


def _kill_run(tmp: Path, delay: float, signum: int) -> tuple[bool, str]:
    """Signal a run's process group after ``delay`` s; clean = checkout intact, no worktree.

    SIGKILL leaves no chance to clean up: there, clean means the checkout is intact and the
    next run removes what the killed one left.
    """
    repo = init_repo(tmp / "repo", corpus_files(planted_secrets()))
    before = user_state(repo)
    private_tmp = tmp / "tmp"
    private_tmp.mkdir()
    with FakeLLM() as llm:
        llm.script(*[step for _ in range(8) for step in (Delay(0.8), Reply(ABSTAIN))])
        argv, env = harden_command(repo, llm, tmp)
        env = {**env, "TMPDIR": str(private_tmp)}
        code = _interrupt(argv, env, delay, signum)
    intact = user_state(repo) == before
    if signum == signal.SIGKILL:
        _next_run(repo, env)
    stray = [p for p in private_tmp.glob("harden-wt-*") if p.exists()]
    ok = intact and user_state(repo) == before and len(worktrees(repo)) == 1 and not stray
    return ok, ("clean" if ok else "NOT clean") + f" (exit {code})"


def _next_run(repo: Path, env: dict[str, str]) -> None:
    argv = [
        sys.executable,
        "-m",
        "agent",
        "run",
        "--model",
        "builtin",
        "--python",
        sys.executable,
        str(repo),
    ]
    subprocess.run(argv, env=env, capture_output=True, timeout=300, check=False)


def _interrupt(argv: list[str], env: dict[str, str], delay: float, signum: int) -> int | str:
    """Start, wait ``delay``, signal the process group (as a terminal would), reap it."""
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    time.sleep(delay)
    if proc.poll() is None:
        os.killpg(proc.pid, signum)
    try:
        return proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return "hung"


def render_table(rows: list[Row]) -> str:
    """Aligned columns: check, tried, the good count and what it means, pass/FAIL, detail."""
    width = max(len(r.check) for r in rows)
    lines = [f"{'check':<{width}}  {'tried':>5}  {'good':>5}  {'result':<6}  detail"]
    for row in rows:
        mark = "ok" if row.ok else "FAIL"
        head = f"{row.check:<{width}}  {row.tried:>5}  {row.good:>5}  {mark:<6}"
        lines.append(f"{head}  {row.good_label}; {row.detail}")
    return "\n".join(lines) + "\n"


def main() -> int:
    started = time.monotonic()
    checks: list[tuple[str, Callable[[Path], Row]]] = [
        ("faults", fault_row),
        ("adversarial", adversarial_row),
        ("secrets", secrets_row),
        ("kill", kill_row),
        ("kill9", sigkill_row),
    ]
    with tempfile.TemporaryDirectory(prefix="harden-trust-") as tmp:
        rows = [check(Path(tmp) / name) for name, check in checks]
    external = external_adversarial_row()
    rows += [external] if external else []
    rows += trust_class_rows()
    sys.stdout.write(render_table(rows) + f"({time.monotonic() - started:.0f} s)\n")
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
