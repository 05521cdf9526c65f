"""``harden checklist``: the real CLI on real git repos, scored from the real scan.

A small Flask app that calls an LLM fails every item; the same app fixed passes every one
(so each item is shown to fail and to pass); a plain library makes the web and LLM items
not applicable; the bundled example is scored with its expected result. The checklist
reads HEAD only and changes nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from agent.checklist import ItemId
from agent.resources import bundled_dir
from tests.conftest import commit_all, git
from tests.test_cli_errors import one_line_error

BROKEN_APP = """\
import os
import subprocess

import requests
from flask import Flask, jsonify, request
from openai import OpenAI

app = Flask(__name__)
client = OpenAI()
API_TOKEN = "f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4"


@app.route("/run")
def run():
    out = subprocess.run(request.args.get("cmd"), shell=True, capture_output=True)
    print(out.returncode)
    return out.stdout


@app.post("/ask")
def ask():
    data = request.get_json()
    messages = [{"role": "user", "content": data["q"]}]
    reply = client.chat.completions.create(model="gpt-4.1-mini", messages=messages)
    return jsonify(answer=reply.choices[0].message.content)


@app.get("/weather")
def weather():
    return requests.get(os.environ["WEATHER_URL"]).json()


def forecast(token):  # sending credentials upstream is not authenticating requests
    url = "https://forecast.example/api"
    return requests.get(url, headers={"Authorization": token}, timeout=5).json()
"""

FIXED_APP = """\
import os
import uuid

import requests
import structlog
from flask import Flask, g, jsonify, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import login_required
from openai import OpenAI
from pydantic import BaseModel

app = Flask(__name__)
limiter = Limiter(get_remote_address, app=app)
client = OpenAI(timeout=20.0, max_retries=2)
log = structlog.get_logger()
API_TOKEN = os.environ["API_TOKEN"]


class Question(BaseModel):
    q: str


@app.before_request
def request_id():
    g.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex


@app.post("/ask")
@login_required
@limiter.limit("10/minute")
def ask():
    question = Question.model_validate(request.get_json())
    messages = [{"role": "user", "content": question.q}]
    reply = client.chat.completions.create(
        model="gpt-4.1-mini", messages=messages, max_tokens=300
    )
    log.info("llm call", request_id=g.request_id, tokens=reply.usage.total_tokens)
    return jsonify(answer=reply.choices[0].message.content)


@app.get("/weather")
@login_required
def weather():
    try:
        resp = requests.get(os.environ["WEATHER_URL"], timeout=5)
        resp.raise_for_status()
    except requests.RequestException as exc:
        log.warning("weather failed", request_id=g.request_id, error=str(exc))
        return jsonify(error="upstream"), 502
    return resp.json()
"""

UNIT_TEST = "from app import app\n\n\ndef test_name():\n    assert app.name == 'app'\n"
CLIENT_TEST = """\
from app import app


def test_weather_needs_login():
    client = app.test_client()
    assert client.get("/weather").status_code == 401
"""
README = "# Weather and questions\n\nRun with `flask run`.\n"
ROLLBACK = "\n## Rollback\n\nRedeploy the previous tag: `git checkout v1.2 && make deploy`.\n"
ENV_EXAMPLE = "# bearer token of the API\nAPI_TOKEN=\n# the forecast's URL\nWEATHER_URL=\n"

LIBRARY = """\
def mean(values):
    return sum(values) / len(values)
"""


def harden(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "agent", *args]
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd, timeout=300, check=False)


def make_repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    commit_all(root, "initial")
    return root


def checklist(repo: Path) -> dict[str, Any]:
    done = harden("checklist", "--json", str(repo))
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    statuses = [item["status"] for item in data["items"]]
    assert data["counts"] == {s: statuses.count(s) for s in ("pass", "fail", "n/a")}
    return {item["id"]: item for item in data["items"]}


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {"app.py": BROKEN_APP, "tests/test_app.py": UNIT_TEST, "README.md": README}
    return make_repo(tmp_path_factory.mktemp("broken") / "repo", files)


@pytest.fixture(scope="module")
def broken_items(broken: Path) -> dict[str, Any]:
    return checklist(broken)


@pytest.fixture(scope="module")
def fixed_items(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    files = {
        "app.py": FIXED_APP,
        "tests/test_app.py": CLIENT_TEST,
        "README.md": README + ROLLBACK,
        ".env.example": ENV_EXAMPLE,
    }
    return checklist(make_repo(tmp_path_factory.mktemp("fixed") / "repo", files))


@pytest.mark.parametrize("item", list(ItemId))
def test_each_item_fails_on_the_broken_app_and_passes_once_fixed(
    item: ItemId, broken_items: dict[str, Any], fixed_items: dict[str, Any]
) -> None:
    before, after = broken_items[item.value], fixed_items[item.value]
    assert before["status"] == "fail", before
    assert before["remedy"], "a failing item names the priority or manual step"
    assert after["status"] == "pass", after
    assert after["remedy"] == ""


def _locations(item: dict[str, Any]) -> set[str]:
    return {f"{e['path']}:{e['line']}" if e["line"] else e["path"] for e in item["evidence"]}


def _rules(item: dict[str, Any]) -> set[str]:
    return {e["text"].split(":")[0] for e in item["evidence"] if e["finding_id"]}


def test_a_failing_item_shows_its_evidence_and_what_addresses_it(
    broken_items: dict[str, Any],
) -> None:
    items = broken_items
    assert "S602" in _rules(items["input-validation"])  # shell=True with request input
    assert "app.py:22" in _locations(items["input-validation"])  # request.get_json(), raw
    assert "harden --priority security" in items["input-validation"]["remedy"]
    assert "pydantic" in items["input-validation"]["remedy"]
    assert items["auth"]["summary"] == "3 route(s), no authentication"
    assert {"HE101", "S113"} <= _rules(items["external-call-errors"])
    assert "harden --priority errors" in items["external-call-errors"]["remedy"]
    assert "T201" in _rules(items["structured-logging"])
    assert "harden --priority observability" in items["structured-logging"]["remedy"]
    assert [e["text"].split(":")[0] for e in items["env-documented"]["evidence"]] == ["WEATHER_URL"]
    assert "1 of 1 LLM call(s) with no timeout" in items["llm-cost-controls"]["summary"]
    assert "no max_tokens cap" in items["llm-cost-controls"]["summary"]
    assert "usage is never read" in items["llm-cost-controls"]["summary"]
    assert items["llm-cost-controls"]["remedy"].startswith("harden --priority ai")
    assert _locations(items["rollback-plan"]) == {"README.md"}  # what was read
    assert _locations(items["integration-test"]) == {"tests/test_app.py"}
    assert "app.py:10" in _locations(items["secrets-out-of-code"])


def test_web_and_llm_items_do_not_apply_to_a_plain_library(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "lib", {"stats.py": LIBRARY, "tests/test_stats.py": UNIT_TEST})
    items = checklist(repo)
    assert items["rate-limiting"] == items["rate-limiting"] | {"status": "n/a"}
    assert items["rate-limiting"]["summary"] == "no web framework"
    assert items["auth"]["status"] == "n/a"
    assert items["llm-cost-controls"]["status"] == "n/a"
    assert items["llm-cost-controls"]["summary"] == "no LLM SDK is used"
    assert items["env-documented"]["status"] == "n/a"
    assert items["external-call-errors"]["status"] == "n/a"
    assert items["secrets-out-of-code"]["status"] == "pass"


LLM_TOOL = """\
import anthropic

client = anthropic.Anthropic(timeout=30.0)


def summarise(text):
    reply = client.messages.create(
        model="claude-haiku-4-5", max_tokens=200, messages=[{"role": "user", "content": text}]
    )
    return reply.content[0].text, reply.usage.output_tokens
"""


def test_llm_cost_controls_apply_to_a_command_line_tool_and_rate_limits_do_not(
    tmp_path: Path,
) -> None:
    items = checklist(make_repo(tmp_path / "tool", {"tool.py": LLM_TOOL}))
    assert items["llm-cost-controls"]["status"] == "pass"
    assert "tool.py:7" in _locations(items["llm-cost-controls"])
    assert items["rate-limiting"]["status"] == "n/a"


EXAMPLE_EXPECTED = {
    "input-validation": "fail",
    "auth": "fail",
    "external-call-errors": "fail",
    "structured-logging": "fail",
    "integration-test": "pass",
    "env-documented": "fail",
    "rate-limiting": "fail",
    "llm-cost-controls": "n/a",
    "rollback-plan": "fail",
    "secrets-out-of-code": "fail",
}


def test_the_bundled_example_is_scored_item_by_item_with_evidence(tmp_path: Path) -> None:
    repo = tmp_path / "example"
    shutil.copytree(bundled_dir("examples"), repo, ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "the example")
    items = checklist(repo)
    assert {k: v["status"] for k, v in items.items()} == EXAMPLE_EXPECTED
    assert all(item["evidence"] for item in items.values() if item["status"] != "n/a")
    env = {e["text"].split(":")[0] for e in items["env-documented"]["evidence"]}
    assert env == {"MAIL_URL", "NOTES_WEBHOOKS"}  # DATABASE_PATH, NOTES_CONFIG are in .env.example
    assert "HS501" in _rules(items["auth"])  # jwt.decode without verifying the signature
    assert "tests/conftest.py:48" in _locations(items["integration-test"])  # test_client()
    assert {"notes_app/auth.py:12", "notes_app/app.py:10"} <= _locations(
        items["secrets-out-of-code"]
    )
    table = harden("checklist", str(repo))
    assert table.returncode == 0
    assert "Production checklist" in table.stdout
    assert "1 pass, 8 fail, 1 not applicable (of 10 items)" in table.stdout


def test_the_checklist_reads_head_and_changes_nothing(tmp_path: Path) -> None:
    files = {"app.py": BROKEN_APP, "README.md": README}
    repo = make_repo(tmp_path / "repo", files)
    (repo / "README.md").write_text(README + ROLLBACK, encoding="utf-8")  # not committed
    (repo / ".env.example").write_text(ENV_EXAMPLE, encoding="utf-8")  # not tracked
    before = git(repo, "status", "--porcelain", "--ignored")
    items = checklist(repo)
    assert items["rollback-plan"]["status"] == "fail"
    assert items["env-documented"]["status"] == "fail"
    assert git(repo, "status", "--porcelain", "--ignored") == before
    assert not (repo / ".harden").exists()
    assert (repo / "README.md").read_text(encoding="utf-8") == README + ROLLBACK


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = harden("checklist", str(tmp_path / "nope"))
    assert missing.returncode == 2
    assert "path does not exist" in one_line_error(missing)
    (tmp_path / "plain").mkdir()
    not_a_repo = harden("checklist", str(tmp_path / "plain"))
    assert not_a_repo.returncode == 2
    assert "not a git repository" in one_line_error(not_a_repo)
    docs_only = make_repo(tmp_path / "docs", {"README.md": README})
    no_python = harden("checklist", str(docs_only))
    assert no_python.returncode == 2
    assert "no Python files" in one_line_error(no_python)


def test_a_run_puts_the_checklist_of_its_base_commit_in_report_md(tmp_path: Path) -> None:
    files = {
        "app.py": BROKEN_APP,
        "tests/test_app.py": "def test_ok():\n    assert True\n",
        "README.md": README,
    }
    repo = make_repo(tmp_path / "repo", files)
    done = harden("--priority", "errors", str(repo))
    assert done.returncode == 0, done.stderr
    (report_md,) = (repo / ".harden" / "runs").glob("*/report.md")
    text = report_md.read_text(encoding="utf-8")
    section = text[text.index("## Production checklist") :]
    assert "0 pass, 10 fail, 0 not applicable (of 10 items)" in section
    assert "| Cost controls on LLM calls | **fail** |" in section
    assert "harden --priority ai" in section
    assert "`app.py:10` S105" in section  # the evidence of a failing item
    assert "f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4" not in text  # evidence never shows a secret


def test_evidence_never_shows_a_secret_from_a_line_of_code(tmp_path: Path) -> None:
    code = (
        'import os\n\nDB = os.environ.get("DATABASE_URL", "postgres://app:Zq8vLm2pXr7t@db/app")\n'
    )
    items = checklist(make_repo(tmp_path / "repo", {"settings.py": code}))
    (read,) = items["env-documented"]["evidence"]
    assert read["text"].startswith('DATABASE_URL: DB = os.environ.get("DATABASE_URL"')
    assert "Zq8vLm2pXr7t" not in json.dumps(items)
    assert "<redacted>" in read["text"]


def test_a_committed_env_file_or_config_secret_fails_but_a_test_fixture_does_not(
    tmp_path: Path,
) -> None:
    files = {
        "stats.py": LIBRARY,
        "deploy/.env.production": "DATABASE_URL=postgres://app:Zq8vLm2pXr7t@db/app\n",
        "config.yaml": "service:\n  api_key: 'Qm9vZ1lBc2VjcmV0S2V5MTIzNDU2Nzg5'\n",
        "tests/fixtures/.env": "TOKEN=abc\n",
        "tests/fixtures/config.yaml": "api_key: 'Qm9vZ1lBc2VjcmV0S2V5MTIzNDU2Nzg5'\n",
    }
    items = checklist(make_repo(tmp_path / "repo", files))
    secrets = items["secrets-out-of-code"]
    assert secrets["status"] == "fail"
    assert _locations(secrets) == {"deploy/.env.production", "config.yaml:2"}
    assert "Qm9vZ1lBc2VjcmV0S2V5MTIzNDU2Nzg5" not in json.dumps(items)
    assert "rotate the secret" in secrets["remedy"]


def test_a_web_app_without_route_decorators_points_at_its_framework(tmp_path: Path) -> None:
    views = "from django.http import HttpResponse\n\n\ndef index(request):\n    return None\n"
    items = checklist(make_repo(tmp_path / "site", {"site/views.py": views}))
    for item in ("rate-limiting", "auth"):
        assert items[item]["status"] == "fail"
        assert _locations(items[item]) == {"site/views.py:1"}  # Django routes live in urls.py


def test_flask_debug_mode_is_not_counted_as_unvalidated_input(tmp_path: Path) -> None:
    app = "from flask import Flask\n\napp = Flask(__name__)\napp.run(debug=True)\n"
    items = checklist(make_repo(tmp_path / "repo", {"app.py": app}))
    assert items["input-validation"]["status"] == "pass"
