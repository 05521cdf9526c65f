"""`harden eval` end to end: the real CLI in a subprocess, real case repos, real pytest.

Two tiny cases (tests/fixtures/evals/cases): yaml-tiny, which the builtin codemods fix,
and pickle-tiny, which needs a model. The model is the local fake LLM server, reached
through the real openai SDK; replays run with the network off (``unshare -n``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from agent.resources import bundled_dir
from tests.fakellm import FakeLLM, Reply, WireUsage
from tests.test_model_run import BREAKING_FIX, GOOD_FIX

FIXTURES = Path(__file__).parent / "fixtures" / "evals" / "cases"
MODEL = "openai/gpt-4.1-mini"
KEY = "sk-eval-test-key-0123456789abcdef"
GOOD = {**GOOD_FIX, "edits": [{**e, "path": "app/session.py"} for e in GOOD_FIX["edits"]]}
BREAKING = {
    **BREAKING_FIX,
    "edits": [{**e, "path": "app/session.py"} for e in BREAKING_FIX["edits"]],
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with the two cases and a prompts dir holding fix/security v1 and v2."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURES, root / "evals" / "cases")
    prompts = root / "prompts" / "fix" / "security"
    prompts.mkdir(parents=True)
    v1 = (bundled_dir("prompts") / "fix" / "security" / "v1.md").read_text(encoding="utf-8")
    (prompts / "v1.md").write_text(v1, encoding="utf-8")
    v2 = v1.replace("version: 1", "version: 2", 1).replace(
        "--- user ---", "Be brief.\n--- user ---"
    )
    (prompts / "v2.md").write_text(v2, encoding="utf-8")
    return root


def harden_eval(
    project: Path, *args: str, network: bool = True, key: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HARDEN_DATA_DIR": str(project / "data"), "COLUMNS": "200"}
    if key:
        env["OPENAI_API_KEY"] = KEY
    argv = [sys.executable, "-m", "agent", "eval", "--python", sys.executable, *args]
    if not network:
        argv = ["unshare", "-n", *argv]
    return subprocess.run(
        argv, cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def model_args(url: str, project: Path, *extra: str) -> list[str]:
    prompts = str(project / "prompts")
    return ["--model", MODEL, "--base-url", url, "--prompts-dir", prompts, "--json", *extra]


def samples(result: dict[str, Any], label: str) -> list[dict[str, Any]]:
    [run] = [r for r in result["runs"] if r["label"] == label]
    return [s for case in run["cases"] for s in case["samples"]]


def test_builtin_eval_writes_results_blesses_and_catches_a_drop(project: Path) -> None:
    done = harden_eval(project, "--model", "builtin", "--json", "--bless")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    by_case = {s["case_id"]: s for s in samples(result, "builtin")}
    assert by_case["yaml-tiny"]["resolved"] and by_case["yaml-tiny"]["diff_lines"] == 2
    assert by_case["yaml-tiny"]["checks"]["fail-to-pass"] == "passed"
    assert not by_case["pickle-tiny"]["resolved"]
    assert by_case["pickle-tiny"]["reason"] == "patch: no codemod"
    outputs = sorted((project / "evals" / "results").iterdir())
    assert [p.suffix for p in outputs] == [".json", ".md", ".xml"]
    tree = ET.parse(outputs[2])  # noqa: S314  # our own file
    suite = tree.getroot().find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("2", "1")
    failure = suite.find("testcase[@name='pickle-tiny[s0]']/failure")
    assert failure is not None and failure.get("message") == "patch: no codemod"
    blessed = json.loads((project / "evals" / "baselines" / "builtin.json").read_text())
    assert blessed["label"] == "builtin" and len(blessed["cases"]) == 2

    again = harden_eval(project, "--model", "builtin", "--json")
    assert again.returncode == 0, again.stderr
    [same] = json.loads(again.stdout)["comparisons"]
    assert (same["paired"], same["same"], same["regressions"]) == (2, 2, [])

    # The yaml case now names a rule its code does not have: the scan cannot find it.
    toml = project / "evals" / "cases" / "yaml-tiny" / "case.toml"
    toml.write_text(toml.read_text().replace('rules = ["S506"]', 'rules = ["S301"]'))
    dropped = harden_eval(project, "--model", "builtin")
    assert dropped.returncode == 1, dropped.stderr
    assert "resolved rate fell 50% -> 0%" in dropped.stdout and "worse: yaml-tiny" in dropped.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cases", "no-such-case"], "unknown eval case(s): no-such-case"),
        (["--cases-dir", "nowhere"], "no eval cases: nowhere does not exist"),
        (["--prompt", "fix/security@v1"], "--prompt needs a model"),
        (["--model", MODEL, "--prompt", "fix/security@v9"], "unknown prompt"),
    ],
)
def test_an_eval_that_cannot_run_exits_2_with_one_line(
    project: Path, args: list[str], message: str
) -> None:
    done = harden_eval(project, *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_record_then_replay_with_the_network_off(project: Path) -> None:
    args = ["--cases", "pickle-tiny", "--prompt", "fix/security@v1", "-k", "2"]
    with FakeLLM() as llm:
        usage = WireUsage(input_tokens=1000, output_tokens=200)
        llm.script(Reply(GOOD, usage=usage), Reply(BREAKING, usage=usage), Reply(BREAKING))
        recorded = harden_eval(project, *model_args(llm.url, project, *args, "--record"))
    assert recorded.returncode == 0, recorded.stderr
    assert len(llm.requests) == 3  # k=2 samples are 2 real calls; the second retried once
    assert "estimate: 2 call(s)" in recorded.stderr
    first = samples(json.loads(recorded.stdout), "fix/security@v1")
    assert [s["resolved"] for s in first] == [True, False]
    assert first[1]["reason"].startswith("tests:") and first[1]["calls"] == 2
    [case] = json.loads(recorded.stdout)["runs"][0]["cases"]
    assert case["samples"][0]["input_tokens"] == 1000 and case["samples"][0]["cost_usd"] > 0

    cassettes = sorted((project / "evals" / "cassettes").rglob("*.yaml"))
    sha8 = _sha8(project / "prompts" / "fix" / "security" / "v1.md")
    parent = f"fix/security@v1-{sha8}/openai-gpt-4.1-mini"
    assert [str(p.relative_to(project / "evals" / "cassettes")) for p in cassettes] == [
        f"{parent}/pickle-tiny-s0.yaml",
        f"{parent}/pickle-tiny-s1.yaml",
    ]
    for path in cassettes:
        text = path.read_text().lower()
        assert KEY.lower() not in text and "authorization" not in text

    replay_args = model_args("http://127.0.0.1:9/v1", project, *args, "--replay")
    replayed = harden_eval(project, *replay_args, network=False, key=False)
    assert replayed.returncode == 0, replayed.stderr
    again = samples(json.loads(replayed.stdout), "fix/security@v1")
    keys = ("resolved", "calls", "input_tokens", "output_tokens", "diff_lines")
    assert [{k: s[k] for k in keys} for s in again] == [{k: s[k] for k in keys} for s in first]
    assert [s["reason"][:6] for s in again] == ["", "tests:"]

    # A changed prompt has another content hash, so it finds no cassette: exit 2.
    changed = [a if a != "fix/security@v1" else "fix/security@v2" for a in replay_args]
    missing = harden_eval(project, *changed, network=False, key=False)
    assert missing.returncode == 2
    assert "no cassette" in missing.stderr and "fix/security@v2-" in missing.stderr
    assert "prompt" in missing.stderr and "Traceback" not in missing.stderr


def test_a_prompt_version_that_regresses_exits_1(project: Path) -> None:
    args = [
        "--cases",
        "pickle-tiny",
        "--prompt",
        "fix/security@v2",
        "--baseline",
        "fix/security@v1",
    ]
    with FakeLLM() as llm:
        llm.script(Reply(GOOD), Reply(BREAKING), Reply(BREAKING))  # v1 first, then v2
        done = harden_eval(project, *model_args(llm.url, project, *args))
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)
    assert [r["label"] for r in result["runs"]] == ["fix/security@v1", "fix/security@v2"]
    [comparison] = result["comparisons"]
    assert comparison["worse"] == ["pickle-tiny"] and comparison["better"] == []
    assert "resolved rate fell 100% -> 0%" in comparison["regressions"][0]
    [md] = (project / "evals" / "results").glob("*.md")
    text = md.read_text()
    assert text.index("## Regressions") < text.index("## Summary")
    [xml] = (project / "evals" / "results").glob("*.xml")
    tree = ET.parse(xml)  # noqa: S314  # our own file
    failures = tree.getroot().findall(".//failure")
    assert [f.get("type") for f in failures] == ["tests"]


def _sha8(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:8]


def test_the_budget_caps_an_eval_before_any_call_it_cannot_afford(project: Path) -> None:
    args = ["--cases", "pickle-tiny", "--prompt", "fix/security@v1", "--budget", "0.000001"]
    with FakeLLM() as llm:
        llm.script(Reply(GOOD))
        done = harden_eval(project, *model_args(llm.url, project, *args))
    assert "estimate: 1 call(s)" in done.stderr  # shown before any call
    assert llm.requests == []  # the budget refused the call before it was sent
    assert done.returncode == 2 and "budget" in done.stderr and "Traceback" not in done.stderr
