"""Issue 15 §3: characterization tests, written by a model, pin a function before it is fixed.

Through the real ``harden`` CLI (``--characterize``), the real openai SDK and the fake
server (tests/fakellm.py), on an app with no tests: the model's characterization file is
kept when it passes 3 runs on the base; a patch that changes the function's ordinary
behaviour is rejected at the characterization stage with the failing case named, and the
retry (the one-retry path, with that rejection as feedback) lands with runtime evidence
``characterization``; the case the model marked as pinning the vulnerable behaviour flips
with the fix and is dropped from the file offered on the branch. A failing, flaky or
hostile file is not kept, the run goes on (evidence falls back to smoke) and the checkout
is untouched.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fakellm import FakeLLM, Reply
from tests.secret_corpus import ABSTAIN, planted_secrets
from tests.trust_harness import git, init_repo, run_harden
from tests.userstate import user_state

APP = '''"""Sessions."""

import base64
import pickle


def read_session(cookie):
    """The session a cookie holds; no cookie is an anonymous session."""
    if not cookie:
        return {"user": None, "cart": []}
    data = pickle.loads(base64.b64decode(cookie))
    data.setdefault("cart", [])
    return data
'''
LOADS = "    data = pickle.loads(base64.b64decode(cookie))\n"
JSON_IMPORT = {"path": "app.py", "search": "import pickle\n", "replace": "import json\n"}
HONEST = [
    JSON_IMPORT,
    {"path": "app.py", "search": LOADS, "replace": LOADS.replace("pickle", "json")},
]
BREAKS_ANONYMOUS = [
    *HONEST,
    {
        "path": "app.py",
        "search": '        return {"user": None, "cart": []}\n',
        "replace": "        return None\n",
    },
]
TEST_PATH = "tests/test_app_read_session_characterization.py"
GOOD = """import base64
import pickle

from app import read_session


def test_no_cookie_is_anonymous():
    assert read_session(None) == {"user": None, "cart": []}


def test_empty_cookie_is_anonymous():
    assert read_session("") == {"user": None, "cart": []}


def test_anonymous_sessions_are_fresh():
    read_session("")["cart"].append("book")
    assert read_session("")["cart"] == []


def test_pickled_cookie_is_loaded():
    cookie = base64.b64encode(pickle.dumps({"user": "ann"})).decode()
    assert read_session(cookie) == {"user": "ann", "cart": []}
"""
MARKED = ["test_pickled_cookie_is_loaded"]


def _characterization(content: str, path: str = TEST_PATH, marked: Any = None) -> dict[str, Any]:
    return {
        "decision": "write",
        "rationale": "Pins anonymous sessions and cookie loading.",
        "path": path,
        "content": content,
        "vulnerable_cases": MARKED if marked is None else marked,
    }


def _fix(edits: list[dict[str, str]]) -> dict[str, Any]:
    return {
        **ABSTAIN,
        "decision": "fix",
        "title": "Read sessions as JSON",
        "rationale": "pickle runs code.",
        "edits": edits,
    }


Replies = Callable[[FakeLLM], list[dict[str, Any]]]


def _run(
    tmp: Path, *replies: dict[str, Any], made: Replies | None = None
) -> tuple[Path, dict[str, Any], FakeLLM]:
    """A run with ``replies`` scripted (or those ``made`` for the server, which they may name)."""
    repo = init_repo(tmp / "repo", {"app.py": APP})
    before = user_state(repo)
    with FakeLLM() as llm:
        scripted = made(llm) if made else list(replies)
        llm.script(*(Reply(r) for r in scripted), *[Reply(ABSTAIN)] * 3)
        done = run_harden(repo, llm, tmp, characterize=None)  # on by default with a model
    assert done.returncode == 0, done.stderr
    assert done.report is not None
    assert user_state(repo) == before  # the checkout, index and branch as they were
    assert git(repo, "show", "main:app.py") == APP
    return repo, done.report, llm


def _prompts(tmp: Path, run_id: str) -> list[str]:
    with sqlite3.connect(tmp / "data" / "ledger.sqlite") as db:
        rows = db.execute("SELECT prompt FROM calls WHERE run_id = ? ORDER BY rowid", (run_id,))
        return [str(r[0]) for r in rows]


def test_a_kept_characterization_rejects_a_behaviour_change_and_the_fix_lands(
    tmp_path: Path,
) -> None:
    repo, report, llm = _run(
        tmp_path, _characterization(GOOD), _fix(BREAKS_ANONYMOUS), _fix(HONEST)
    )
    (pinned,) = report["characterization"]
    assert pinned["fate"] == "kept" and pinned["test_path"] == TEST_PATH
    assert pinned["vulnerable_cases"] == MARKED
    first, second = report["verdicts"]
    failed = first["stages"][-1]
    assert failed["stage"] == "characterization" and failed["status"] == "failed"
    broken = "test_anonymous_sessions_are_fresh, test_empty_cookie_is_anonymous, "
    assert f"these case(s) fail: {broken}test_no_cookie_is_anonymous\n" in failed["detail"]
    # the retry was told why (the existing one-retry path)
    assert "rejected at the characterization stage" in json.dumps(llm.requests[2].json)
    assert second["evidence"] == "characterization"
    stage = next(s for s in second["stages"] if s["stage"] == "characterization")
    assert stage["status"] == "passed"
    assert "marked case(s) changed with the fix: test_pickled_cookie_is_loaded" in stage["detail"]
    # offered on the run's branch: its own commit after the fix, the flipped case dropped
    branch = report["branch"]
    assert len(report["commits"]) == 1 and pinned["commit"]
    assert pinned["dropped_cases"] == MARKED
    offered = git(repo, "show", f"{branch}:{TEST_PATH}")
    assert "def test_empty_cookie_is_anonymous" in offered
    assert "def test_pickled_cookie_is_loaded" not in offered
    log = git(repo, "log", "--format=%s", f"main..{branch}").splitlines()
    assert log == ["Characterization tests for app.py::read_session", "Read sessions as JSON"]
    md = (repo / ".harden" / "runs" / report["run_id"] / "report.md").read_text()
    assert "Runtime evidence: characterization" in md
    assert "## Characterization tests" in md and "characterization: 1" in md
    prompts = _prompts(tmp_path, report["run_id"])
    assert prompts[0] == "characterize/function@v1" and len(prompts) == 3


def _failing_or_flaky() -> dict[str, str]:
    wrong = GOOD.replace(
        'read_session("") == {"user": None, "cart": []}', 'read_session("") is None'
    )
    once = (
        "import pathlib\n\nfrom app import read_session\n\n\ndef test_once():\n"
        '    marker = pathlib.Path("seen.txt")\n    first = not marker.exists()\n'
        '    marker.write_text("x")\n    assert first and read_session(None)\n'
    )
    return {"failed": wrong, "flaky": once}


@pytest.mark.parametrize("fate", ["failed", "flaky"])
def test_a_failing_or_flaky_characterization_is_not_kept(fate: str, tmp_path: Path) -> None:
    content = _failing_or_flaky()[fate]
    _, report, _ = _run(tmp_path, _characterization(content, marked=[]), _fix(HONEST))
    (pinned,) = report["characterization"]
    assert pinned["fate"] == fate and pinned["commit"] is None
    (verdict,) = report["verdicts"]
    assert verdict["evidence"] == "smoke"
    stage = next(s for s in verdict["stages"] if s["stage"] == "characterization")
    assert stage["status"] == "skipped"


def _hostile(repo: Path, llm_url: str) -> dict[str, dict[str, Any]]:
    head = "import app\nfrom app import read_session\n\n\n"
    checkout = repo / "app.py"
    return {
        "writes the checkout": _characterization(
            head + "def test_x():\n"
            f"    open({str(checkout)!r}, 'w').write('pwned')\n"
            "    assert read_session(None)\n"
        ),
        "touches the network": _characterization(
            "import urllib.request\n\n" + head + "def test_x():\n"
            f"    urllib.request.urlopen({llm_url!r} + '/models', timeout=2)\n"
            "    assert read_session(None)\n"
        ),
        "edits app.py while running": _characterization(
            head + "def test_x():\n"
            "    open('app.py', 'a').write('\\nX = 1\\n')\n"
            "    assert read_session(None)\n"
        ),
        "names an existing file": _characterization(head + "def test_x():\n    pass\n", "app.py"),
        "replaces the function": _characterization(
            head + "def test_x(monkeypatch):\n"
            "    monkeypatch.setattr(app, 'read_session', lambda c: 1)\n"
            "    assert app.read_session('anything') == 1\n"
        ),
        "imports the outcome plugin": _characterization(
            "import harden_outcomes\n\n" + head + "def test_x():\n    assert read_session(None)\n"
        ),
    }


# the fate of each, and what its detail must say (any one of the texts)
HOSTILE: dict[str, tuple[str, tuple[str, ...]]] = {
    "writes the checkout": ("failed", ("FileNotFoundError", "PermissionError", "OSError")),
    "touches the network": ("failed", ("URLError", "ConnectionRefusedError", "OSError")),
    "edits app.py while running": ("refused", ("its run changed files of the worktree: app.py",)),
    "names an existing file": ("refused", ("app.py exists",)),
    "replaces the function": ("refused", ("it replaces app.read_session",)),
    "imports the outcome plugin": ("refused", ("it imports harden_outcomes",)),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_characterization_is_refused_and_the_checkout_untouched(
    kind: str, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"

    def made(llm: FakeLLM) -> list[dict[str, Any]]:
        return [_hostile(repo, llm.url)[kind], _fix(HONEST)]

    _, report, llm = _run(tmp_path, made=made)
    (pinned,) = report["characterization"]
    fate, texts = HOSTILE[kind]
    assert pinned["fate"] == fate, pinned
    assert any(text in pinned["detail"] for text in texts), pinned["detail"]
    assert len(llm.requests) == 2  # the characterization and the fix: nothing else reached it
    (verdict,) = report["verdicts"]
    assert verdict["evidence"] == "smoke" and report["commits"]
    assert (repo / "app.py").read_text(encoding="utf-8") == APP
    assert git(repo, "show", f"{report['branch']}:app.py").count("X = 1") == 0


def test_the_characterization_call_is_redacted_and_in_the_ledger(tmp_path: Path) -> None:
    token = planted_secrets()["github"]
    app = APP.replace(
        "    if not cookie:\n", f'    signer = "{token}"  # noqa: S105\n    if not cookie:\n'
    )
    repo = init_repo(tmp_path / "repo", {"app.py": app})
    with FakeLLM() as llm:
        llm.script(Reply(_characterization(GOOD)), *[Reply(ABSTAIN)] * 4)
        done = run_harden(repo, llm, tmp_path, "--characterize")
    assert done.returncode == 0, done.stderr
    assert done.report is not None
    first = json.dumps(llm.requests[0].json)  # the characterization call, before any fix
    assert "You are a senior Python engineer who writes characterization tests" in first
    assert token not in first and "HARDEN_REDACTED" in first
    assert token not in json.dumps([r.json for r in llm.requests])
    assert _prompts(tmp_path, done.run_id)[0] == "characterize/function@v1"


def test_the_characterization_call_is_held_to_the_budget(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo", {"app.py": APP})
    with FakeLLM() as llm:
        llm.script(Reply(_characterization(GOOD)), Reply(_fix(HONEST)))
        done = run_harden(repo, llm, tmp_path, "--characterize", "--budget", "0.000001")
    assert done.returncode == 0, done.stderr
    assert done.report is not None
    assert llm.requests == []  # refused before sending, the characterization call too
    (pinned,) = done.report["characterization"]
    assert pinned["fate"] == "no reply" and "budget" in pinned["detail"]
