"""Chrome's Trace Event Format (JSON, gzipped): the timeline every trace viewer opens.

Same content as the Perfetto export (:mod:`.timeline`), in the format's terms
(https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU):

* process 1 ``Ps`` with a thread per P, process 2 ``Goroutines`` with a thread
  per goroutine track (tid = goroutine id), process 3 ``GC`` with threads
  ``GC`` and ``STW``: named by ``"ph": "M"`` metadata events, ordered with
  ``thread_sort_index``;
* slices as complete events (``"ph": "X"``, ``ts``/``dur`` in µs with ns
  precision); a P slice carries ``args.goroutine``;
* creation arrows as flow events: ``"ph": "s"`` on the creator's P,
  ``"ph": "f"`` with ``"bp": "e"`` binding to the child's first slice;
* the goroutine count as counter events (``"ph": "C"``).

The file is written in chunks of formatted lines through gzip: memory stays at
one chunk of text beyond the timeline's columns.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from itertools import chain
from typing import BinaryIO

import numpy as np

from ..model import NONE
from .timeline import G_BASE, GC_TRACK, P_BASE, STW_TRACK, Timeline
from .wire import I64

CHUNK = 1 << 16
PID_PROCS, PID_GOROUTINES, PID_GC = 1, 2, 3


def _us(ns: int) -> str:
    """Nanoseconds as a JSON number of microseconds, exact (no float rounding)."""
    return f"{ns // 1000}.{ns % 1000:03d}"


def _metadata(tl: Timeline) -> list[str]:
    """The metadata events naming and ordering processes and threads."""
    meta = []
    for pid, name in ((PID_PROCS, "Ps"), (PID_GOROUTINES, "Goroutines"), (PID_GC, "GC")):
        meta.append(json.dumps({"ph": "M", "name": "process_name", "pid": pid, "args": {"name": name}}))
        meta.append(json.dumps({"ph": "M", "name": "process_sort_index", "pid": pid,
                                "args": {"sort_index": pid}}))
    fixed = {GC_TRACK: (PID_GC, 1), STW_TRACK: (PID_GC, 2)}
    for t in tl.tracks:
        if t.p is not None:
            pid, tid = PID_PROCS, t.p
        elif t.goroutine is not None:
            pid, tid = PID_GOROUTINES, t.goroutine
        elif t.uuid in fixed:
            pid, tid = fixed[t.uuid]
        else:
            continue
        meta.append(json.dumps({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                                "args": {"name": t.name}}, ensure_ascii=False))
        meta.append(json.dumps({"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": tid,
                                "args": {"sort_index": t.rank}}))
    return meta


def _pid_tid(track: I64) -> tuple[I64, I64]:
    """(pid, tid) of each event's track, vectorised over the uuid ranges."""
    pid = np.where(track >= G_BASE, PID_GOROUTINES, np.where(track >= P_BASE, PID_PROCS, PID_GC))
    tid = np.where(track >= G_BASE, track - G_BASE, np.where(track >= P_BASE, track - P_BASE,
                                                              np.where(track == STW_TRACK, 2, 1)))
    return pid, tid


def _lines(tl: Timeline, chunk: int) -> Iterator[list[str]]:
    """The event lines, one chunk at a time."""
    names = [json.dumps(n, ensure_ascii=False) for n in tl.names]
    s = tl.slices
    for lo in range(0, len(s), chunk):
        sl = slice(lo, lo + chunk)
        pid, tid = _pid_tid(s.track[sl])
        out = []
        for start, end, name, p, t, gid, flow in zip(
                s.start[sl].tolist(), s.end[sl].tolist(), s.name[sl].tolist(), pid.tolist(), tid.tolist(),
                s.goroutine[sl].tolist(), s.flow_in[sl].tolist(), strict=True):
            args = f',"args":{{"goroutine":{gid}}}' if gid != NONE else ""
            out.append(f'{{"ph":"X","name":{names[name]},"pid":{p},"tid":{t},"ts":{_us(start)},'
                       f'"dur":{_us(end - start)}{args}}}')
            if flow != NONE:
                out.append(f'{{"ph":"f","bp":"e","name":"go","cat":"go","id":{flow},"pid":{p},"tid":{t},'
                           f'"ts":{_us(start)}}}')
        yield out
    ins = tl.instants
    pid, tid = _pid_tid(ins.track)
    yield [f'{{"ph":"s","name":"go","cat":"go","id":{flow},"pid":{p},"tid":{t},"ts":{_us(ts)},'
           f'"args":{{"created":{names[name]}}}}}'
           for ts, name, p, t, flow in zip(ins.ts.tolist(), ins.name.tolist(), pid.tolist(), tid.tolist(),
                                           ins.flow_out.tolist(), strict=True)]
    yield [f'{{"ph":"C","name":"goroutines","pid":{PID_GC},"tid":0,"ts":{_us(ts)},"args":{{"alive":{v}}}}}'
           for ts, v in zip(tl.counter.ts.tolist(), tl.counter.value.tolist(), strict=True)]


def write_chrome(tl: Timeline, out: BinaryIO, chunk: int = CHUNK) -> None:
    """Write ``tl`` as gzipped Trace Event JSON to ``out``."""
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=1, mtime=0) as gz:
        other = json.dumps({"source": tl.source, "from_ns": tl.t0, "to_ns": tl.t1,
                            "goroutines_in_window": tl.goroutines_in_window,
                            "goroutine_tracks": tl.goroutine_tracks}, ensure_ascii=False)
        gz.write(f'{{"displayTimeUnit":"ns","otherData":{other},"traceEvents":[\n'.encode())
        first = True
        for lines in chain([_metadata(tl)], _lines(tl, chunk)):
            if not lines:
                continue
            gz.write((("" if first else ",\n") + ",\n".join(lines)).encode("utf-8", "surrogatepass"))
            first = False
        gz.write(b"\n]}\n")
