"""A local HTTP server on 127.0.0.1 that misbehaves in every way gotrace must survive.

Each path is one kind of trouble (see ``ROUTES``): gzip bombs, a server that
drips a byte at a time, redirects to other schemes and in loops, error
statuses, bodies larger than the cap or shorter than announced. Started in a
thread by :func:`serve`; tests get its base URL.
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DUMP = b"goroutine 1 [running]:\nmain.main()\n\t/src/main.go:3 +0x1d\n"
DRIP_EVERY_S = 0.5


def gzip_of_repeats(block: bytes, total: int) -> bytes:
    """A gzip stream that inflates to ``total`` bytes of ``block`` repeated, built in
    milliseconds: after a full flush deflate starts afresh, so one flushed piece of
    1 MiB stands for every MiB. No trailer: gotrace must stop long before the end."""
    big = block * max(1, (1 << 20) // len(block))
    z = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    piece = z.compress(big) + z.flush(zlib.Z_FULL_FLUSH)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + piece * (total // len(big))


ZERO_BOMB = gzip_of_repeats(b"\0" * 4096, 1 << 30)  # ~1 MB that inflates to 1 GiB of zeros
DUMP_BLOCK = b"goroutine 7 [chan receive, 5 minutes]:\nmain.worker()\n\t/src/main.go:9 +0x1d\n" \
             b"created by main.main in goroutine 1\n\t/src/main.go:20 +0x45\n\n"
DUMP_BOMB = gzip_of_repeats(DUMP_BLOCK, 1 << 30)  # dump text: inflates to 1 GiB


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        route = ROUTES.get(path)
        if route is None and path.startswith("/chain/"):
            n = int(path.rsplit("/", 1)[1])
            self.redirect(f"/chain/{n + 1}")
            return
        if route is None:
            self.send(404, b"not found")
            return
        with contextlib.suppress(OSError):  # the client gave up (a limit, a deadline): what we test
            route(self)

    def send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        for k, v in {"Content-Length": str(len(body)), **(headers or {})}.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str) -> None:
        self.send(302, b"", {"Location": location})

    def drip(self) -> None:
        """Headers at once, then a byte every DRIP_EVERY_S, for as long as the client listens."""
        self.send_response(200)
        self.send_header("Content-Length", str(1 << 20))
        self.end_headers()
        for b in (DUMP * 100_000):
            self.wfile.write(bytes([b]))
            self.wfile.flush()
            time.sleep(DRIP_EVERY_S)

    def drip_headers(self) -> None:
        """The status line, then the headers a byte at a time: a per-read timeout never fires."""
        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for b in b"X-Slow: " + b"y" * 10_000:
            self.wfile.write(bytes([b]))
            self.wfile.flush()
            time.sleep(DRIP_EVERY_S)

    def after(self, seconds: float) -> None:
        time.sleep(seconds)
        self.send(200, DUMP)

    def endless(self) -> None:
        """Chunked text without end: only the cap stops it."""
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = DUMP_BLOCK * 1000
        while True:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))

    def cut(self) -> None:
        """Announces 1 MB, sends one dump, closes."""
        self.send_response(200)
        self.send_header("Content-Length", str(1 << 20))
        self.end_headers()
        self.wfile.write(DUMP)
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def hostile_status(self) -> None:
        self.wfile.write(b"HTTP/1.1 500 \x1b]0;pwned\x07\x1b[2J\r\nContent-Length: 0\r\n\r\n")

    def log_message(self, format: str, *args: object) -> None:
        pass


ROUTES: dict[str, Callable[[Handler], None]] = {
    "/debug/pprof/goroutine": lambda h: h.send(200, DUMP),
    "/dump.gz": lambda h: h.send(200, gzip.compress(DUMP), {"Content-Type": "application/gzip"}),
    "/encoded": lambda h: h.send(200, gzip.compress(DUMP), {"Content-Encoding": "gzip"}),
    "/brotli": lambda h: h.send(200, b"\x0b\x02\x80", {"Content-Encoding": "br"}),
    "/bomb.gz": lambda h: h.send(200, ZERO_BOMB),
    "/bomb-encoded": lambda h: h.send(200, ZERO_BOMB, {"Content-Encoding": "gzip"}),
    "/dumpbomb.gz": lambda h: h.send(200, DUMP_BOMB),
    "/slow": Handler.drip,
    "/slow-headers": Handler.drip_headers,
    "/debug/pprof/trace": lambda h: h.after(1.5),
    "/ftp": lambda h: h.redirect("ftp://127.0.0.1/dump.txt"),
    "/file": lambda h: h.redirect("file:///etc/passwd"),
    "/loop": lambda h: h.redirect("/loop2"),
    "/loop2": lambda h: h.redirect("/loop"),
    "/moved": lambda h: h.redirect("/debug/pprof/goroutine?debug=2"),
    "/big": lambda h: h.send(200, DUMP * 50_000),
    "/endless": Handler.endless,
    "/cut": Handler.cut,
    "/hostile-status": Handler.hostile_status,
}


@contextmanager
def serve(tls: ssl.SSLContext | None = None) -> Iterator[str]:
    """The server's base URL (``http://127.0.0.1:PORT``, or https with ``tls``) while the block runs."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
