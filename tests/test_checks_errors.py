"""HE101: calls that leave the process with no error handling, on real parsed source."""

from __future__ import annotations

import ast
import textwrap

import pytest

from agent.scan.checks import errors
from agent.scan.checks._walk import ModuleWalk
from agent.scan.raw import RawFinding


def _check(source: str, path: str = "pkg/service.py") -> list[RawFinding]:
    return errors.findings(path, ModuleWalk(ast.parse(textwrap.dedent(source))))


def _line_of(source: str, needle: str) -> int:
    lines = textwrap.dedent(source).splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


UNHANDLED = {
    "requests function": (
        """
        import requests

        def fetch(url):
            return requests.get(url, timeout=5)
        """,
        "requests.get",
    ),
    "aliased httpx import": (
        """
        import httpx as hx

        def send(url, body):
            return hx.post(url, json=body)
        """,
        "hx.post",
    ),
    "session bound by assignment": (
        """
        import requests

        def fetch(url):
            session = requests.Session()
            return session.get(url)
        """,
        "session.get",
    ),
    "async client bound by with": (
        """
        from httpx import AsyncClient

        async def fetch(url):
            async with AsyncClient() as client:
                return await client.get(url)
        """,
        "client.get",
    ),
    "module-level session": (
        """
        import requests

        SESSION = requests.Session()

        def fetch(url):
            return SESSION.get(url)
        """,
        "SESSION.get",
    ),
    "subprocess": (
        """
        from subprocess import check_output

        def version(tool):
            return check_output([tool, "--version"])
        """,
        "check_output([",
    ),
    "socket on self": (
        """
        import socket

        class Client:
            def __init__(self, sock):
                self.sock = socket.socket()

            def ping(self):
                self.sock.sendall(b"ping")
        """,
        "self.sock.sendall",
    ),
    "database cursor": (
        """
        import sqlite3

        def count(db_path):
            conn = sqlite3.connect(db_path)
            cur = conn.cursor()
            cur.execute("SELECT count(*) FROM t")
            return cur.fetchone()
        """,
        "cur.execute",
    ),
    "chained connection": (
        """
        import psycopg2

        def touch(dsn):
            psycopg2.connect(dsn).commit()
        """,
        ".commit",
    ),
    "connection from a local factory": (
        """
        import sqlite3

        def get_conn():
            conn = sqlite3.connect("app.db")
            return conn

        def rename(old, new):
            conn = get_conn()
            conn.execute("UPDATE t SET name = ? WHERE name = ?", (new, old))
        """,
        "conn.execute",
    ),
    "urlopen": (
        """
        import urllib.request

        def download(url):
            return urllib.request.urlopen(url).read()
        """,
        "urllib.request.urlopen",
    ),
    "open on a parameter": (
        """
        def load(path):
            with open(path) as fh:
                return fh.read()
        """,
        "open",
    ),
    "handler catching only unrelated types": (
        """
        import json
        import requests

        def fetch(url):
            try:
                return requests.get(url, timeout=5).json()
            except (ValueError, KeyError):
                return None
        """,
        "requests.get",
    ),
    "call in the except block, not the try": (
        """
        import requests

        def fetch(url, backup):
            try:
                return requests.get(url, timeout=5)
            except requests.RequestException:
                return requests.get(backup, timeout=5)
        """,
        "requests.get(backup",
    ),
}


@pytest.mark.parametrize("source, call", UNHANDLED.values(), ids=UNHANDLED.keys())
def test_unhandled_external_call_is_reported(source: str, call: str) -> None:
    [finding] = _check(source)
    assert finding.rule == "HE101"
    assert finding.tool == "harden"
    assert finding.line == _line_of(source, call)
    assert "has no error handling" in finding.message
    assert call.partition("(")[0].lstrip(".") in finding.message


HANDLED = {
    "caught library error": """
        import requests

        def fetch(url):
            try:
                return requests.get(url, timeout=5)
            except requests.RequestException as exc:
                raise LookupError(url) from exc
        """,
    "bare except re-raising": """
        import subprocess

        def run(cmd):
            try:
                return subprocess.run(cmd, check=True)
            except:
                raise
        """,
    "tuple with an io error": """
        def load(path):
            try:
                with open(path) as fh:
                    return fh.read()
            except (ValueError, OSError):
                return ""
        """,
    "open on a constant path": """
        def load():
            with open("settings.ini") as fh:
                return fh.read()
        """,
    "get on an unknown object": """
        def lookup(cache, key):
            return cache.get(key)
        """,
    "name not imported from requests": """
        def fetch(requests, url):
            return requests.get(url)
        """,
    "module level call": """
        import requests

        CONFIG = requests.get("http://config.invalid", timeout=5).json()
        """,
    "private helper whose callers handle it": """
        import subprocess

        def _git(args):
            return subprocess.run(["git", *args], check=True)

        def head():
            try:
                return _git(["rev-parse", "HEAD"])
            except subprocess.CalledProcessError:
                return None
        """,
}


@pytest.mark.parametrize("source", HANDLED.values(), ids=HANDLED.keys())
def test_handled_or_internal_call_is_not_reported(source: str) -> None:
    assert _check(source) == []


def test_private_helper_with_one_unwrapped_caller_is_reported() -> None:
    source = """
        import subprocess

        def _git(args):
            return subprocess.run(["git", *args], check=True)

        def head():
            try:
                return _git(["rev-parse", "HEAD"])
            except subprocess.CalledProcessError:
                return None

        def branch():
            return _git(["branch", "--show-current"])
        """
    found = _check(source)
    assert [(f.rule, f.line) for f in found] == [("HE101", _line_of(source, "subprocess.run"))]


def test_one_finding_per_function_at_its_first_call() -> None:
    source = """
        import requests

        def sync(url, path):
            data = requests.get(url, timeout=5).content
            with open(path, "wb") as fh:
                fh.write(data)
            requests.post(url, timeout=5)

        def other(url):
            return requests.delete(url, timeout=5)
        """
    found = _check(source)
    assert [f.line for f in found] == [
        _line_of(source, "requests.get"),
        _line_of(source, "requests.delete"),
    ]


def test_nested_function_is_judged_on_its_own() -> None:
    source = """
        import requests

        def make(url):
            def fetch():
                return requests.get(url, timeout=5)
            try:
                return fetch
            except Exception:
                raise
        """
    [finding] = _check(source)
    assert "fetch()" in finding.message
    assert finding.line == _line_of(source, "requests.get")


def test_test_files_are_not_checked() -> None:
    source = "import requests\n\ndef test_live():\n    requests.get('http://x.invalid')\n"
    assert _check(source, "tests/test_live.py") == []
    assert len(_check(source, "pkg/live.py")) == 1
