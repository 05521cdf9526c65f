"""The PRODUCTION.md draft: the real CLI on real git repos, and a real run's report folder.

``harden checklist --production-md PATH`` writes it from the checklist's facts; a run
writes it beside report.md. It lists each environment variable and HTTP/LLM call at its
line, says *not found in the code* for what the code does not give, never shows a number
the code does not hold, never shows a secret, and never replaces a file without --force.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import git
from tests.test_checklist import LIBRARY, harden, make_repo, one_line_error

SECRET = "sk_live_51HxQm2eZvKYlo2CxRpW8aTbN"
APP = f"""\
import os

import requests
from flask import Flask, jsonify
from openai import OpenAI

app = Flask(__name__)
client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])
STRIPE_KEY = os.getenv("STRIPE_KEY", "{SECRET}")


@app.get("/weather")
def weather():
    try:
        reply = requests.get("https://api.weather.example/v1/now", timeout=7)
    except requests.RequestException:
        return jsonify(error="weather unavailable"), 503
    return reply.json()


@app.get("/rates")
def rates():
    return requests.post(os.environ["RATES_URL"], json={{"base": "EUR"}}).json()


@app.post("/ask")
def ask():
    reply = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{{"role": "user", "content": "Say hi"}}],
        max_tokens=256,
    )
    return jsonify(answer=reply.choices[0].message.content)
"""


def line_of(snippet: str) -> int:
    """The line of APP that holds ``snippet`` (so no test hard-codes a line number)."""
    (line,) = [n for n, text in enumerate(APP.splitlines(), 1) if snippet in text]
    return line


def draft_of(repo: Path, target: Path) -> str:
    done = harden("checklist", str(repo), "--production-md", str(target))
    assert done.returncode == 0, done.stderr
    return target.read_text(encoding="utf-8")


def row(text: str, *cells: str) -> str:
    """The table row of ``text`` that starts with ``cells``."""
    start = "| " + " | ".join(cells) + " |"
    (found,) = [line for line in text.splitlines() if line.startswith(start)]
    return found


def test_the_draft_lists_each_variable_call_and_model_with_its_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"app.py": APP})
    draft = draft_of(repo, tmp_path / "PRODUCTION.md")
    for name in ("OPENAI_API_KEY", "STRIPE_KEY", "RATES_URL"):
        assert row(draft, f"`{name}`", f"`app.py:{line_of(name)}`")
    get = row(draft, "`requests.get`", f"`app.py:{line_of('requests.get(')}`")
    assert "| `api.weather.example` | `timeout=7` | yes (inside a try) |" in get
    post = row(draft, "`requests.post`", f"`app.py:{line_of('requests.post(')}`")
    host = "not found in the code (URL: `os.environ['RATES_URL']`)"
    assert f"| {host} | **none** (not found in the code) | **none** |" in post
    llm = row(draft, "openai", f"`app.py:{line_of('completions.create(')}`")
    assert "| `gpt-4o-mini` | `max_tokens=256` | **none** (not found in the code) |" in llm
    assert "`usage` (token counts) is never read" in draft
    assert f"`app.py:{line_of('requests.post(')}` HE101:" in draft  # an edge case unhandled


def test_the_draft_holds_no_number_the_code_does_not(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"app.py": APP})
    draft = draft_of(repo, tmp_path / "PRODUCTION.md")
    head = git(repo, "rev-parse", "HEAD").strip()
    text = draft.replace(head[:12], "")
    text = re.sub(r"\b[\w./-]+\.py:\d+", "", text)  # the locations: evidence, not values
    text = re.sub(r"\b[A-Z]+\d+\b", "", text)  # rule ids (HE101)
    numbers = set(re.findall(r"\d+", text))
    assert numbers  # the caps and timeouts are there
    assert numbers <= set(re.findall(r"\d+", APP))


def test_a_secret_in_the_code_never_appears(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"app.py": APP})
    draft = draft_of(repo, tmp_path / "PRODUCTION.md")
    stripe = row(draft, "`STRIPE_KEY`", f"`app.py:{line_of('STRIPE_KEY')}`")
    assert "<redacted>" in stripe
    assert SECRET not in draft


def test_an_app_with_none_of_this_gets_a_short_honest_draft(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"stats.py": LIBRARY})
    draft = draft_of(repo, tmp_path / "PRODUCTION.md")
    assert "No environment variable read by a literal name was found in the code." in draft
    assert "No HTTP call and no network, database or process client found." in draft
    assert "No openai or anthropic SDK in use." in draft
    assert "harden found no unhandled external-call error" in draft
    assert "| --- |" not in draft
    assert len(draft.splitlines()) < 20


def test_an_existing_file_is_replaced_only_with_force(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"app.py": APP})
    target = repo / "PRODUCTION.md"
    target.write_text("kept by the reviewer\n", encoding="utf-8")
    refused = harden("checklist", str(repo), "--production-md", str(target))
    assert refused.returncode == 2
    assert "already exists; pass --force" in one_line_error(refused)
    assert target.read_text(encoding="utf-8") == "kept by the reviewer\n"
    folder = harden("checklist", str(repo), "--production-md", str(tmp_path))
    assert folder.returncode == 2
    assert "is a directory" in one_line_error(folder)
    forced = harden("checklist", str(repo), "--production-md", str(target), "--force")
    assert forced.returncode == 0, forced.stderr
    assert target.read_text(encoding="utf-8").startswith("# PRODUCTION.md (draft)")


def test_the_checklist_writes_no_draft_unless_asked(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"app.py": APP})
    done = harden("checklist", str(repo))
    assert done.returncode == 0, done.stderr
    assert git(repo, "status", "--porcelain", "--ignored") == ""


def test_a_run_writes_the_draft_beside_report_md(tmp_path: Path) -> None:
    files = {"app.py": APP, "tests/test_app.py": "def test_ok():\n    assert True\n"}
    repo = make_repo(tmp_path / "repo", files)
    done = harden("--priority", "errors", str(repo))
    assert done.returncode == 0, done.stderr
    (report_md,) = (repo / ".harden" / "runs").glob("*/report.md")
    draft = (report_md.parent / "PRODUCTION.md").read_text(encoding="utf-8")
    assert row(draft, "`RATES_URL`", f"`app.py:{line_of('RATES_URL')}`")
    assert "| `gpt-4o-mini` | `max_tokens=256` |" in draft
    assert SECRET not in draft
    assert not (repo / "PRODUCTION.md").exists()  # the user's tree is left alone
    assert "production_md" not in (report_md.parent / "report.json").read_text(encoding="utf-8")
    assert "A draft PRODUCTION.md of the same facts" in report_md.read_text(encoding="utf-8")


CONSTANTS_APP = """\
import os

import anthropic
import httpx

MODEL = "claude-sonnet-4-5"
FORECAST_URL = "https://forecast.example/api"
client = anthropic.Anthropic(timeout=30.0)


def forecast(url=FORECAST_URL):
    return httpx.get(FORECAST_URL, timeout=(3, 10)).json(), httpx.get(url).json()


def summarise(text, limit):
    return client.messages.create(model=MODEL, max_tokens=limit, messages=[text])


def other(text):
    return client.messages.create(model=os.environ["LLM_MODEL"], messages=[text])
"""


def test_names_bound_once_to_a_literal_are_read_and_the_rest_shown_as_written(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo", {"svc.py": CONSTANTS_APP})
    draft = draft_of(repo, tmp_path / "PRODUCTION.md")
    first, second = (n for n, t in enumerate(CONSTANTS_APP.splitlines(), 1) if "create(" in t)
    summarise = row(draft, "anthropic", f"`svc.py:{first}`")
    assert "| `claude-sonnet-4-5` | `max_tokens=limit` | `timeout=30.0` |" in summarise
    other = row(draft, "anthropic", f"`svc.py:{second}`")
    assert "| `os.environ['LLM_MODEL']` | **none** (not found in the code) |" in other
    calls = [line for line in draft.splitlines() if line.startswith("| `httpx.get` |")]
    assert [c.split(" | ")[2:4] for c in calls] == [
        ["`forecast.example`", "`timeout=(3, 10)`"],
        ["not found in the code (URL: `url`)", "**none** (not found in the code)"],  # a parameter
    ]
