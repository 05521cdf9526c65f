"""Opt-in: one real call, end to end, to a local model server (bench/local_model.sh starts one).

    HARDEN_LOCAL_MODEL_URL=http://127.0.0.1:8765/v1 HARDEN_LOCAL_MODEL=gemma-3-270m \\
        python -m pytest -q tests/test_local_model_live.py

Skipped unless ``HARDEN_LOCAL_MODEL_URL`` is set. A small model may fix, abstain or fail:
the test checks that harden handled the reply and said so, never the fix's quality.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent.llm.ledger import Ledger
from agent.llm.structured import MODE_FILE, StructuredMode
from tests.conftest import GitRepo

URL = os.environ.get("HARDEN_LOCAL_MODEL_URL", "")
MODEL = os.environ.get("HARDEN_LOCAL_MODEL", "gemma-3-270m")
APP = "import pickle\n\n\ndef load(blob):\n    return pickle.loads(blob)\n"
TEST = "from app import load\n\n\ndef test_load_is_callable():\n    assert callable(load)\n"

pytestmark = pytest.mark.skipif(
    not URL, reason="HARDEN_LOCAL_MODEL_URL is not set (bench/local_model.sh starts a server)"
)


def _passed(verdict: dict[str, Any]) -> bool:
    return not any(stage["status"] == "failed" for stage in verdict["stages"])


def test_one_real_call_is_handled_and_reported(make_repo: GitRepo, tmp_path: Path) -> None:
    repo = make_repo({"app.py": APP, "tests/test_app.py": TEST})
    env = {**os.environ, "HARDEN_DATA_DIR": str(tmp_path / "d"), "HARDEN_CACHE_DIR": str(tmp_path)}
    argv = [sys.executable, "-m", "agent", "run", "--json", "--python", sys.executable]
    argv += ["--model", f"openai/{MODEL}", "--base-url", URL, str(repo)]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=1800, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    modes = {str(m) for m in StructuredMode}
    fixed = [v for v in report["verdicts"] if v["patch"]["model"] and _passed(v)]
    assert len(fixed) + len(report["model_outcomes"]) >= 1  # the reply became an outcome
    with Ledger(tmp_path / "d" / "ledger.sqlite") as ledger:
        calls = ledger.records(report["run_id"])
    assert calls and all(c.attempts >= 1 for c in calls)
    answered = [c for c in calls if c.structured_mode]
    if answered:  # the server answered: the mode is reported and remembered
        assert set(report["structured_output"]) <= modes and report["structured_output"]
        remembered = json.loads((tmp_path / "d" / MODE_FILE).read_text())
        assert remembered[URL.rstrip("/")] in modes
