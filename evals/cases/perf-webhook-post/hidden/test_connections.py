import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app.webhooks import Subscriber, deliver


class _Counting(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections = 0

    def setup(self) -> None:
        super().setup()
        type(self).connections += 1

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_events_share_one_connection() -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        sub = Subscriber(f"http://127.0.0.1:{httpd.server_port}/hook", "s3")
        assert deliver(sub, [{"n": i} for i in range(15)]) == [202] * 15
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert _Counting.connections == 1
