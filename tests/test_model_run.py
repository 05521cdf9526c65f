"""The model path end to end: `harden --model ...` against the local fake LLM server.

Real git repos, the real openai SDK over HTTP to tests/fakellm.py, the real funnel with
the repo's tests run by pytest. Nothing leaves 127.0.0.1.
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
from tests.conftest import GitRepo, git
from tests.fakellm import FakeLLM, Reply, WireUsage

APP = '''\
import pickle

API_TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"


def load_session(blob):
    """Read a session the client sent back; an empty one is no session."""
    return pickle.loads(blob) if blob else None
'''
TEST = """\
from app import load_session


def test_no_session():
    assert load_session(b"") is None
"""
GOOD_FIX = {
    "decision": "fix",
    "title": "Parse sessions as JSON instead of unpickling them",
    "rationale": "pickle.loads on client data runs arbitrary code (CWE-502); JSON cannot.",
    "risk": "medium",
    "edits": [
        {"path": "app.py", "search": "import pickle\n", "replace": "import json\n"},
        {
            "path": "app.py",
            "search": "return pickle.loads(blob)",
            "replace": "return json.loads(blob)",
        },
    ],
    "new_test_file": None,
}
BREAKING_FIX = {
    **GOOD_FIX,
    "edits": [
        {"path": "app.py", "search": "import pickle\n", "replace": "import json\n"},
        {
            "path": "app.py",
            "search": "pickle.loads(blob) if blob else None",
            "replace": "json.loads(blob) if blob else {}",
        },
    ],
}
ABSTAIN = {
    "decision": "no_safe_fix",
    "title": "No safe fix",
    "rationale": "Callers depend on unpickling arbitrary objects.",
    "risk": "high",
    "edits": [],
    "new_test_file": None,
}


@pytest.fixture
def repo(make_repo: GitRepo) -> Path:
    # S105 (the token) has a codemod; S301 (pickle) needs the model.
    return make_repo({"app.py": APP, "tests/test_app.py": TEST})


def harden(repo: Path, llm: FakeLLM, data: Path, *extra: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "OPENAI_API_KEY": "sk-test-not-a-real-key",
        "HARDEN_DATA_DIR": str(data / "data"),
        "HARDEN_CACHE_DIR": str(data / "cache"),
    }
    argv = [
        sys.executable,
        "-m",
        "agent",
        "run",
        "--json",
        "--python",
        sys.executable,
        "--model",
        "openai/gpt-4.1-mini",
        "--base-url",
        llm.url,
        "--no-characterize",  # its call would take the first scripted reply
        *extra,
        str(repo),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def model_requests(llm: FakeLLM) -> list[dict[str, Any]]:
    return [r.json for r in llm.requests if r.path.endswith("/chat/completions")]


def test_a_model_fix_is_validated_and_committed_with_its_prompt_and_model(
    repo: Path, tmp_path: Path
) -> None:
    with FakeLLM() as llm:
        llm.script(Reply(GOOD_FIX, usage=WireUsage(1200, 0, 0, 150)))
        report = harden(repo, llm, tmp_path)
    assert len(model_requests(llm)) == 1
    log = git(repo, "log", "--format=%B%x00", f"main..{report['branch']}")
    model_commit = next(m for m in log.split("\0") if "Harden-Model" in m)
    assert "Harden-Prompt: fix/security@v1" in model_commit
    assert "Harden-Model: openai/gpt-4.1-mini" in model_commit
    # the one test reaches the fixed function: a selection of 1 of 1, which passed
    assert "- tests: ok (selected tests (1 of 1 test(s) reach the changed code): 1 passed" in (
        model_commit
    )
    assert "json.loads(blob)" in git(repo, "show", f"{report['branch']}:app.py")
    assert report["model"] == "openai/gpt-4.1-mini" and report["cost_usd"] > 0
    with Ledger(tmp_path / "data" / "ledger.sqlite") as ledger:
        [row] = ledger.records(report["run_id"])
    assert (row.input_tokens, row.output_tokens, row.outcome) == (1200, 150, "ok")
    assert row.prompt == "fix/security@v1" and row.cost_usd == pytest.approx(report["cost_usd"])


def test_planted_secrets_never_reach_the_model(repo: Path, tmp_path: Path) -> None:
    with FakeLLM() as llm:
        llm.script(Reply(GOOD_FIX))
        harden(repo, llm, tmp_path, "--max-findings", "1")
    bodies = json.dumps(model_requests(llm))
    assert "pickle.loads(blob)" in bodies  # the code was sent...
    assert "ghp_abcdefghijklmnopqrstuvwxyz0123456789" not in bodies  # ...the token was not


def test_a_patch_that_breaks_the_tests_is_retried_once_with_the_failure_then_dropped(
    repo: Path, tmp_path: Path
) -> None:
    with FakeLLM() as llm:
        llm.script(Reply(BREAKING_FIX), Reply(BREAKING_FIX))
        report = harden(repo, llm, tmp_path)
    requests = model_requests(llm)
    assert len(requests) == 2
    retry_prompt = json.dumps(requests[1])
    assert "rejected at the tests stage" in retry_prompt and "test_no_session" in retry_prompt
    rejected = [v for v in report["verdicts"] if v["patch"]["model"]]
    assert [v["stages"][-1]["stage"] for v in rejected] == ["tests", "tests"]
    [outcome] = report["model_outcomes"]
    assert outcome["kind"] == "failed" and "tests stage" in outcome["reason"]
    assert "pickle.loads" in git(repo, "show", f"{report['branch']}:app.py")


def test_an_abstention_is_reported_and_nothing_is_committed_for_it(
    repo: Path, tmp_path: Path
) -> None:
    with FakeLLM() as llm:
        llm.script(Reply(ABSTAIN))
        report = harden(repo, llm, tmp_path)
    assert len(model_requests(llm)) == 1
    [outcome] = report["model_outcomes"]
    assert outcome["kind"] == "abstained" and "no safe fix" in outcome["reason"]
    assert all(not v["patch"]["model"] for v in report["verdicts"])


def test_an_edit_that_does_not_apply_goes_back_to_the_model(repo: Path, tmp_path: Path) -> None:
    wrong = {
        **GOOD_FIX,
        "edits": [
            {
                "path": "app.py",
                "search": "return marshal.loads(blob)",
                "replace": "return json.loads(blob)",
            }
        ],
    }
    with FakeLLM() as llm:
        llm.script(Reply(wrong), Reply(GOOD_FIX))
        report = harden(repo, llm, tmp_path)
    requests = model_requests(llm)
    assert len(requests) == 2
    assert "edit 1 on app.py: the search text was not found" in json.dumps(requests[1])
    assert any(
        v["patch"]["model"] and not any(s["status"] == "failed" for s in v["stages"])
        for v in report["verdicts"]
    )


def test_a_second_run_on_an_unchanged_repo_makes_no_model_call(repo: Path, tmp_path: Path) -> None:
    with FakeLLM() as llm:
        llm.script(Reply(ABSTAIN))
        harden(repo, llm, tmp_path)
        first = len(model_requests(llm))
        second_report = harden(repo, llm, tmp_path, "--rerun")  # not answered by the first
        assert len(model_requests(llm)) == first == 1
    with Ledger(tmp_path / "data" / "ledger.sqlite") as ledger:
        [row] = ledger.records(second_report["run_id"])
    assert row.cache_hit and row.cost_usd == 0


def test_budget_stops_new_calls_and_says_what_was_left(make_repo: GitRepo, tmp_path: Path) -> None:
    modules = {
        f"m{i}.py": f"import pickle\n\n\ndef f{i}(b):\n    return pickle.loads(b)\n"
        for i in range(3)
    }
    repo = make_repo(modules)
    # Input costs $1000/M and output nothing: a call is reserved at its prompt's estimate
    # (well under $1) and billed $3 for the 3,000 input tokens the server reports. With a
    # $6.20 budget the third call (6.00 spent + its estimate) would exceed it.
    pyproject = '[tool.harden.pricing."openai/gpt-4.1-mini"]\ninput = 1000.0\noutput = 0.0\n'
    (repo / "pyproject.toml").write_text(pyproject)
    git(repo, "add", "pyproject.toml")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "prices")
    with FakeLLM() as llm:
        llm.script(*[Reply(ABSTAIN, usage=WireUsage(3000, 0, 0, 10))] * 3)
        report = harden(repo, llm, tmp_path, "--budget", "6.2", "--jobs", "1")
    kinds = sorted(o["kind"] for o in report["model_outcomes"])
    assert len(model_requests(llm)) == 2
    assert kinds == ["abstained", "abstained", "budget"]
    assert report["cost_usd"] == pytest.approx(6.0)


def test_plan_estimates_the_model_cost_without_calling_it(repo: Path, tmp_path: Path) -> None:
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-not-a-real-key"}
    argv = [
        sys.executable,
        "-m",
        "agent",
        "plan",
        "--json",
        "--model",
        "openai/gpt-4.1-mini",
        str(repo),
    ]
    with FakeLLM() as llm:
        env["OPENAI_BASE_URL"] = llm.url
        done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
        assert llm.requests == []
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    [row] = [r for r in plan["rows"] if r["finding"]["rule"] == "S301"]
    assert row["fixer"] == "fix/security@v1 via openai/gpt-4.1-mini"
    assert 300 < row["est_input_tokens"] < 3000
    # gpt-4.1-mini's list price: $0.40/M input, $1.60/M output.
    expected = row["est_input_tokens"] * 0.4e-6 + row["est_output_tokens"] * 1.6e-6
    assert row["est_usd"] == pytest.approx(expected)


GROUPS = {
    "app.py": """\
import pickle


def load_one(blob):
    return pickle.loads(blob)


def load_two(blob, other):
    return pickle.loads(blob), pickle.loads(other)


def parse_and_load(text, blob):
    parsed = eval(text)
    return parsed, pickle.loads(blob)
""",
    "store/cache.py": "import pickle\n\n\ndef load(blob):\n    return pickle.loads(blob)\n",
    "tests/test_app.py": """\
import pickle

from app import parse_and_load


def test_parse_and_load():
    assert parse_and_load("[1, 2]", pickle.dumps(3)) == ([1, 2], 3)
""",
}


def test_plan_counts_the_model_calls_the_run_makes(make_repo: GitRepo, tmp_path: Path) -> None:
    # Four groups reach the model: load_one; load_two (two findings, one call);
    # parse_and_load, whose eval a codemod fixes first; and store/cache.py's load.
    repo = make_repo(GROUPS)
    argv = [sys.executable, "-m", "agent", "plan", "--json", "--model", "openai/gpt-4.1-mini"]
    with FakeLLM() as llm:
        env = {**os.environ, "OPENAI_API_KEY": "sk-test-not-a-real-key", "OPENAI_BASE_URL": llm.url}
        planned = subprocess.run(
            [*argv, str(repo)], capture_output=True, text=True, env=env, check=False
        )
        assert planned.returncode == 0, planned.stderr
        llm.script(*[Reply(ABSTAIN)] * 8)
        report = harden(repo, llm, tmp_path, "--jobs", "1")
    plan = json.loads(planned.stdout)
    calls = len(model_requests(llm))
    assert plan["est_calls"] == calls == 4
    assert len(report["model_outcomes"]) == calls and len(report["commits"]) == 1


def test_cost_lists_spend_per_run_model_and_prompt(repo: Path, tmp_path: Path) -> None:
    with FakeLLM() as llm:
        llm.script(Reply(GOOD_FIX, usage=WireUsage(1000, 400, 0, 100)))
        report = harden(repo, llm, tmp_path)
    env = {**os.environ, "HARDEN_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "agent", "cost"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [line] = [ln for ln in done.stdout.splitlines() if report["run_id"] in ln]
    assert "openai/gpt-4.1-mini" in line and "fix/security@v1" in line
    assert f"{report['cost_usd']:.4f}" in line


def test_prompts_lists_the_shipped_versions() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "agent", "prompts"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "fix/security@v1" in done.stdout and " ok " in done.stdout


def test_budget_with_an_unknown_price_refuses_to_start(repo: Path, tmp_path: Path) -> None:
    env = {**os.environ, "HARDEN_DATA_DIR": str(tmp_path / "d"), "HARDEN_CACHE_DIR": str(tmp_path)}
    argv = [
        sys.executable,
        "-m",
        "agent",
        "run",
        "--model",
        "ollama-like/unknown-model",
        "--budget",
        "1",
        str(repo),
    ]
    with FakeLLM() as llm:
        argv[-1:-1] = ["--base-url", llm.url]
        argv[argv.index("ollama-like/unknown-model")] = "openai/some-unpriced-model"
        done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
        assert llm.requests == []
    assert done.returncode == 1
    assert "price of openai/some-unpriced-model is unknown" in done.stderr
    assert "--allow-unknown-cost" in done.stderr
