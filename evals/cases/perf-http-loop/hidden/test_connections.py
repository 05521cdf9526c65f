import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app.prices import fetch_prices


class _Counting(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections = 0

    def setup(self) -> None:
        super().setup()
        type(self).connections += 1

    def do_GET(self) -> None:
        body = json.dumps({"cents": 1}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_one_connection_for_many_products() -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        skus = [f"sku{i}" for i in range(20)]
        assert len(fetch_prices(f"http://127.0.0.1:{httpd.server_port}", skus)) == 20
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert _Counting.connections == 1
