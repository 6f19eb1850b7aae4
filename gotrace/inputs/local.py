"""Bytes from a path or from stdin, as a stream of chunks, with one-line failures.

A stream rather than one ``read()`` so that the caller can look at the first
kilobytes and stop: ``gotrace info /dev/zero`` is refused after 64 KiB, not
after filling memory.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Generator, Iterator
from typing import BinaryIO

from ..errors import InputError
from .limits import human_size, too_big

CHUNK = 1 << 20


def file_chunks(path: str, cap: int) -> Generator[bytes, None, None]:
    """The file's bytes; InputError for a missing file, a directory, no permission, a
    regular file over ``cap`` (said before reading it), or a read error."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if stat.S_ISDIR(st.st_mode):
                raise InputError(f"{path}: is a directory, not a trace or dump file")
            if stat.S_ISREG(st.st_mode) and st.st_size > cap:
                raise too_big(path, cap, f"{human_size(st.st_size)} is")
            yield from _read_all(path, f, cap)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a trace or dump file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None


def is_regular(path: str) -> bool:
    """Whether ``path`` is a regular file (which :func:`read_whole` can read in one go)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def read_whole(path: str, cap: int) -> bytes:
    """A regular file's bytes in one read, once :func:`file_chunks` has shown its start is
    worth reading: no copy of a megabyte at a time into a growing buffer (a tenth of a
    second on 100 MB). InputError as file_chunks gives them."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            # read(n) allocates n bytes up front: the file's size, never the cap (4 GiB).
            data = f.read(min(size, cap) + 1)
            if len(data) > size:  # it grew since: the rest a chunk at a time
                parts, total = [data], len(data)
                while total <= cap and (chunk := f.read(CHUNK)):
                    parts.append(chunk)
                    total += len(chunk)
                data = b"".join(parts)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None
    if len(data) > cap:
        raise too_big(path, cap)
    return data


def stdin_chunks(cap: int) -> Generator[bytes, None, None]:
    """Standard input's bytes, up to ``cap``."""
    if sys.stdin is None:
        raise InputError("stdin: not open")
    try:
        yield from _read_all("stdin", sys.stdin.buffer, cap)
    except OSError as e:
        raise InputError(f"stdin: cannot read: {e.strerror or e}") from None


def _read_all(name: str, f: BinaryIO, cap: int) -> Iterator[bytes]:
    size = 0
    while True:
        chunk = f.read(CHUNK)
        if not chunk:
            return
        size += len(chunk)
        if size > cap:
            raise too_big(name, cap)
        yield chunk
