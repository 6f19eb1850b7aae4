"""Which files a scan reads, and the host and time each one was taken on.

Inputs are files, folders (walked recursively, hidden entries skipped), globs
(``**`` recurses) or URLs that fsspec opens (``s3://bucket/dumps/**``,
``gs://...``, ``http://...``): the workers read the paths themselves, so they
must see the same storage.

Host and time, first that applies:

1. ``--meta CSV``: a header with ``file``, ``host`` and ``time`` columns; ``file``
   is the path as scanned or its base name;
2. ``--name-pattern REGEX`` searched in the path, with named groups ``host``
   and/or ``time``;
3. the name: a timestamp in the file name (``2024-05-01T12:15:00``,
   ``20240501-1215``, ``2024-05-01_12-15``, or 10-digit Unix seconds) with the
   host before it (``web-7_2024-05-01T1215.txt``), or the folder name when
   nothing is before it (``web-7/2024-05-01T1215.txt``); else a timestamp in
   the folder name with the host as the file name up to its first dot
   (``2024-05-01T1215/web-7.debug2.txt``); else the folder is the host and the
   time is unknown.

Times without a zone are UTC. Files of a host are ordered by time, then name.
"""

from __future__ import annotations

import csv
import glob
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path, PurePosixPath

from ..errors import InputError
from ..export import require

GLOB_CHARS = re.compile(r"[*?\[]")
URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
TIME = re.compile(
    r"(?<!\d)(?P<y>\d{4})-?(?P<mo>\d{2})-?(?P<d>\d{2})"
    r"(?:[T_ -]?(?P<h>\d{2})[:-]?(?P<mi>\d{2})(?:[:-]?(?P<s>\d{2}))?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?(?!\d)"
    r"|(?<!\d)(?P<epoch>\d{10})(?!\d)"
)
SEPARATORS = "_-.@ "


@dataclass(frozen=True, slots=True)
class Task:
    """One file to analyse, with what is known of where and when it was taken."""

    file: str
    host: str | None = None
    time: datetime | None = None


def is_url(path: str) -> bool:
    return bool(URL.match(path))


def expand(paths: list[str]) -> tuple[list[str], list[str]]:
    """The files named by ``paths``, in order without duplicates, and a notice per path
    that named nothing. A path that does not exist is kept: it is reported as failed."""
    files: list[str] = []
    notices: list[str] = []
    for p in paths:
        if is_url(p):
            found = _expand_url(p)
        elif GLOB_CHARS.search(p):
            found = []
            for m in sorted(glob.glob(p, recursive=True)):
                found.extend(_walk(m) if os.path.isdir(m) else [m])
        elif os.path.isdir(p):
            found = _walk(p)
        else:
            found = [p]
        if not found:
            notices.append(f"{p}: matches no file")
        files.extend(found)
    return list(dict.fromkeys(files)), notices


def _walk(folder: str) -> list[str]:
    out: list[str] = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out.extend(os.path.join(root, n) for n in sorted(names) if not n.startswith("."))
    return out


def _expand_url(url: str) -> list[str]:
    core = require("fsspec.core", "fleet", "scanning URLs")
    fs, path = core.url_to_fs(url)
    if GLOB_CHARS.search(path):
        found = sorted(fs.glob(path))
    elif fs.isdir(path):
        found = sorted(fs.find(path))
    else:
        return [url]
    return [fs.unstrip_protocol(f) for f in found if not fs.isdir(f)]


def parse_time(text: str) -> datetime | None:
    """A timestamp as the name spells it (see the module doc); None when it is not one."""
    m = TIME.search(text)
    return _time(m) if m else None


def _time(m: re.Match[str]) -> datetime | None:
    if m.group("epoch"):
        return datetime.fromtimestamp(int(m.group("epoch")), UTC)
    try:
        t = datetime(int(m.group("y")), int(m.group("mo")), int(m.group("d")), int(m.group("h") or 0),
                     int(m.group("mi") or 0), int(m.group("s") or 0))
    except ValueError:  # 20241399: digits, not a date
        return None
    tz = m.group("tz")
    zone = UTC
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        zone = timezone(sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[-2:])))
    return t.replace(tzinfo=zone).astimezone(UTC)


def from_name(path: str) -> Task:
    """Host and time from the path's last two parts (see the module doc)."""
    parts = PurePosixPath(path.replace("\\", "/"))
    name, folder = parts.name, parts.parent.name
    m = TIME.search(name)
    if m and _time(m) is not None:
        host = name[: m.start()].strip(SEPARATORS) or folder
        return Task(path, host or None, _time(m))
    m = TIME.search(folder)
    if m and _time(m) is not None:
        return Task(path, name.split(".", 1)[0] or None, _time(m))
    return Task(path, folder or None, None)


def from_pattern(path: str, pattern: re.Pattern[str]) -> Task:
    """Host and time from ``--name-pattern``'s named groups; the name's rule fills what it lacks."""
    m = pattern.search(path)
    base = from_name(path)
    if m is None:
        return base
    groups = m.groupdict()
    host = groups.get("host") or base.host
    time = base.time
    if groups.get("time"):
        time = parse_time(groups["time"])
    return Task(path, host, time)


def read_meta(path: str) -> dict[str, tuple[str | None, datetime | None]]:
    """``--meta``: file -> (host, time), keyed by the file as written and by its base name."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InputError(f"{path}: not a CSV file ({e})") from None
    if not rows or "file" not in rows[0]:
        raise InputError(f"{path}: a --meta CSV needs a header with a 'file' column (and host, time)")
    out: dict[str, tuple[str | None, datetime | None]] = {}
    for i, row in enumerate(rows, start=2):
        text = (row.get("time") or "").strip()
        time = None
        if text:
            time = parse_time(text)
            if time is None:
                raise InputError(f"{path}:{i}: {text!r} is not a time (ISO 8601 or Unix seconds)")
        value = ((row.get("host") or "").strip() or None, time)
        file = row["file"].strip()
        out[file] = value
        out.setdefault(Path(file).name, value)
    return out


def tasks_for(files: list[str], meta: dict[str, tuple[str | None, datetime | None]] | None = None,
              pattern: re.Pattern[str] | None = None) -> list[Task]:
    """One task per file, with its host and time."""
    out: list[Task] = []
    for f in files:
        task = from_pattern(f, pattern) if pattern is not None else from_name(f)
        known = None
        if meta:
            known = meta.get(f) or meta.get(Path(f).name)
        if known is not None:
            task = Task(f, known[0] or task.host, known[1] or task.time)
        out.append(task)
    return out
