"""The ai priority's checks (HA101-HA105, HS201) on real parsed source, and through the
real ``harden plan`` CLI on a small Flask app whose routes call the openai SDK."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from agent.scan.checks import ai
from agent.scan.checks._walk import ModuleWalk
from agent.scan.raw import RawFinding
from tests.conftest import GitRepo, git

ROUTES = """\
import sqlite3
import subprocess

from flask import Flask, render_template_string, request
from openai import OpenAI

app = Flask(__name__)


@app.route("/calc")
def calc():
    reply = OpenAI().chat.completions.create(model="gpt-4.1-mini", messages=[])
    return str(eval(reply.choices[0].message.content))


@app.route("/run")
def run():
    reply = OpenAI().chat.completions.create(model="gpt-4.1-mini", messages=[])
    command = reply.choices[0].message.content
    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout


@app.route("/find")
def find():
    reply = OpenAI().chat.completions.create(model="gpt-4.1-mini", messages=[])
    name = reply.choices[0].message.content.strip()
    cursor = sqlite3.connect("app.db").cursor()
    cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")
    return str(cursor.fetchall())


@app.route("/page")
def page():
    reply = OpenAI().chat.completions.create(model="gpt-4.1-mini", messages=[])
    return render_template_string(reply.choices[0].message.content)
"""

CAREFUL = """\
import logging

from anthropic import Anthropic
from markupsafe import escape
from openai import OpenAI

log = logging.getLogger(__name__)
client = OpenAI(timeout=20, max_retries=3)


def summarize(text):
    reply = client.chat.completions.create(model="m", messages=[], max_tokens=300)
    log.info("tokens: %s", reply.usage.total_tokens)
    answer = reply.choices[0].message.content
    log.info("summary: %s", answer)
    return f"<p>{escape(answer)}</p>"


def count(text):
    claude = Anthropic(timeout=30.0, max_retries=2)
    reply = claude.messages.create(model="m", max_tokens=200, messages=[])
    log.info("usage: %s", reply.usage)
    return int(reply.content[0].text)
"""


def _check(source: str, path: str = "app.py") -> list[RawFinding]:
    return ai.findings(path, ModuleWalk(ast.parse(textwrap.dedent(source))))


def _line(source: str, needle: str, after: int = 0) -> int:
    lines = textwrap.dedent(source).splitlines()
    return next(i for i, text in enumerate(lines, 1) if i > after and needle in text)


def _harden(repo: Path, *args: str) -> dict[str, Any]:
    argv = [sys.executable, "-m", "agent", "plan", "--json", *args, str(repo)]
    env = {**os.environ, "COLUMNS": "300"}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    plan: dict[str, Any] = json.loads(done.stdout)
    return plan


def _expected_routes() -> set[tuple[str, int]]:
    """Per route: its request has no timeout (HA102) and no cap (HA104), its client no
    max_retries (HA103), its reply's usage is never read (HA105), and the reply reaches
    the route's sink (HA101)."""
    sinks = ["eval(", "subprocess.run(", "cursor.execute(", "render_template_string(reply"]
    requests = [i for i, t in enumerate(ROUTES.splitlines(), 1) if ".create(" in t]
    found = {(rule, line) for line in requests for rule in ("HA102", "HA103", "HA104", "HA105")}
    return found | {("HA101", _line(ROUTES, sink, after=12)) for sink in sinks}


def test_each_route_reports_its_llm_findings_once() -> None:
    found = _check(ROUTES)
    ha = [(f.rule, f.line) for f in found if f.rule.startswith("HA")]
    assert sorted(ha) == sorted(_expected_routes())
    sinks = {f.line: f for f in found if f.rule == "HS201"}
    assert {f.cwe for f in sinks.values()} == {94, 78, 89, 79}
    assert all("OWASP LLM05" in f.message for f in sinks.values())


@pytest.fixture
def routes(make_repo: GitRepo) -> Path:
    return make_repo({"app.py": ROUTES, "careful.py": CAREFUL})


def test_plan_ai_lists_each_llm_finding_once_sinks_first(routes: Path) -> None:
    rows = [r["finding"] for r in _harden(routes, "--priority", "ai")["rows"]]
    assert sorted((f["rule"], f["line"]) for f in rows) == sorted(_expected_routes())
    assert {f["path"] for f in rows} == {"app.py"}  # careful.py: nothing
    # one group per route, as the run works on them, each led by its output-to-sink finding
    leads = [f for i, f in enumerate(rows) if i == 0 or f["symbol"] != rows[i - 1]["symbol"]]
    assert [(f["symbol"], f["rule"]) for f in leads] == [
        ("calc", "HA101"),
        ("run", "HA101"),
        ("find", "HA101"),
        ("page", "HA101"),
    ]
    assert {f["priority"] for f in rows} == {"ai"}


def test_plan_security_ranks_the_sink_above_the_generic_finding(routes: Path) -> None:
    rows = _harden(routes, "--priority", "security")["rows"]
    order = [(r["finding"]["line"], r["finding"]["rule"]) for r in rows]
    for generic in ("S307", "S602"):
        line = next(line for line, rule in order if rule == generic)
        assert order.index((line, "HS201")) < order.index((line, generic))
    shell = next(r for r in rows if r["finding"]["rule"] == "S602")
    assert shell["action"] == "codemod refused"
    assert "the command comes from model output" in shell["reason"]


@pytest.mark.parametrize(
    ("body", "cwe"),
    [
        ("exec(reply.output_text)", 94),
        ("os.system('echo ' + reply.output_text)", 78),
        ("subprocess.run(['sh', '-c', reply.output_text])", 78),
        ("open(reply.output_text).read()", 22),
        ("pathlib.Path(reply.output_text).unlink()", 22),
        ("pickle.loads(reply.output_text.encode())", 502),
        ("yaml.load(reply.output_text, Loader=yaml.Loader)", 502),
        ("Markup(reply.output_text)", 79),
        ("return f'<div>{reply.output_text}</div>'", 79),
        ("conn.execute(sqlalchemy.text(reply.output_text))", 89),
    ],
)
def test_model_output_reaching_a_sink(body: str, cwe: int) -> None:
    source = f"""\
import os, pathlib, pickle, subprocess
import sqlalchemy, yaml
from markupsafe import Markup
from openai import OpenAI

client = OpenAI(timeout=10, max_retries=2)


def answer(conn, prompt):
    reply = client.responses.create(model="m", input=prompt, max_output_tokens=99)
    print(reply.usage)
    {body}
"""
    found = [f for f in _check(source) if f.rule == "HS201"]
    assert [(f.line, f.cwe) for f in found] == [(12, cwe)]
    assert [f.rule for f in _check(source)] == ["HA101", "HS201"]


def test_model_output_through_a_helper_and_module_level_calls() -> None:
    source = """\
    import subprocess

    import openai


    def ask(prompt):
        return openai.ChatCompletion.create(model="m", messages=[])["choices"][0]["text"]


    def deploy(prompt):
        subprocess.check_output(f"git checkout {ask(prompt)}", shell=True)
    """
    found = {(f.rule, f.line) for f in _check(source)}
    request = _line(source, "ChatCompletion")
    assert ("HS201", _line(source, "check_output")) in found
    assert {("HA102", request), ("HA104", request)} <= found
    assert ("HA105", request) in found  # ask() returns the text only: usage is lost
    assert "HA103" not in {rule for rule, _ in found}  # no client is made


@pytest.mark.parametrize(
    "source",
    [
        CAREFUL,
        # the same code with no LLM SDK: no LLM finding
        "import subprocess\n\ndef run(q):\n    subprocess.run(q.responses.create(), shell=True)\n",
        # a streamed reply, a safe yaml load, a reply passed on whole, **kwargs
        """\
import yaml
from openai import OpenAI

client = OpenAI(timeout=5, max_retries=1)


def stream(options):
    for chunk in client.chat.completions.create(stream=True, max_tokens=5, messages=[]):
        yield yaml.load(chunk.choices[0].delta.content, Loader=yaml.SafeLoader)


def passed_on(options):
    reply = client.chat.completions.create(**options)
    return reply
""",
    ],
)
def test_careful_code_has_no_finding(source: str) -> None:
    assert _check(source) == []


def test_test_files_are_not_checked() -> None:
    assert _check(ROUTES, path="tests/test_app.py") == []


SUMMARY_APP = """\
from openai import OpenAI


def prompt_for(text):
    return f"Summarize in one line: {text}"


def summarize(text):
    reply = OpenAI().chat.completions.create(
        model="gpt-4.1-mini",
        messages=[{"role": "user", "content": prompt_for(text)}],
    )
    return reply.choices[0].message.content
"""
SUMMARY_TEST = """\
from app import prompt_for


def test_prompt_for():
    assert prompt_for("x").endswith(": x")
"""


def test_run_ai_offline_commits_the_mechanical_fixes(make_repo: GitRepo) -> None:
    repo = make_repo({"app.py": SUMMARY_APP, "tests/test_app.py": SUMMARY_TEST})
    argv = [sys.executable, "-m", "agent", "--priority", "ai", "--json"]
    argv += ["--python", sys.executable, str(repo)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    rules = {f["id"]: f["rule"] for f in report["findings"]}
    assert sorted(rules[i] for i in report["fixed_ids"]) == ["HA102", "HA103", "HA104", "HA105"]
    assert report["needs_model_ids"] == []
    fixed = git(repo, "show", f"{report['branch']}:app.py")
    assert "OpenAI(max_retries=2).chat.completions.create(" in fixed
    assert "        max_completion_tokens=4096,\n        timeout=60,\n    )" in fixed
    assert 'logger.info("summarize: LLM usage %s", reply.usage)' in fixed
    assert report["baseline_failures"] == []


VALIDATED = """\
import re
import subprocess

from openai import OpenAI

BRANCH = re.compile(r"[A-Za-z0-9._/-]+")
client = OpenAI(timeout=10, max_retries=2)


def switch(description):
    reply = client.responses.create(model="m", input=description, max_output_tokens=20)
    print(reply.usage)
    branch = reply.output_text.strip()
    if {guard}:
        raise ValueError("not a branch name")
    subprocess.run(["git", "checkout", branch], check=True)
"""


@pytest.mark.parametrize(
    ("guard", "sinks"),
    [
        ("not BRANCH.fullmatch(branch) or branch.startswith('-')", 0),
        ("branch not in ('main', 'dev')", 0),
        ("not branch", 1),  # a truth test validates nothing
        ("len(branch) > 50", 1),
        ("not branch.strip()", 1),
    ],
)
def test_output_validated_before_the_sink_is_no_finding(guard: str, sinks: int) -> None:
    found = _check(VALIDATED.format(guard=guard))
    assert [f.rule for f in found] == ["HA101", "HS201"] * sinks
