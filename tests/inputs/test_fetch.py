"""URL inputs against a real, misbehaving HTTP server on 127.0.0.1 (in-process).

tests/inputs/test_hostile_cli.py runs the same server through the ``gotrace``
command, as a user meets it.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_server import DRIP_EVERY_S, DUMP, serve

from gotrace.errors import InputError, UnknownInputError
from gotrace.inputs import open_input
from gotrace.inputs.fetch import url_chunks


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve() as url:
        yield url


def fetch(url: str, timeout_s: float = 5.0) -> tuple[bytes, list[str]]:
    notices: list[str] = []
    return b"".join(url_chunks(url, 1 << 30, notices, timeout_s)), notices


def test_fetch_ok(server: str) -> None:
    raw = open_input(f"{server}/debug/pprof/goroutine?debug=2")
    assert (raw.kind, raw.data, raw.notices) == ("dump", DUMP, [])


def test_gzip_file_and_gzip_encoding_are_both_inflated(server: str) -> None:
    assert open_input(f"{server}/dump.gz").data == DUMP
    assert fetch(f"{server}/encoded") == (DUMP, [])


def test_unknown_content_encoding_is_one_line(server: str) -> None:
    with pytest.raises(InputError, match="Content-Encoding 'br', which gotrace cannot decode"):
        fetch(f"{server}/brotli")


def test_redirect_to_http_is_followed(server: str) -> None:
    assert fetch(f"{server}/moved")[0] == DUMP


@pytest.mark.parametrize("path", ["/ftp", "/file"])
def test_redirect_to_another_scheme_is_refused(server: str, path: str) -> None:
    with pytest.raises(InputError, match="follows redirects only to http:// and https://") as err:
        fetch(f"{server}{path}")
    assert str(err.value).startswith(f"{server}{path}: redirected to ")


def test_redirect_loop_is_one_line(server: str) -> None:
    with pytest.raises(InputError) as err:
        fetch(f"{server}/loop")
    assert str(err.value) == f"{server}/loop: redirect loop: {server}/loop2 sends back to {server}/loop"


def test_endless_redirects_stop(server: str) -> None:
    with pytest.raises(InputError, match="more than 10 redirects"):
        fetch(f"{server}/chain/0")


def test_http_error_status(server: str) -> None:
    with pytest.raises(InputError, match="HTTP 404 Not Found"):
        fetch(f"{server}/nope")


def test_oversize_body_by_its_length(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOTRACE_MAX_INPUT", "1M")
    with pytest.raises(InputError, match=r"/big: the response is 2\.\d+ MiB, more than the 1 MiB gotrace"):
        open_input(f"{server}/big")


def test_oversize_body_without_a_length(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOTRACE_MAX_INPUT", "1M")
    with pytest.raises(InputError, match="/endless: the response is more than the 1 MiB gotrace reads"):
        open_input(f"{server}/endless")


def test_gzip_bomb_over_http_is_refused_early(server: str) -> None:
    t = time.monotonic()
    with pytest.raises(UnknownInputError, match="binary data starting 00"):
        open_input(f"{server}/bomb-encoded")
    with pytest.raises(UnknownInputError, match="binary data starting 00"):
        open_input(f"{server}/bomb.gz")
    assert time.monotonic() - t < 5


def test_dump_bomb_over_http_stops_at_the_cap(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOTRACE_MAX_INPUT", "16M")
    with pytest.raises(InputError, match=r"dumpbomb\.gz: inflates to more than the 16 MiB gotrace reads"):
        open_input(f"{server}/dumpbomb.gz")


@pytest.mark.parametrize("path", ["/slow", "/slow-headers"])
def test_slow_drip_hits_the_total_deadline(server: str, path: str) -> None:
    t = time.monotonic()
    with pytest.raises(InputError, match=r"gave up after 1\.5s") as err:
        fetch(f"{server}{path}", timeout_s=1.5)
    took = time.monotonic() - t
    assert 1.5 <= took < 1.5 + 2 * DRIP_EVERY_S + 1, took
    assert "GOTRACE_FETCH_TIMEOUT" in str(err.value)


def test_seconds_in_the_url_extend_the_deadline(server: str) -> None:
    """/debug/pprof/trace?seconds=N answers after N seconds: that is not slowness."""
    assert fetch(f"{server}/debug/pprof/trace?seconds=2", timeout_s=0.5)[0] == DUMP
    with pytest.raises(InputError, match=r"gave up after 0\.5s"):
        fetch(f"{server}/debug/pprof/trace", timeout_s=0.5)


def test_body_cut_short_keeps_what_arrived(server: str) -> None:
    data, notices = fetch(f"{server}/cut")
    assert data == DUMP
    assert notices == [f"{server}/cut: the connection closed after {len(DUMP)} bytes, before the end of "
                       "the response; read what arrived"]


def test_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(InputError, match="cannot connect") as err:
        fetch(f"http://127.0.0.1:{port}/", 2)
    assert "\n" not in str(err.value)


def test_bad_url_is_one_line() -> None:
    with pytest.raises(InputError, match="not a URL gotrace can fetch"):
        fetch("http://127.0.0.1:notaport/", 2)


def test_only_http_schemes() -> None:
    with pytest.raises(InputError, match="only http"):
        fetch("file:///etc/passwd", 2)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl to make a certificate")
    d = tmp_path_factory.mktemp("tls")
    key, cert = d / "key.pem", d / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    return key, cert


@pytest.fixture(scope="module")
def tls_server(certificate: tuple[Path, Path]) -> Iterator[str]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate[1], certificate[0])
    with serve(context) as url:
        yield url


@pytest.fixture
def trusted(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust the test certificate, as the system store would a real one."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[1]))


def test_https(tls_server: str, trusted: None) -> None:
    assert fetch(f"{tls_server}/debug/pprof/goroutine?debug=2") == (DUMP, [])


@pytest.mark.parametrize("path", ["/slow", "/slow-headers"])
def test_https_slow_drip_hits_the_total_deadline(tls_server: str, trusted: None, path: str) -> None:
    t = time.monotonic()
    with pytest.raises(InputError, match=r"gave up after 1\.5s"):
        fetch(f"{tls_server}{path}", timeout_s=1.5)
    assert time.monotonic() - t < 1.5 + 2 * DRIP_EVERY_S + 1


def test_an_untrusted_certificate_is_one_line(tls_server: str) -> None:
    with pytest.raises(InputError, match=r"TLS failed: .*CERTIFICATE_VERIFY_FAILED") as err:
        fetch(f"{tls_server}/debug/pprof/goroutine")
    assert "\n" not in str(err.value)
