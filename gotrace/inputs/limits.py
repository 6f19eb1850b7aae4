"""How much gotrace reads, and for how long it waits, before it gives up on an input.

Two settings, both environment variables so that every command, the TUI's
loader and scripts calling :func:`gotrace.inputs.open_input` obey them alike:

``GOTRACE_MAX_INPUT`` (default 4G)
    The most bytes held for one input *after* decompression: a file, stdin, a
    URL's body, or what a ``.gz`` inflates to. A 2 MB gzip bomb inflates to
    gigabytes; without this the cap would only see the 2 MB. Sizes take
    ``K``/``M``/``G``/``T`` (powers of 1024), e.g. ``GOTRACE_MAX_INPUT=16G``.
``GOTRACE_FETCH_TIMEOUT`` (default 60s)
    The total time a URL download may take, from connecting to the last byte,
    in Go's duration syntax (``90s``, ``2m``) or plain seconds. A
    ``?seconds=N`` in the URL (``/debug/pprof/trace?seconds=5``) is added to
    it: the server legitimately takes that long before it answers.
"""

from __future__ import annotations

import os
import re

from ..durations import parse_duration
from ..errors import InputError

MAX_INPUT_ENV = "GOTRACE_MAX_INPUT"
FETCH_TIMEOUT_ENV = "GOTRACE_FETCH_TIMEOUT"
DEFAULT_MAX_INPUT = 4 << 30
DEFAULT_FETCH_TIMEOUT_S = 60.0

_SIZE = re.compile(r"(\d+(?:\.\d*)?)\s*([kmgt]?)(?:i?b)?", re.IGNORECASE)
_SCALE = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(text: str) -> int:
    """Bytes in ``4G``, ``512M``, ``1.5GiB`` or ``1000000``; ValueError otherwise."""
    m = _SIZE.fullmatch(text.strip())
    if m is None:
        raise ValueError(text)
    size = int(float(m.group(1)) * _SCALE[m.group(2).lower()])
    if size <= 0:
        raise ValueError(text)
    return size


def max_input_bytes() -> int:
    """The cap on one input's bytes after decompression (``GOTRACE_MAX_INPUT``)."""
    text = os.environ.get(MAX_INPUT_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_INPUT
    try:
        return parse_size(text)
    except ValueError:
        raise InputError(f"{MAX_INPUT_ENV}={text!r} is not a size (say 4G, 512M, or a number of bytes)") \
            from None


def fetch_timeout_s() -> float:
    """The total deadline of one URL download, before ``?seconds=`` is added (``GOTRACE_FETCH_TIMEOUT``)."""
    text = os.environ.get(FETCH_TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_FETCH_TIMEOUT_S
    try:
        seconds = float(text) if re.fullmatch(r"\d+(?:\.\d*)?", text) else parse_duration(text) / 1e9
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        raise InputError(f"{FETCH_TIMEOUT_ENV}={text!r} is not a positive duration (say 90s or 2m)")
    return seconds


def human_size(n: int) -> str:
    """``4 GiB``, ``512 MiB``, ``1.5 GiB``, ``100,000 bytes``: a cap as a person would set it."""
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:,} bytes"


def too_big(name: str, cap: int, what: str = "") -> InputError:
    """The one line for an input over the cap; ``what`` says which bytes went over it
    (``"inflates to"``, ``"5.2 GiB is"``)."""
    return InputError(f"{name}: {what + ' ' if what else ''}more than the {human_size(cap)} gotrace reads "
                      f"(set {MAX_INPUT_ENV}, e.g. {MAX_INPUT_ENV}=16G, to read more)")
