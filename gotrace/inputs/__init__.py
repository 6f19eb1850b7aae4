"""Where input comes from and what it is, decided in one place.

A path, ``-`` for stdin, or an http(s) URL (:mod:`.local`, :mod:`.fetch`); gzip
is undone transparently (:mod:`.gunzip`), from the file's magic bytes, whatever
its name. A trace is recognised by its header, a dump by its text
(:mod:`.sniff`); what is neither is refused with a line saying what was seen.

The bytes arrive as a stream and are judged early: the first 64 KiB (inflated,
for gzip) are sniffed before the rest is read, so a gzip bomb of zeros, a
binary file or ``/dev/zero`` is refused after kilobytes, not gigabytes. What
is read is capped after decompression (:mod:`.limits`, ``GOTRACE_MAX_INPUT``).
Damage that leaves a usable prefix (a truncated ``.gz``, a download cut short)
keeps the prefix and says so in :attr:`RawInput.notices`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from functools import partial
from itertools import chain

from ..dump.pprof import starts_like_profile
from ..errors import UnknownInputError
from .gunzip import MAGIC, inflate
from .limits import max_input_bytes
from .local import file_chunks, is_regular, read_whole, stdin_chunks
from .sniff import describe, sniff

__all__ = ["SNIFF_BYTES", "RawInput", "describe", "open_input", "sniff"]

SNIFF_BYTES = 64 << 10  # what sniff() reads of a dump's start; enough to tell any kind apart


@dataclass(slots=True)
class RawInput:
    name: str
    data: bytes
    kind: str  # "trace" | "dump"
    notices: list[str] = field(default_factory=list)  # data lost before parsing (a cut .gz)
    size: int = -1  # of ``data``, kept when :meth:`take` hands the bytes over

    def __post_init__(self) -> None:
        self.size = len(self.data)

    def take(self) -> bytes:
        """The bytes, handed over: this input keeps none afterwards.

        A trace's reader is then the last to hold them and drops them once it has
        read them, before the model's largest step (otherwise the file's size on top
        of the peak). Only one load may take them.
        """
        data, self.data = self.data, b""
        return data


def is_url(source: str) -> bool:
    """Whether the command-line argument names a URL rather than a file."""
    return source.startswith(("http://", "https://"))


def reads_again(source: str) -> bool:
    """Whether ``source`` (a command-line argument, or a model's source path, which names
    stdin ``stdin``) can be read a second time: a file, not stdin or a URL."""
    return source not in ("-", "stdin") and not is_url(source)


def open_input(source: str) -> RawInput:
    """The bytes of ``source`` (a path, ``-``, or an http(s) URL), inflated when gzipped,
    and what kind of input they are. GotraceError with one line naming the input when
    it cannot be read, is too big, or is neither a trace nor a dump."""
    name = "stdin" if source == "-" else source
    cap = max_input_bytes()
    notices: list[str] = []
    whole: Callable[[], bytes] | None = None
    if source == "-":
        chunks = stdin_chunks(cap)
    elif is_url(source):
        from .fetch import url_chunks  # http.client and ssl: imported for URLs only

        chunks = url_chunks(source, cap, notices)
    else:
        chunks = file_chunks(source, cap)
        if is_regular(source):
            whole = partial(read_whole, source, cap)
    with closing(chunks):
        data, kind = _read(name, chunks, cap, notices, whole)
    return RawInput(name=name, data=data, kind=kind, notices=notices)


def _read(name: str, chunks: Iterator[bytes], cap: int, notices: list[str],
          whole: Callable[[], bytes] | None = None) -> tuple[bytes, str]:
    """All of the stream, inflated (at most ``cap`` bytes) when it is gzip, and its kind; a
    stream whose start is binary and neither a trace nor a dump is refused before the
    rest is read. ``whole`` reads all of a plain file at once, once its start is known."""
    magic, stream = _take(chunks, len(MAGIC))
    stream = chain([magic], stream)
    if magic == MAGIC:
        stream = inflate(name, stream, cap, notices)
    head, stream = _take(stream, SNIFF_BYTES)
    try:
        kind: str | None = sniff(name, head)
    except UnknownInputError:
        if len(head) < SNIFF_BYTES or (_binary(head) and not starts_like_profile(head)):
            raise
        # Text (a dump may still follow a long log), or a protobuf profile, which names
        # what it profiles only in its string table, at the end.
        kind = None
    if whole is not None and magic != MAGIC:
        data = whole()
    else:
        buf = io.BytesIO()
        buf.write(head)
        for chunk in stream:
            buf.write(chunk)
        data = buf.getvalue()  # no copy: BytesIO hands over its buffer
    return data, kind or sniff(name, data)


def _take(stream: Iterator[bytes], n: int) -> tuple[bytes, Iterator[bytes]]:
    """The first ``n`` bytes of the stream (fewer when it is shorter), and the stream after them."""
    parts: list[bytes] = []
    size = 0
    for chunk in stream:
        parts.append(chunk)
        size += len(chunk)
        if size >= n:
            break
    joined = b"".join(parts)
    return joined[:n], chain([joined[n:]], stream)


def _binary(head: bytes) -> bool:
    """Bytes no dump starts with: control characters (NULs above all) in over a tenth of
    the first 512. Bytes above 127 count as text: a log before a dump may be UTF-8."""
    sample = head[:512]
    controls = sum(1 for b in sample if (b < 32 and b not in b"\t\n\r\f\v\x1b") or b == 127)
    return controls * 10 > len(sample)
