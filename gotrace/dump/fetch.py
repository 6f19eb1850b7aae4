"""Reading a dump straight from a live ``/debug/pprof/goroutine?debug=2`` URL."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from gotrace.errors import InputError

_READ = 1 << 16


def fetch_url(url: str, timeout: float, max_bytes: int) -> bytes:
    """GET ``url`` (http/https only) and return the body.

    Fails with a one-line InputError on a bad scheme, HTTP error status,
    connection failure, timeout, or a body larger than ``max_bytes`` (a
    runaway endpoint must not fill memory).
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise InputError(f"{url}: only http:// and https:// URLs can be fetched")
    request = urllib.request.Request(url, headers={"User-Agent": "gotrace"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            chunks: list[bytes] = []
            size = 0
            while True:
                chunk = resp.read(_READ)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise InputError(f"{url}: response is larger than the {max_bytes}-byte limit")
                chunks.append(chunk)
    except urllib.error.HTTPError as err:
        raise InputError(f"{url}: HTTP {err.code} {err.reason}") from None
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, TimeoutError):
            raise InputError(f"{url}: timed out after {timeout:g}s") from None
        text = getattr(reason, "strerror", None) or str(reason)
        raise InputError(f"{url}: cannot connect: {text}") from None
    except TimeoutError:
        raise InputError(f"{url}: timed out after {timeout:g}s") from None
    except (OSError, ValueError, http.client.HTTPException) as err:
        raise InputError(f"{url}: {err}") from None
    return b"".join(chunks)
