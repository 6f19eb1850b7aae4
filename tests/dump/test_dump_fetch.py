"""fetch_url against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gotrace.dump.fetch import fetch_url
from gotrace.errors import InputError

DUMP = b"goroutine 1 [running]:\nmain.main()\n\t/src/main.go:3 +0x1d\n"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/debug/pprof/goroutine"):
            self._send(200, DUMP)
        elif self.path == "/big":
            self._send(200, b"x" * 300_000)
        elif self.path == "/slow":
            time.sleep(2)
            self._send(200, DUMP)
        else:
            self._send(404, b"not found")

    def _send(self, code: int, body: bytes) -> None:
        try:
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (size limit, timeout)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_fetch_ok(server: str) -> None:
    assert fetch_url(f"{server}/debug/pprof/goroutine?debug=2", 5, 1 << 20) == DUMP


def test_http_error_status(server: str) -> None:
    with pytest.raises(InputError, match="HTTP 404"):
        fetch_url(f"{server}/nope", 5, 1 << 20)


def test_size_limit(server: str) -> None:
    with pytest.raises(InputError, match="100000-byte limit"):
        fetch_url(f"{server}/big", 5, 100_000)


def test_timeout(server: str) -> None:
    with pytest.raises(InputError, match="timed out"):
        fetch_url(f"{server}/slow", 0.3, 1 << 20)


def test_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(InputError, match="cannot connect") as err:
        fetch_url(f"http://127.0.0.1:{port}/", 2, 1000)
    assert "\n" not in str(err.value)


def test_only_http_schemes() -> None:
    with pytest.raises(InputError, match="only http"):
        fetch_url("file:///etc/passwd", 2, 1000)
