"""The app smoke on three small corpus-like apps with no tests (issue 15 §2 measurement).

    python bench/app_smoke.py [--work DIR]

Each app (a Flask notes app, a FastAPI todo API, a Flask + sqlite3 login app) is made as a
git repo under ``--work``, then hardened twice with ``harden --priority security``: offline
(the built-in codemods only) and with a model served by the fake server of the test suite
(tests/fakellm.py), whose replies are scripted per function: the kinds of patch the issue
names (CSRF on a login, ``?`` for a ``%s`` driver, call-time recursion, a mangled
``not x in y``) and honest ones. Prints, per app and mode: patches, accepted, rejected by
stage, each app-smoke rejection's reason, and the app-smoke stage's time per patch.
It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakellm import Computed, FakeLLM, Reply
from tests.secret_corpus import ABSTAIN
from tests.trust_harness import harden_command
from tests.webapp_corpus import BREAKAGES, FILES, fix

NOTES = {
    **FILES,
    "app.py": FILES["app.py"]
    + """

@app.get("/export")
def export():
    import yaml

    return jsonify(yaml.load(request.args.get("doc", "a: 1"), Loader=yaml.Loader))


if __name__ == "__main__":
    app.run(debug=True)
""",
}
TODO = {
    "main.py": '''"""Todos: a small FastAPI app with no tests."""

import base64
import pickle
import random
import string
import subprocess

from fastapi import FastAPI, Header, HTTPException

app = FastAPI()
TODOS = {1: {"id": 1, "title": "first", "done": False}}


@app.get("/todos/{todo_id}")
def get_todo(todo_id: int):
    if not todo_id in TODOS:
        raise HTTPException(status_code=404, detail="no such todo")
    return TODOS[todo_id]


@app.get("/prefs")
def prefs(x_prefs: str = Header(default="")):
    return pickle.loads(base64.b64decode(x_prefs)) if x_prefs else {}


@app.post("/share/{todo_id}")
def share(todo_id: int):
    token = "".join(random.choice(string.ascii_letters) for _ in range(16))
    return {"id": todo_id, "token": token}


@app.get("/version")
def version():
    out = subprocess.run("git --version", shell=True, capture_output=True, text=True)
    return {"git": out.stdout.strip()}
''',
}
LOGIN = {
    "app.py": '''"""Login: a small Flask + sqlite3 app with no tests."""

import hashlib
import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)
app.secret_key = "change-me-7d1f2a"
DB = sqlite3.connect(":memory:", check_same_thread=False)
DB.execute("CREATE TABLE users (name TEXT, password TEXT)")


def digest(password):
    return hashlib.md5(password.encode()).hexdigest()


DB.execute("INSERT INTO users VALUES ('alice', ?)", (digest("wonderland"),))


@app.post("/login")
def login():
    name = request.form.get("username", "")
    row = DB.execute(f"SELECT password FROM users WHERE name = '{name}'").fetchone()
    if row is None or row[0] != digest(request.form.get("password", "")):
        return jsonify(ok=False)
    return jsonify(ok=True, user=name)


@app.get("/users/<name>")
def user(name):
    rows = DB.execute("SELECT name FROM users WHERE name = '%s'" % name).fetchall()
    return jsonify(found=[r[0] for r in rows])
''',
}
_GET = "    if not todo_id in TODOS:\n"
_PICKLE = "    return pickle.loads(base64.b64decode(x_prefs)) if x_prefs else {}\n"
_MD5 = "    return hashlib.md5(password.encode()).hexdigest()\n"
# app -> function -> edits the scripted model answers with (its finding's chunk)
SCRIPTS: dict[str, dict[str, list[dict[str, str]]]] = {
    "flask-notes": {
        "hash_password": BREAKAGES["csrf breaks the login"][1],
        "note": BREAKAGES["? placeholders for a %s driver"][1],
    },
    "fastapi-todo": {
        "prefs": [
            {"path": "main.py", "search": "import pickle\n", "replace": "import json\n"},
            {
                "path": "main.py",
                "search": _PICKLE,
                "replace": "    return json.loads(base64.b64decode(x_prefs)) if x_prefs else {}\n",
            },
            {"path": "main.py", "search": _GET, "replace": "    if (not todo_id) in TODOS:\n"},
        ],
    },
    "flask-login": {
        "digest": [
            {
                "path": "app.py",
                "search": _MD5,
                "replace": "    if isinstance(password, str):\n        return digest(password)\n"
                "    return hashlib.sha256(password).hexdigest()\n",
            },
        ],
    },
}
APPS = {"flask-notes": NOTES, "fastapi-todo": TODO, "flask-login": LOGIN}


def _repo(work: Path, name: str, files: dict[str, str]) -> Path:
    repo = work / name
    repo.mkdir(parents=True)
    for path, text in files.items():
        (repo / path).write_text(text, encoding="utf-8")
    for argv in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "app"]):
        subprocess.run(
            ["git", "-c", "user.name=b", "-c", "user.email=b@b", *argv], cwd=repo, check=True
        )
    return repo


def _answer(script: dict[str, list[dict[str, str]]]) -> Computed:
    def make(body: Any) -> Reply:
        text = json.dumps(body)
        for function, edits in script.items():
            if f"def {function}(" in text:
                return Reply(fix(edits))
        return Reply(ABSTAIN)

    return Computed(make)


def _offline(repo: Path, data: Path) -> dict[str, Any]:
    argv = [sys.executable, "-m", "agent", "--priority", "security", "--json"]
    argv += ["--python", sys.executable, str(repo)]
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env |= {"HARDEN_DATA_DIR": str(data / "data"), "HARDEN_CACHE_DIR": str(data / "cache")}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900, check=False)
    return json.loads(done.stdout)


def _model(repo: Path, data: Path, script: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    with FakeLLM() as llm:
        llm.script(*[_answer(script)] * 40)
        argv, env = harden_command(repo, llm, data, "--priority", "security")
        done = subprocess.run(
            argv, capture_output=True, text=True, env=env, timeout=900, check=False
        )
    return json.loads(done.stdout)


def _summary(name: str, mode: str, report: dict[str, Any], took: float) -> None:
    verdicts = [v for v in report["verdicts"] if v["patch"]["edits"]]
    accepted = [v for v in verdicts if all(s["status"] != "failed" for s in v["stages"])]
    failed = [
        next(s for s in v["stages"] if s["status"] == "failed")
        for v in verdicts
        if v not in accepted
    ]
    smoke = [s for v in verdicts for s in v["stages"] if s["stage"] == "app-smoke"]
    times = [float(m.group(1)) for s in smoke if (m := re.search(r"\((\d+\.\d)s\)$", s["detail"]))]
    print(
        f"\n## {name}, {mode}: {len(verdicts)} patch(es), {len(accepted)} accepted, run {took:.0f}s"
    )
    print("rejected by stage:", dict(Counter(s["stage"] for s in failed)))
    print("evidence of accepted:", dict(Counter(v["evidence"] for v in accepted)))
    for s in failed:
        if s["stage"] in ("app-smoke", "smoke"):
            print(f"- {s['stage']}: {s['detail']}")
    if times:
        print(
            f"app-smoke time per patch: mean {sum(times) / len(times):.2f}s, "
            f"max {max(times):.2f}s over {len(times)} patch(es); statuses "
            f"{dict(Counter(s['status'] for s in smoke))}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="harden-appsmoke-"))
    for name, files in APPS.items():
        for mode in ("offline", "model"):
            repo = _repo(work / mode, name, files)
            started = time.monotonic()
            data = work / "data" / mode / name
            report = (
                _offline(repo, data) if mode == "offline" else _model(repo, data, SCRIPTS[name])
            )
            _summary(name, mode, report, time.monotonic() - started)


if __name__ == "__main__":
    main()
