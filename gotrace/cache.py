"""The model cache: a trace opened a second time maps its model instead of parsing it.

A 127 MB trace takes seconds to read; the model it becomes is a few dozen numpy
columns plus the interned tables. The first open saves them under the user's cache
directory (``$GOTRACE_CACHE_DIR``, else ``$XDG_CACHE_HOME/gotrace``, else
``~/.cache/gotrace``); a later open of the same unchanged file memory-maps the
columns (``np.load(mmap_mode="r")``), so it costs milliseconds and the OS pages in
only what the user looks at.

Safety:

* the key covers the file's identity and content (real path, size, mtime, and a
  hash of its first and last MiB) and :data:`gotrace.cachekey.MODEL_VERSION`, so a changed file or
  a new gotrace never reads an old entry;
* an entry is written to a temporary folder and renamed into place, so two
  concurrent opens never see half an entry (the loser's rename fails; its copy is
  dropped);
* every entry is checked when read (its manifest names each file with its size,
  and ``np.load`` checks the arrays' headers); a corrupt or stale entry is removed
  and the trace parsed again — never trusted blindly;
* nothing is pickled: columns are ``.npy`` files, tables and facts are JSON;
* a size cap (``$GOTRACE_CACHE_MAX``, default 4 GiB) evicts least recently used
  entries; ``gotrace cache`` shows the cache and ``--clear`` empties it;
  ``--no-cache`` (or ``GOTRACE_NO_CACHE=1``) reads and writes nothing.

A command that reads no intervals (``goroutines``, ``leaks``...) builds its model without
them and saves a lean entry (no ``i.*`` columns): it serves every such command, and an
open that needs intervals (the viewer, ``procs``, ``export``) parses the trace once more
and replaces it with a full one.

Only traces are cached: a dump parses at tens of MB/s into per-goroutine extras
that would not map, and a small trace (under :data:`gotrace.cachekey.MIN_SIZE`, or
``$GOTRACE_CACHE_MIN``) loads faster than an entry is written.

Its names (the directory, a file's key, whether an entry is whole) are in
:mod:`gotrace.cachekey`, which imports nothing heavy: ``gotrace view`` asks it before
it starts its loader.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .cachekey import MANIFEST, MODEL_VERSION, cache_dir, holds, is_lean
from .model import Goroutines, Intervals, Model, ProcIntervals, Ranges, Source, Wakes
from .model.spill import file_of
from .tables import Frame, Tables
from .trace.events import Damage, TraceInfo

DEFAULT_MAX = 4 << 30


@dataclass(frozen=True, slots=True)
class Entry:
    path: Path
    size: int
    last_used: float
    source: str
    intervals: bool = True  # False: a lean entry, which serves the summary commands only


def max_bytes() -> int:
    try:
        return int(os.environ.get("GOTRACE_CACHE_MAX", DEFAULT_MAX))
    except ValueError:
        return DEFAULT_MAX


# --- writing ------------------------------------------------------------------------

def _columns(obj: Any, prefix: str) -> dict[str, np.ndarray]:
    return {f"{prefix}.{f.name}": getattr(obj, f.name) for f in fields(obj)}


def _save(path: Path, arr: np.ndarray) -> None:
    """One column as ``path``: a hard link to the ``.npy`` file it maps, when it maps one
    whole (a spilled interval table: hundreds of MB not copied, nor paged in to be), else
    written."""
    src = file_of(arr)
    if src is not None:
        try:
            os.link(src, path)
            return
        except OSError:  # another file system, or no links there
            pass
    np.save(path, np.ascontiguousarray(arr), allow_pickle=False)


def store(key: str, model: Model) -> None:
    """Save a trace's model as entry ``key``, lean if it has no intervals; a full model
    replaces a lean entry. Any failure just leaves the cache as it was."""
    root = cache_dir()
    final = root / key
    lean = model.intervals is None
    if not model.is_trace or model.procs is None or model.ranges is None or model.info is None \
            or model.wakes is None:
        return
    if final.exists() and (lean or is_lean(final) is not True):
        return
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=root))
    except OSError:
        return
    try:
        arrays = {**_columns(model.goroutines, "g"), **_columns(model.procs, "p"),
                  **_columns(model.ranges, "r"), **_columns(model.wakes, "w")}
        if model.intervals is not None:
            arrays.update(_columns(model.intervals, "i"))
        files = {}
        for name, arr in arrays.items():
            _save(tmp / f"{name}.npy", arr)
            files[f"{name}.npy"] = (tmp / f"{name}.npy").stat().st_size
        t = model.tables
        info = model.info
        facts = {
            "strings": t.strings,
            "frames": [[f.func, f.file, f.line] for f in t.frames],
            "stacks": [list(s) for s in t.stacks],
            "source": [model.source.path, model.source.kind, model.source.format],
            "span_ns": model.span_ns,
            "proc_ids": model.proc_ids,
            "notices": model.notices,
            "info": {"header": info.header, "version": info.version, "size": info.size, "events": info.events,
                     "reader": info.reader, "time_unit": info.time_unit,
                     "damage": [[d.message, d.bytes_lost] for d in info.damage]},
        }
        (tmp / "facts.json").write_text(json.dumps(facts), encoding="utf-8")
        files["facts.json"] = (tmp / "facts.json").stat().st_size
        manifest = {"model_version": MODEL_VERSION, "gotrace": __version__, "files": files,
                    "source": model.source.path, "intervals": not lean}
        (tmp / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        if final.exists():
            # The lean entry moves aside first: an open in between finds no entry and
            # parses, never half of one.
            old = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=root))
            os.rename(final, old / "lean")
            shutil.rmtree(old, ignore_errors=True)
        os.rename(tmp, final)  # atomic; fails if a concurrent open stored it first
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        return
    evict(max_bytes())


# --- reading ------------------------------------------------------------------------

class CorruptEntry(Exception):
    """The entry is not what its manifest says: rebuild."""


def _load_columns(root: Path, prefix: str, cls: type[Any]) -> Any:
    values = {}
    for f in fields(cls):
        try:
            values[f.name] = np.load(root / f"{prefix}.{f.name}.npy", mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as e:
            raise CorruptEntry(f"{prefix}.{f.name}: {e}") from None
    return cls(**values)


def fetch(key: str, name: str, intervals: bool = True) -> Model | None:
    """The cached model of entry ``key`` (shown as ``name``), or None; a bad entry is removed.
    A lean entry serves only when ``intervals`` are not needed."""
    root = cache_dir() / key
    if not root.is_dir() or (intervals and is_lean(root)):
        return None
    try:
        model = _read(root, name)
    except (CorruptEntry, OSError, ValueError, KeyError, TypeError, json.JSONDecodeError):
        shutil.rmtree(root, ignore_errors=True)
        return None
    with contextlib.suppress(OSError):
        os.utime(root / MANIFEST)  # least recently used: by the manifest's mtime
    return model


def _read(root: Path, name: str) -> Model:
    manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("model_version") != MODEL_VERSION or manifest.get("gotrace") != __version__:
        raise CorruptEntry("stale")
    for fname, size in manifest["files"].items():
        if (root / fname).stat().st_size != size:
            raise CorruptEntry(f"{fname}: size")
    facts = json.loads((root / "facts.json").read_text(encoding="utf-8"))
    tables = Tables()
    tables.strings = [str(s) for s in facts["strings"]]
    tables.frames = [Frame(str(a), str(b), int(c)) for a, b, c in facts["frames"]]
    tables.stacks = [tuple(int(x) for x in s) for s in facts["stacks"]]
    tables.rebuild_index()
    g = _load_columns(root, "g", Goroutines)
    intervals = _load_columns(root, "i", Intervals) if manifest.get("intervals", True) else None
    procs = _load_columns(root, "p", ProcIntervals)
    ranges = _load_columns(root, "r", Ranges)
    wakes = _load_columns(root, "w", Wakes)
    n = len(g.id)
    if any(len(getattr(g, f.name)) not in (n, 0) for f in fields(Goroutines)
           if not f.name.startswith("block_")) or (intervals is not None and len(intervals.starts) != n + 1):
        raise CorruptEntry("column lengths")
    if not len(wakes.stack) == len(wakes.count) == len(wakes.last_ns):
        raise CorruptEntry("wake column lengths")
    for arr in (g.name, g.reason, g.block_reason, ranges.name):
        if len(arr) and (int(arr.max()) >= len(tables.strings) or int(arr.min()) < 0):
            raise CorruptEntry("string ids")
    for arr in (g.creation_stack, g.start_stack, g.last_stack,
                wakes.stack, *(() if intervals is None else (intervals.stack,))):
        if len(arr) and (int(arr.max()) >= len(tables.stacks) or int(arr.min()) < 0):
            raise CorruptEntry("stack ids")
    i = facts["info"]
    info = TraceInfo(header=str(i["header"]), version=int(i["version"]), size=int(i["size"]),
                     events=int(i["events"]), reader=str(i["reader"]),
                     time_unit="ticks" if i.get("time_unit") == "ticks" else "ns",
                     damage=[Damage(str(m), int(b)) for m, b in i["damage"]])
    path, kind, fmt = facts["source"]
    return Model(source=Source(path=name or str(path), kind=str(kind), format=str(fmt)), tables=tables,
                 goroutines=g, span_ns=facts["span_ns"], intervals=intervals, procs=procs, ranges=ranges,
                 wakes=wakes, info=info, proc_ids=[int(p) for p in facts["proc_ids"]],
                 notices=[str(x) for x in facts["notices"]])


# --- small analyses beside the columns ---------------------------------------------------

def _analysis_file(key: str, name: str) -> Path:
    return cache_dir() / key / f"analysis.{name}.json"


def store_analysis(key: str | None, name: str, value: dict[str, Any]) -> None:
    """Save a small analysis of entry ``key``'s model (the summary: plain JSON data) beside
    its columns, so that a second open has it at once; any failure just saves nothing."""
    if key is None or not holds(key):
        return
    try:
        text = json.dumps({"model_version": MODEL_VERSION, "gotrace": __version__, "value": value})
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=cache_dir() / key)
    except (OSError, TypeError, ValueError):
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, _analysis_file(key, name))  # whole or not at all, whoever writes it too
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def fetch_analysis(key: str | None, name: str) -> dict[str, Any] | None:
    """The analysis :func:`store_analysis` saved for entry ``key``, or None (absent, stale
    or unreadable: the caller computes it)."""
    if key is None:
        return None
    try:
        doc = json.loads(_analysis_file(key, name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("model_version") != MODEL_VERSION \
            or doc.get("gotrace") != __version__ or not isinstance(doc.get("value"), dict):
        return None
    return doc["value"]


# --- managing -----------------------------------------------------------------------

def entries() -> list[Entry]:
    """Every complete entry, most recently used first."""
    root = cache_dir()
    out: list[Entry] = []
    if not root.is_dir():
        return out
    for d in root.iterdir():
        m = d / MANIFEST
        if d.name.startswith(".") or not m.is_file():
            continue
        try:
            size = sum(f.stat().st_size for f in d.iterdir())
            manifest = json.loads(m.read_text(encoding="utf-8"))
            out.append(Entry(d, size, m.stat().st_mtime, str(manifest.get("source", "?")),
                             manifest.get("intervals", True) is not False))
        except (OSError, ValueError):
            continue
    out.sort(key=lambda e: -e.last_used)
    return out


def evict(limit: int) -> list[Entry]:
    """Remove least recently used entries until the cache fits ``limit`` bytes; and
    leftovers of interrupted writes older than an hour."""
    removed = []
    total = 0
    for e in entries():
        total += e.size
        if total > limit:
            shutil.rmtree(e.path, ignore_errors=True)
            removed.append(e)
    root = cache_dir()
    if root.is_dir():
        for d in root.glob(".*"):
            with contextlib.suppress(OSError):
                if time.time() - d.stat().st_mtime > 3600:
                    shutil.rmtree(d, ignore_errors=True)
    return removed


def clear() -> int:
    """Remove every entry; the number removed."""
    found = entries()
    for e in found:
        shutil.rmtree(e.path, ignore_errors=True)
    return len(found)
