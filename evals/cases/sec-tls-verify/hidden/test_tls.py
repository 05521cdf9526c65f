import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import requests

from app.status import fetch_status

CERT = Path(__file__).with_name("selfsigned.pem")


class _Status(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"state": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _QuietServer(HTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the client refusing our certificate is the expected outcome


@pytest.fixture
def https_server() -> Iterator[str]:
    httpd = _QuietServer(("127.0.0.1", 0), _Status)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERT)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def test_untrusted_certificate_is_refused(
    https_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with pytest.raises(requests.exceptions.SSLError):
        fetch_status(https_server)
