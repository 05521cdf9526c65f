"""Faults injected through the fake LLM server: every run completes and accounts for them.

Each scenario (tests/fault_scenarios.py) is one ``harden run`` consuming several scripted
faults: HTTP 429/5xx/529, a reset connection, a client timeout, truncated, invalid,
empty, huge, prose and foreign-language replies. The run must exit 0, report what became
of every group of findings, and its ledger must count exactly the requests the server saw;
no file of the run may balloon (a 5 MB reply is not copied into the reports).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakellm import FakeLLM
from tests.fault_scenarios import SCENARIOS, FaultScenario
from tests.trust_harness import init_repo, ledger_attempts, pickle_modules, run_harden


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_a_run_survives_its_faults_and_counts_them(scenario: FaultScenario, tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", pickle_modules(scenario.groups))
    with FakeLLM() as llm:
        llm.script(*scenario.steps)
        done = run_harden(repo, llm, tmp_path, model=scenario.model)
        requests = len(llm.requests)
    assert done.returncode == 0, done.stderr
    assert done.report is not None
    kinds = sorted(o["kind"] for o in done.report["model_outcomes"])
    assert tuple(kinds) == scenario.outcomes
    failed = [o["reason"] for o in done.report["model_outcomes"] if o["kind"] == "failed"]
    assert all(scenario.failed_because in reason for reason in failed)
    assert requests == scenario.requests
    assert ledger_attempts(tmp_path, done.run_id) == requests
    run_dir = repo / ".harden" / "runs" / done.run_id
    assert "model_outcomes" in (run_dir / "report.json").read_text()
    assert all(f.stat().st_size < 1_000_000 for f in run_dir.iterdir() if f.is_file())
