import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from notes_app import db, digest


class MailService(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        MailService.received.append(json.loads(self.rfile.read(length)))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def mail_url(monkeypatch):
    MailService.received = []
    server = HTTPServer(("127.0.0.1", 0), MailService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(digest, "MAIL_URL", f"http://127.0.0.1:{server.server_port}/send")
    yield
    server.shutdown()
    server.server_close()


def test_digest_lists_each_users_titles_in_order():
    db.create_user("ann", "x")
    db.create_user("bob", "x")
    conn = db.get_conn()
    for owner, title in [("ann", "first"), ("bob", "other"), ("ann", "second")]:
        conn.execute("INSERT INTO notes (owner, title) VALUES (?, ?)", (owner, title))
    conn.commit()
    conn.close()
    assert digest.digest_for_all() == {"ann": ["first", "second"], "bob": ["other"]}


def test_send_digests_posts_one_rendered_digest_per_user(mail_url):
    sent = digest.send_digests({"ann": ["first", "second"], "bob": []})
    assert sent == 2
    assert MailService.received[0] == {"to": "ann", "body": "Notes of ann:\nfirst\nsecond"}
    assert [m["to"] for m in MailService.received] == ["ann", "bob"]
