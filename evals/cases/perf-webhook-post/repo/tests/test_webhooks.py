import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from app.webhooks import Subscriber, deliver


class _Sink(BaseHTTPRequestHandler):
    received: list[Any] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.received.append((self.headers["X-Webhook-Secret"], json.loads(self.rfile.read(length))))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_each_event_is_delivered() -> None:
    httpd = HTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        sub = Subscriber(f"http://127.0.0.1:{httpd.server_port}/hook", "s3")
        assert deliver(sub, [{"n": 1}, {"n": 2}]) == [202, 202]
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert _Sink.received == [("s3", {"n": 1}), ("s3", {"n": 2})]
