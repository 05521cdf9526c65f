"""A local pricing service on 127.0.0.1 that keeps connections alive and counts them."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class PriceHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: list[int] = []

    def setup(self) -> None:
        super().setup()
        self.connections.append(1)

    def do_GET(self) -> None:
        sku = self.path.rsplit("/", 1)[-1]
        body = json.dumps({"sku": sku, "cents": 100 * len(sku)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def price_server() -> Iterator[tuple[str, list[int]]]:
    PriceHandler.connections = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), PriceHandler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}", PriceHandler.connections
    httpd.shutdown()
    httpd.server_close()
