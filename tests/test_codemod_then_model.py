"""A finding whose codemod patch is rejected goes to the model, with the rejection.

A calculator evaluates what the user types with eval(). The eval codemod's
``ast.literal_eval`` is rightly rejected by the repo's tests (they need arithmetic), and
the scripted model, told why, answers a small arithmetic evaluator over ``ast``. Real git,
the real harden CLI, the real openai SDK over HTTP to tests/fakellm.py, the real funnel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import GitRepo, git
from tests.fakellm import FakeLLM, Reply

APP = '''\
def calculate(expression):
    """The calculator endpoint: evaluate the arithmetic the user typed."""
    return eval(expression)
'''
TEST = """\
from app import calculate


def test_adds():
    assert calculate("1 + 2") == 3


def test_precedence():
    assert calculate("2 * (3 + 4) - 1") == 13
"""
SAFE_EVALUATOR = '''\
import ast
import operator

_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.USub: operator.neg,
}


def _arithmetic(node):
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_arithmetic(node.left), _arithmetic(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_arithmetic(node.operand))
    raise ValueError("not an arithmetic expression")


def calculate(expression):
    """The calculator endpoint: evaluate the arithmetic the user typed."""
    return _arithmetic(ast.parse(expression, mode="eval").body)
'''
MODEL_FIX = {
    "decision": "fix",
    "title": "Evaluate only arithmetic instead of any Python expression",
    "rationale": "eval runs arbitrary code (CWE-95); literal_eval breaks arithmetic.",
    "risk": "low",
    "edits": [{"path": "app.py", "search": APP, "replace": SAFE_EVALUATOR}],
    "new_test_file": None,
}


def run_harden(repo: Path, llm: FakeLLM, data: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "OPENAI_API_KEY": "sk-test-not-a-real-key",
        "HARDEN_DATA_DIR": str(data / "data"),
        "HARDEN_CACHE_DIR": str(data / "cache"),
        "COLUMNS": "200",
    }
    argv = [sys.executable, "-m", "agent", "run", "--python", sys.executable]
    argv += ["--model", "openai/gpt-4.1-mini", "--base-url", llm.url, str(repo)]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    return done


def run_files(repo: Path) -> tuple[dict[str, Any], str]:
    [run_dir] = (repo / ".harden" / "runs").iterdir()
    report = json.loads((run_dir / "report.json").read_text())
    return report, (run_dir / "report.md").read_text()


def test_a_rejected_codemod_patch_goes_to_the_model_with_the_rejection(
    make_repo: GitRepo, tmp_path: Path
) -> None:
    repo = make_repo({"app.py": APP, "tests/test_app.py": TEST})
    with FakeLLM() as llm:
        llm.script(Reply(MODEL_FIX))
        done = run_harden(repo, llm, tmp_path)
    [request] = [r.json for r in llm.requests if r.path.endswith("/chat/completions")]
    prompt = json.dumps(request)
    assert "The codemod's patch (harden:eval-literal) was rejected at the tests stage" in prompt
    assert "ast.literal_eval(expression)" in prompt and "test_precedence" in prompt
    report, markdown = run_files(repo)
    codemod, model = report["verdicts"]
    assert codemod["patch"]["fixer"] == "harden:eval-literal" and not codemod["patch"]["model"]
    assert [s["stage"] for s in codemod["stages"] if s["status"] == "failed"] == ["tests"]
    assert model["patch"]["model"] == "openai/gpt-4.1-mini"
    assert all(s["status"] != "failed" for s in model["stages"])
    assert len(report["commits"]) == 1 and report["unfixed"] == []
    fixed = git(repo, "show", f"{report['branch']}:app.py")
    assert "_arithmetic(ast.parse(expression" in fixed and "eval(expression)" not in fixed
    assert "Earlier attempt: codemod harden:eval-literal rejected at tests" in markdown
    assert "## Rejected" in markdown and "then fixed by" in markdown
    assert "codemod harden:eval-literal rejected at tests, then fixed by the model" in done.stdout
