import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.codemods.helpers import run_fix

RULES = {"HP101"}

LOOP = """\
import requests


def fetch_all(base, count):
    codes = []
    # one call per page
    for page in range(count):
        reply = requests.get(f"{base}/{page}", timeout=5)
        codes.append(reply.status_code)
    return codes
"""


class _CountingHandler(BaseHTTPRequestHandler):
    """Answers every GET with 200 and keeps the connection open (HTTP/1.1)."""

    protocol_version = "HTTP/1.1"
    connections = 0
    lock = threading.Lock()

    def setup(self) -> None:
        super().setup()
        with self.lock:
            type(self).connections += 1

    def do_GET(self) -> None:
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads the counter, not the log."""


@pytest.fixture
def server() -> Iterator[tuple[str, type[_CountingHandler]]]:
    handler = type("Handler", (_CountingHandler,), {"connections": 0})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


def test_loop_is_wrapped_in_one_session(tmp_path: Path) -> None:
    expected = """\
    import requests


    def fetch_all(base, count):
        codes = []
        # one call per page
        with requests.Session() as session:
            for page in range(count):
                reply = session.get(f"{base}/{page}", timeout=5)
                codes.append(reply.status_code)
        return codes
    """
    out = run_fix(tmp_path, LOOP, RULES)
    assert out.after == textwrap.dedent(expected)
    assert "HP101" in {f.rule for f in out.findings_before}
    assert out.rules_after() == {f.rule for f in out.findings_before} - RULES
    assert out.patch is not None and out.patch.fixer == "harden:http-session"


def test_the_shared_session_opens_one_connection(
    tmp_path: Path, server: tuple[str, type[_CountingHandler]]
) -> None:
    url, handler = server
    out = run_fix(tmp_path, LOOP, RULES)
    assert _call(out.before, url, 5) == [200] * 5
    assert handler.connections == 5
    handler.connections = 0
    assert _call(out.after, url, 5) == [200] * 5
    assert handler.connections == 1


def test_comprehension_and_alias_in_a_nested_block(tmp_path: Path) -> None:
    source = """\
    import requests as rq


    def texts(urls, verbose):
        if verbose:
            return [rq.post(u, json={"q": 1}, timeout=3).text for u in urls]  # all
        return []
    """
    expected = """\
    import requests as rq


    def texts(urls, verbose):
        if verbose:
            with rq.Session() as session:
                return [session.post(u, json={"q": 1}, timeout=3).text for u in urls]  # all
        return []
    """
    out = run_fix(tmp_path, source, RULES)
    assert out.after == textwrap.dedent(expected)
    assert "HP101" not in out.rules_after()


@pytest.mark.parametrize(
    "body",
    [
        "def f(urls, session):\n    for u in urls:\n        requests.get(u, timeout=5)\n",
        "def f(urls):\n    for u in urls:\n        requests.get(u, timeout=5, stream=True)\n",
        "def f(urls):\n    for u in urls:\n        requests.get(u, {'a': 1}, timeout=5)\n",
        "def f(urls):\n    for u in urls:\n        yield (requests.get(v, timeout=5) for v in u)\n",
    ],
    ids=["name-taken", "stream", "positional-params", "generator"],
)
def test_unsafe_cases_are_left_alone(tmp_path: Path, body: str) -> None:
    source = f"import requests\n\n\n{body}"
    out = run_fix(tmp_path, source, RULES)
    assert "HP101" in {f.rule for f in out.findings_before}
    assert out.patch is None
    assert out.after == source


def _call(source: str, url: str, count: int) -> object:
    namespace: dict[str, object] = {}
    exec(compile(source, "app.py", "exec"), namespace)  # noqa: S102 - our own test source
    fetch_all = namespace["fetch_all"]
    assert callable(fetch_all)
    return fetch_all(url, count)
