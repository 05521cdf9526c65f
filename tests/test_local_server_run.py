"""`harden --base-url` against a server that imitates llama-cpp-python's structured output.

The real CLI, the real openai SDK over HTTP to tests/fakellm.py, a real git repo. The
server refuses ``json_schema`` with a 500 validation error: harden must send that request
once, switch to ``json_object``, say so in the report, and start there the next run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from agent.llm.ledger import Ledger
from agent.llm.structured import MODE_FILE
from tests.conftest import GitRepo
from tests.fakellm import LLAMA_CPP_PYTHON, FakeLLM, Reply
from tests.test_model_run import ABSTAIN

APP = "import pickle\n\n\ndef load(blob):\n    return pickle.loads(blob)\n"


def harden(
    repo: Path, llm: FakeLLM, data: Path, cache: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HARDEN_DATA_DIR": str(data),
        "HARDEN_CACHE_DIR": str(cache),
        "COLUMNS": "200",
    }
    env.pop("OPENAI_API_KEY", None)
    argv = [sys.executable, "-m", "agent", "run", "--python", sys.executable]
    argv += ["--model", "openai/gemma-3-270m", "--base-url", llm.url, "--no-characterize"]
    argv += [*extra, str(repo)]  # characterization's call would take the first scripted reply
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    return done


def latest_run(repo: Path) -> tuple[dict[str, Any], str]:
    run_dir = max((repo / ".harden" / "runs").iterdir(), key=lambda p: p.stat().st_mtime)
    report = json.loads((run_dir / "report.json").read_text())
    return report, (run_dir / "report.md").read_text()


def chat_formats(llm: FakeLLM) -> list[str]:
    return [
        str((r.json.get("response_format") or {}).get("type", "none"))
        for r in llm.requests
        if r.path.endswith("/chat/completions")
    ]


def test_a_llama_cpp_python_server_is_negotiated_reported_and_remembered(
    make_repo: GitRepo, tmp_path: Path
) -> None:
    repo = make_repo({"app.py": APP})
    data = tmp_path / "data"
    with FakeLLM(LLAMA_CPP_PYTHON) as llm:
        llm.script(Reply(ABSTAIN), Reply(ABSTAIN))
        done = harden(repo, llm, data, tmp_path / "cache1")
        first = chat_formats(llm)
        report, markdown = latest_run(repo)
        # a fresh cache, and --rerun (the first run's answer is not wanted): a new call
        harden(repo, llm, data, tmp_path / "cache2", "--rerun")
        second = chat_formats(llm)[len(first) :]
    assert first == ["json_schema", "json_object"]  # the 500 was not retried
    assert second == ["json_object"]  # the next run starts with what worked
    assert report["structured_output"] == ["json_object"]
    assert report["structured_rejected"] == ["json_schema"]
    assert "Structured output: `json_object` (the server rejected `json_schema`)." in markdown
    assert "structured output json_object" in done.stdout
    assert [o["kind"] for o in report["model_outcomes"]] == ["abstained"]
    assert json.loads((data / MODE_FILE).read_text()) == {llm.url: "json_object"}
    with Ledger(data / "ledger.sqlite") as ledger:
        [row] = ledger.records(report["run_id"])
    assert (row.attempts, row.structured_mode, row.outcome) == (2, "json_object", "ok")
