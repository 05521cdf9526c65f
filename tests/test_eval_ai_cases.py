"""The ai priority's eval cases through ``harden eval --prompt fix/ai@v1``: the model is
the local fake LLM server (reached through the real openai SDK), scripted with a fix per
case; the exchanges are recorded as cassettes, then replayed with the network off and
scored the same. This proves the cases score a model's patches like the others; the
figures are the script's, not a real model's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from agent.resources import bundled_dir
from tests.fakellm import FakeLLM, Reply, WireUsage
from tests.test_eval_cli import harden_eval, model_args, samples

CASES = bundled_dir("evals") / "cases"
SHELL_FIX = {
    "decision": "fix",
    "title": "Check the model's archive name before running tar without a shell",
    "rationale": "The reply is untrusted: a command in it ran through the shell (CWE-78).",
    "risk": "low",
    "edits": [
        {
            "path": "app/assistant.py",
            "search": "import subprocess\n",
            "replace": "import re\nimport subprocess\n",
        },
        {
            "path": "app/assistant.py",
            "search": 'MODEL = "gpt-4.1-mini"\n',
            "replace": 'MODEL = "gpt-4.1-mini"\nNAME = re.compile(r"[\\w][\\w.-]*\\.tgz")\n',
        },
        {
            "path": "app/assistant.py",
            "search": '    subprocess.run(f"tar czf {name} site", shell=True, cwd=workdir, '
            "check=True)\n",
            "replace": (
                "    if not NAME.fullmatch(name):\n"
                '        raise ValueError(f"not an archive name: {name!r}")\n'
                '    subprocess.run(["tar", "czf", name, "site"], cwd=workdir, check=True)\n'
            ),
        },
    ],
    "new_test_file": None,
}
TIMEOUT_FIX = {
    "decision": "fix",
    "title": "Bound the triage request with a 30-second timeout",
    "rationale": "With no timeout the SDK waits up to 10 minutes for a stalled request.",
    "risk": "low",
    "edits": [
        {
            "path": "app/triage.py",
            "search": "        max_tokens=5,\n",
            "replace": "        max_tokens=5,\n        timeout=30,\n",
        }
    ],
    "new_test_file": None,
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for case in ("ai-no-timeout", "ai-output-shell"):
        shutil.copytree(CASES / case, root / "evals" / "cases" / case)
    prompt = bundled_dir("prompts") / "fix" / "ai" / "v1.md"
    (root / "prompts" / "fix" / "ai").mkdir(parents=True)
    shutil.copy(prompt, root / "prompts" / "fix" / "ai" / "v1.md")
    return root


def _resolved(result: dict[str, Any]) -> dict[str, bool]:
    return {s["case_id"]: s["resolved"] for s in samples(result, "fix/ai@v1")}


def test_ai_cases_score_a_model_patch_recorded_then_replayed(project: Path) -> None:
    args = ["--prompt", "fix/ai@v1", "--priority", "ai", "--jobs", "1"]
    with FakeLLM() as llm:
        usage = WireUsage(input_tokens=1500, output_tokens=300)
        llm.script(Reply(TIMEOUT_FIX, usage=usage), Reply(SHELL_FIX, usage=usage))
        recorded = harden_eval(project, *model_args(llm.url, project, *args, "--record"))
    assert recorded.returncode == 0, recorded.stderr
    assert len(llm.requests) == 2
    first = json.loads(recorded.stdout)
    assert _resolved(first) == {"ai-no-timeout": True, "ai-output-shell": True}
    sent = json.dumps(llm.requests[0].json)
    assert "puts LLM features into production" in sent  # fix/ai's own system prompt
    cassettes = sorted((project / "evals" / "cassettes").rglob("*.yaml"))
    assert [p.name for p in cassettes] == ["ai-no-timeout-s0.yaml", "ai-output-shell-s0.yaml"]
    assert {p.parent.parent.name[:6] for p in cassettes} == {"ai@v1-"}  # fix/ai@v1-<sha8>

    replay = model_args("http://127.0.0.1:9/v1", project, *args, "--replay")
    replayed = harden_eval(project, *replay, network=False, key=False)
    assert replayed.returncode == 0, replayed.stderr
    again = json.loads(replayed.stdout)
    assert _resolved(again) == _resolved(first)
    keys = ("input_tokens", "output_tokens", "diff_lines", "calls")
    assert [{k: s[k] for k in keys} for s in samples(again, "fix/ai@v1")] == [
        {k: s[k] for k in keys} for s in samples(first, "fix/ai@v1")
    ]
