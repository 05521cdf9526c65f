"""Issue 16's first "Done when", through the real CLI: a small Flask app whose routes call
``OpenAI().chat.completions.create(...)`` (eval on the reply, a shell with the reply, no
timeout, no max_tokens, usage unread, an inline unversioned prompt, the same constant
prompt per request). ``harden plan --priority ai`` lists each LLM finding once, the
output-to-sink ones first; ``harden --priority ai`` offline commits the mechanical fixes
with the app's tests passing, and leaves the rest to a model, saying why."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GitRepo, git

APP = '''\
import subprocess

from flask import Flask, jsonify, request
from openai import OpenAI

app = Flask(__name__)
SYSTEM = "You are the terse assistant of a small online shop."


def question(text):
    return f"A customer asks: {text.strip()}"


@app.route("/health")
def health():
    return jsonify(ok=True)


@app.route("/calc")
def calc():
    reply = OpenAI().chat.completions.create(
        model="gpt-4.1-mini",
        messages=[{"role": "user", "content": question(request.args["q"])}],
    )
    return str(eval(reply.choices[0].message.content))


@app.route("/run")
def run():
    reply = OpenAI().chat.completions.create(
        model="gpt-4.1-mini",
        messages=[{"role": "user", "content": request.args["task"]}],
    )
    command = reply.choices[0].message.content
    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout


@app.route("/describe")
def describe():
    prompt = f"""You write product descriptions for a small online shop.
Use two sentences. Mention the price. Never invent features.
Product: {request.args["name"]}"""
    reply = OpenAI().chat.completions.create(
        model="gpt-4.1-mini",
        messages=[{"role": "user", "content": prompt}],
    )
    return jsonify(text=reply.choices[0].message.content)


@app.route("/tip")
def tip():
    reply = OpenAI().chat.completions.create(
        model="gpt-4.1-mini",
        messages=[
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": "Give the tip of the day."},
        ],
    )
    return jsonify(tip=reply.choices[0].message.content)
'''
TESTS = """\
from app import app, question


def test_health():
    assert app.test_client().get("/health").get_json() == {"ok": True}


def test_question():
    assert question("  price? ") == "A customer asks: price?"
"""
ROUTES = ("calc", "run", "describe", "tip")
MECHANICAL = ("HA102", "HA103", "HA104", "HA105")


def _line(needle: str, after: str = "") -> int:
    lines = APP.splitlines()
    start = next(i for i, t in enumerate(lines) if after in t) if after else 0
    return next(i for i, t in enumerate(lines, 1) if i > start and needle in t)


def _expected() -> set[tuple[str, int]]:
    """Per route: the request's timeout, cap, client retries and usage; then its own."""
    found = {(r, _line(".create(", f"def {route}(")) for route in ROUTES for r in MECHANICAL}
    return found | {
        ("HA101", _line("eval(")),
        ("HA101", _line("subprocess.run(")),
        ("HA107", _line('prompt = f"""')),
        ("HA106", _line(".create(", "def tip(")),
    }


def _harden(repo: Path, *args: str) -> dict[str, Any]:
    argv = [sys.executable, "-m", "agent", *args, "--json", "--python", sys.executable]
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    done = subprocess.run(
        [*argv, str(repo)], capture_output=True, text=True, env=env, timeout=900, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture
def shop(make_repo: GitRepo) -> Path:
    return make_repo({"app.py": APP, "tests/test_app.py": TESTS})


def test_plan_lists_each_llm_finding_once_sinks_first(shop: Path) -> None:
    plan = _harden(shop, "plan", "--priority", "ai")
    rows = plan["rows"]
    found = [(r["finding"]["rule"], r["finding"]["line"]) for r in rows]
    assert Counter(found).most_common(1)[0][1] == 1  # once each
    assert set(found) == _expected()
    # one group per route as the run works on them: the two with a sink first, each led
    # by its output-to-sink finding
    symbols = [r["finding"]["symbol"] for r in rows]
    leads = [i for i, s in enumerate(symbols) if i == 0 or s != symbols[i - 1]]
    assert [(symbols[i], found[i][0]) for i in leads[:2]] == [("calc", "HA101"), ("run", "HA101")]
    assert sorted(symbols[i] for i in leads[2:]) == ["describe", "tip"]
    actions = {(r["finding"]["rule"], r["action"]) for r in rows}
    assert {a for rule, a in actions if rule in MECHANICAL} == {"codemod patch ready"}
    assert {a for rule, a in actions if rule not in MECHANICAL} == {"needs a model"}
    why = {r["finding"]["rule"]: r["reason"] for r in rows if r["action"] == "needs a model"}
    assert "what to cache" in why["HA106"] and "how its versions are named" in why["HA107"]
    assert "the code's own rule" in why["HA101"]


def test_run_commits_the_mechanical_fixes_with_the_tests_passing(shop: Path) -> None:
    report = _harden(shop, "--priority", "ai")
    rules = {f["id"]: f["rule"] for f in report["findings"]}
    fixed = Counter(rules[i] for i in report["fixed_ids"])
    assert fixed == dict.fromkeys(MECHANICAL, len(ROUTES))
    assert report["baseline_failures"] == []
    left = {rules[u["finding_id"]]: u["reason"] for u in report["unfixed"]}
    assert set(left) == {"HA101", "HA106", "HA107"}
    assert all("needs a model (none configured)" in reason for reason in left.values())
    assert left["HA106"].startswith("no codemod handles HA106 (what to cache")
    patched = git(shop, "show", f"{report['branch']}:app.py")
    assert patched.count("OpenAI(max_retries=2)") == len(ROUTES)
    assert patched.count("timeout=60") == len(ROUTES)
    assert patched.count("reply.usage") == len(ROUTES)
    branch = shop.parent / "branch"
    git(shop, "worktree", "add", str(branch), report["branch"])
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=branch,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout
