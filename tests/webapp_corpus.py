"""A small Flask notes app with no tests, and model patches that break it only at run time.

The app keeps its notes in SQLite through ``minidb``, an in-app wrapper that, like
psycopg, takes ``%s`` placeholders and raises on ``?``. Each breakage passes every static
stage (it parses, adds no ruff F error, removes the finding and adds none) and imports
fine; only requesting the app shows it. Used by tests/test_web_smoke_run.py.
"""

from __future__ import annotations

from typing import Any

from tests.secret_corpus import ABSTAIN

__all__ = ["APP", "BREAKAGES", "FILES", "HONEST", "fix"]

MINIDB = '''"""A tiny database wrapper that, like psycopg, takes %s placeholders only."""

import sqlite3


class ProgrammingError(Exception):
    """A query this driver cannot run."""


class Connection:
    def __init__(self, path):
        self._conn = sqlite3.connect(path, check_same_thread=False)

    def execute(self, sql, params=()):
        if "?" in sql:
            raise ProgrammingError("this driver takes %s placeholders, not ?")
        return self._conn.execute(sql.replace("%s", "?"), params)


def connect(path):
    return Connection(path)
'''
APP = '''"""Notes: a small Flask app with no tests."""

import hashlib
import secrets

from flask import Flask, jsonify, request, session

import minidb

app = Flask(__name__)
app.secret_key = secrets.token_hex(16)
FORMATS = ("json", "text")
DB = minidb.connect(":memory:")
DB.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
DB.execute("INSERT INTO notes (body) VALUES ('first note')")


def hash_password(password):
    """A password's digest."""
    return hashlib.md5(password.encode()).hexdigest()


def users():
    return {"alice": hash_password("wonderland")}


@app.post("/login")
def login():
    name = request.form.get("username", "")
    if users().get(name) != hash_password(request.form.get("password", "")):
        return jsonify(ok=False)
    session["user"] = name
    return jsonify(ok=True, user=name)


@app.get("/notes/<int:note_id>")
def note(note_id):
    fmt = request.args.get("format", "json")
    if not fmt in FORMATS:
        return jsonify(error="unknown format"), 400
    row = DB.execute("SELECT id, body FROM notes WHERE id = " + str(note_id)).fetchone()
    if row is None:
        return jsonify(error="no such note"), 404
    return jsonify(id=row[0], body=row[1], format=fmt)
'''
FILES = {"app.py": APP, "minidb.py": MINIDB}
MD5 = "    return hashlib.md5(password.encode()).hexdigest()\n"
SHA = "    return hashlib.sha256(password.encode()).hexdigest()\n"
QUERY = '    row = DB.execute("SELECT id, body FROM notes WHERE id = " + str(note_id)).fetchone()\n'
CHECK = "    if not fmt in FORMATS:\n"
CSRF = '''app.secret_key = secrets.token_hex(16)


@app.before_request
def csrf_protect():
    """Refuse a form post without the session's CSRF token."""
    token = request.form.get("csrf_token")
    if request.method == "POST" and (not token or token != session.get("csrf")):
        return jsonify(error="CSRF token missing or wrong"), 400
    return None
'''


def _edit(search: str, replace: str) -> dict[str, str]:
    return {"path": "app.py", "search": search, "replace": replace}


def _placeholder(mark: str) -> dict[str, str]:
    query = f'    row = DB.execute("SELECT id, body FROM notes WHERE id = {mark}", (note_id,))'
    return _edit(QUERY, query + ".fetchone()\n")


# kind -> (the function whose finding the patch fixes, its edits, what the rejection says)
BREAKAGES: dict[str, tuple[str, list[dict[str, str]], str]] = {
    "csrf breaks the login": (
        "hash_password",
        [_edit(MD5, SHA), _edit("app.secret_key = secrets.token_hex(16)\n", CSRF)],
        "app.login POST ordinary (no input): 200 on the base, 400 with the patch"
        " (an ordinary input)",
    ),
    "? placeholders for a %s driver": (
        "note",
        [_placeholder("?")],
        "app.note GET ordinary (no input): 200 on the base, ProgrammingError with the patch",
    ),
    "infinite recursion at call time": (
        "hash_password",
        [
            _edit(
                MD5,
                "    if isinstance(password, str):\n        return hash_password(password)\n"
                "    return hashlib.sha256(password).hexdigest()\n",
            )
        ],
        "app.login POST ordinary (no input): 200 on the base, RecursionError with the patch",
    ),
    "not x in y mangled": (
        "note",
        [_placeholder("%s"), _edit(CHECK, "    if (not fmt) in FORMATS:\n")],
        "app.note GET ordinary '1': 400 on the base, 200 with the patch (an ordinary input)",
    ),
}
HONEST = ("hash_password", [_edit(MD5, SHA)])


def fix(edits: list[dict[str, str]]) -> dict[str, Any]:
    return {
        **ABSTAIN,
        "decision": "fix",
        "title": "Fix the finding",
        "rationale": "The finding is a weakness.",
        "risk": "low",
        "edits": edits,
        "new_test_file": None,
    }
