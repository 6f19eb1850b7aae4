"""Bytes from an http(s) URL: a live ``/debug/pprof/goroutine?debug=2`` or ``/debug/pprof/trace``
endpoint, or a file server.

Written for servers that misbehave, on purpose or not:

* One total deadline, from connecting to the last byte (``GOTRACE_FETCH_TIMEOUT``,
  plus the ``?seconds=`` the URL asks the server to record for). A per-read
  timeout alone let a server sending a byte every 2 s hold the client for
  minutes; here a timer shuts the connection's socket down when the deadline
  passes, which wakes whatever read is waiting: headers, body, or a
  redirect's, over http or https.
* Redirects are followed only to http(s) (urllib's default also follows
  ``ftp://``), at most :data:`MAX_REDIRECTS`, and a loop is caught the first
  time an address comes round again; each is one line, not urllib's three.
* The body is a stream counted against the input cap as it arrives, so the
  caller can stop after the first kilobytes; ``Content-Encoding: gzip`` is
  inflated here under the same cap.
* Every failure is an :class:`InputError` naming the URL; a body that ends
  before its ``Content-Length`` keeps what arrived, with a notice.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import string
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Generator, Iterator
from functools import partial
from typing import Any
from urllib.parse import parse_qs, quote, urljoin, urlsplit

from ..errors import InputError
from .gunzip import inflate
from .limits import FETCH_TIMEOUT_ENV, fetch_timeout_s, human_size, too_big

SCHEMES = ("http", "https")
MAX_REDIRECTS = 10
_READ = 1 << 16


def url_chunks(url: str, cap: int, notices: list[str],
               timeout_s: float | None = None) -> Generator[bytes, None, None]:
    """The body of ``GET url`` (decoded when the server gzipped it), in chunks, within one
    total deadline: ``timeout_s`` (default ``GOTRACE_FETCH_TIMEOUT``) plus the URL's
    ``?seconds=``. InputError on any failure; a body cut short appends a notice."""
    if urlsplit(url).scheme.lower() not in SCHEMES:
        raise InputError(f"{url}: only http:// and https:// URLs can be fetched")
    seconds = (fetch_timeout_s() if timeout_s is None else timeout_s) + _asked_seconds(url)
    deadline = _Deadline(seconds)
    received = 0
    try:
        opener = _opener(url, deadline)
        request = urllib.request.Request(url, headers={"User-Agent": "gotrace", "Accept-Encoding": "gzip"})
        with opener.open(request, timeout=seconds) as resp:
            length = resp.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > cap:
                raise too_big(url, cap, f"the response is {human_size(int(length))},")
            encoding = resp.headers.get("Content-Encoding", "").strip().lower()
            if encoding not in ("", "identity", "gzip", "x-gzip"):
                raise InputError(f"{url}: the server sent Content-Encoding {encoding!r}, which gotrace "
                                 "cannot decode")
            body = _body(url, resp, deadline, cap, notices)
            if encoding in ("gzip", "x-gzip"):
                body = inflate(url, body, cap, notices)
            for chunk in body:
                received += len(chunk)
                yield chunk
    except InputError:
        raise
    except urllib.error.HTTPError as e:
        raise InputError(f"{url}: HTTP {e.code} {e.reason}") from None
    except (OSError, ValueError, http.client.HTTPException) as e:
        raise _failure(url, e, deadline, received) from None
    finally:
        deadline.cancel()


def _body(url: str, resp: http.client.HTTPResponse, deadline: _Deadline, cap: int,
          notices: list[str]) -> Iterator[bytes]:
    """The raw body as it arrives (each read returns what one ``recv`` got), counted against
    ``cap``. A body that stops early (shorter than its ``Content-Length``, a chunked body
    cut off, a reset connection) ends with a notice, keeping what arrived."""
    size = 0
    cut = ""
    while not cut:
        try:
            chunk = resp.read1(_READ)
        except http.client.IncompleteRead as e:
            chunk, cut = e.partial, "the connection closed"
        except (OSError, http.client.HTTPException) as e:
            if deadline.expired or not size:
                raise
            chunk, cut = b"", f"the connection failed ({getattr(e, 'strerror', None) or e})"
        if deadline.expired:
            raise _timed_out(url, deadline, size)
        if not chunk:
            if resp.length and not cut:
                cut = "the connection closed"
            break
        size += len(chunk)
        if size > cap:
            raise too_big(url, cap, "the response is")
        yield chunk
    if cut:
        notices.append(f"{url}: {cut} after {size:,} bytes, before the end of the response; "
                       "read what arrived")


def _asked_seconds(url: str) -> float:
    """``?seconds=N`` (Go's /debug/pprof/trace and profile): the server answers only after N s."""
    for value in parse_qs(urlsplit(url).query).get("seconds", []):
        try:
            seconds = float(value)
        except ValueError:
            continue
        if 0 < seconds < 1e7:
            return seconds
    return 0.0


def _timed_out(url: str, deadline: _Deadline, received: int) -> InputError:
    got = f" with {received:,} bytes received" if received else ""
    return InputError(f"{url}: gave up after {deadline.seconds:g}s{got} (the download's deadline; "
                      f"set {FETCH_TIMEOUT_ENV} to wait longer)")


def _failure(url: str, e: Exception, deadline: _Deadline, received: int) -> InputError:
    """The one line for a failed download: a timeout, a refused or broken connection, a bad URL."""
    reason: object = e.reason if isinstance(e, urllib.error.URLError) else e
    if deadline.expired or isinstance(reason, TimeoutError):
        return _timed_out(url, deadline, received)
    if isinstance(reason, ssl.SSLError):
        return InputError(f"{url}: TLS failed: {reason.reason or reason}")
    if isinstance(reason, (ValueError, http.client.InvalidURL)):
        return InputError(f"{url}: not a URL gotrace can fetch ({reason})")
    if isinstance(reason, http.client.HTTPException):
        return InputError(f"{url}: broken HTTP response ({type(reason).__name__}: {reason})")
    if isinstance(reason, OSError):
        text = reason.strerror or str(reason)
        return InputError(f"{url}: cannot connect: {text}" if not received else f"{url}: {text}")
    return InputError(f"{url}: {reason}")


class _Deadline:
    """One time limit over every socket of a download. When it passes, the sockets are
    shut down: a read blocked in any of them returns at once, and the reader sees
    :attr:`expired`."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shutdown(sock)

    def cancel(self) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed, or never connected
        sock.shutdown(socket.SHUT_RDWR)


def _watch_sockets(conn: http.client.HTTPConnection, deadline: _Deadline) -> None:
    """Make every socket ``conn`` opens known to ``deadline`` the moment it exists."""
    connect: Callable[..., socket.socket] = conn._create_connection  # type: ignore[attr-defined]

    def create_connection(*args: Any, **kwargs: Any) -> socket.socket:
        sock = connect(*args, **kwargs)
        deadline.watch(sock)
        return sock

    conn._create_connection = create_connection  # type: ignore[attr-defined]


class _HTTPConnection(http.client.HTTPConnection):
    """A connection whose socket the deadline can shut down, from its first byte on."""

    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _watch_sockets(self, deadline)


class _HTTPSConnection(http.client.HTTPSConnection):
    """As :class:`_HTTPConnection`; the TLS socket that replaces the plain one is watched too.
    (The handshake needs no watching: CPython bounds it as a whole by the socket timeout.)"""

    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _watch_sockets(self, deadline)
        self._deadline = deadline

    def connect(self) -> None:
        super().connect()
        self._deadline.watch(self.sock)


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(_HTTPConnection, deadline=self._deadline), req)  # type: ignore[arg-type]


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(_HTTPSConnection, deadline=self._deadline), req)  # type: ignore[arg-type]


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow 301/302/303/307/308 to http(s) only, at most :data:`MAX_REDIRECTS` times,
    never back to an address already visited; the redirect's own body is not read."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.visited = {origin}

    def http_error_302(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                       headers: Any) -> Any:
        location = headers.get("location") or headers.get("uri")
        if not location:
            return None  # HTTPDefaultErrorHandler reports the status
        newurl = urljoin(req.full_url, quote(location, encoding="iso-8859-1", safe=string.punctuation))
        scheme = urlsplit(newurl).scheme.lower()
        if scheme not in SCHEMES:
            raise InputError(f"{self.origin}: redirected to {newurl}; gotrace follows redirects only to "
                             "http:// and https://")
        if newurl in self.visited:
            raise InputError(f"{self.origin}: redirect loop: {req.full_url} sends back to {newurl}")
        if len(self.visited) > MAX_REDIRECTS:
            raise InputError(f"{self.origin}: more than {MAX_REDIRECTS} redirects (the last to {newurl})")
        self.visited.add(newurl)
        new = self.redirect_request(req, fp, code, msg, headers, newurl)
        if new is None:
            return None
        fp.close()
        return self.parent.open(new, timeout=req.timeout)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _opener(url: str, deadline: _Deadline) -> urllib.request.OpenerDirector:
    """urllib's opener with only the http(s) handlers: proxies from the environment still
    work; ftp, file and data URLs have no handler at all."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.UnknownHandler(),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor(),
                    _Redirects(url), _HTTPHandler(deadline), _HTTPSHandler(deadline)):
        opener.add_handler(handler)
    return opener
