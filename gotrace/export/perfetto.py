"""Perfetto's native trace format: a protobuf ``Trace`` of ``TracePacket``s with ``TrackEvent``s.

The content is :mod:`.timeline`'s; this module only serialises it. Layout of
the file (field numbers from perfetto's ``protos/perfetto/trace/``):

* one packet with ``interned_data``: every slice name once (``EventName``,
  iid = index + 1) and the debug annotation name ``goroutine``. Later packets
  say ``SEQ_NEEDS_INCREMENTAL_STATE`` and refer to names by iid, so a function
  name is stored once, not once per slice;
* one ``TrackDescriptor`` packet per track (``uuid``, ``parent_uuid``, ``name``,
  ``counter`` for the goroutine count; groups order their children explicitly);
* then the events in time order: ``TYPE_SLICE_BEGIN`` / ``TYPE_SLICE_END`` per
  slice, ``TYPE_INSTANT`` for creations (``flow_ids``; the child's first slice
  has the same id in ``terminating_flow_ids``) and ``TYPE_COUNTER``. At one
  timestamp, ends come before begins (adjacent slices on one track), and
  instants and counter values after both.

Events are written in chunks of ``CHUNK`` slices, each encoded with
:mod:`.wire`'s column encoder and deflated into one ``compressed_packets``
packet, so memory stays bounded by the timeline's columns plus one chunk,
whatever the size of the trace, and the file is several times smaller.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from ..model import NONE
from .timeline import COUNTER_TRACK, Timeline
from .wire import I64, LEN, Batch, Encoded, key, strings, varint_bytes

CHUNK = 1 << 14
SEQUENCE = 1
SEQ_INCREMENTAL_STATE_CLEARED = 1
SEQ_NEEDS_INCREMENTAL_STATE = 2
SLICE_BEGIN, SLICE_END, INSTANT, COUNTER = 1, 2, 3, 4
CHILD_ORDERING_EXPLICIT = 3
GOROUTINE_ANNOTATION = 1  # iid of the "goroutine" debug annotation name

# Order of events at one timestamp, by event type: ends, then begins, then the rest.
_PHASE = np.zeros(5, np.int64)
_PHASE[[SLICE_END, SLICE_BEGIN, INSTANT, COUNTER]] = [0, 1, 2, 2]


def _payload(*parts: Encoded) -> Encoded:
    """Batches of fields concatenated into the payload of one message (repeated fields)."""
    data = np.concatenate([p.data for p in parts])
    return Encoded(data, np.array([0, len(data)], np.int64))


def _packets(n: int, packet: Batch) -> bytes:
    """``n`` TracePackets as ``Trace.packet`` entries (field 1): bytes to append to the file."""
    return Batch(n).message(1, packet).encode().tobytes()


def _header(tl: Timeline) -> bytes:
    """The interned names packet and one TrackDescriptor packet per track."""
    n = len(tl.names)
    event_names = Batch(n).varint(1, np.arange(1, n + 1)).message(2, strings(tl.names)).encode()
    annotation_names = Batch(1).varint(1, GOROUTINE_ANNOTATION).message(2, strings(["goroutine"])).encode()
    interned = _payload(Batch(n).message(2, event_names).encode(),
                        Batch(1).message(3, annotation_names).encode())
    out = _packets(1, Batch(1).varint(10, SEQUENCE).varint(13, SEQ_INCREMENTAL_STATE_CLEARED)
                   .message(12, interned))
    tracks = tl.tracks
    k = len(tracks)
    parent = np.array([t.parent for t in tracks], np.int64)
    desc = (Batch(k)
            .varint(1, np.array([t.uuid for t in tracks], np.int64))
            .varint(5, parent, present=parent != 0)
            .message(2, strings([t.name for t in tracks]))
            .message(8, Encoded(np.zeros(0, np.uint8), np.zeros(k + 1, np.int64)),
                     present=np.array([t.counter for t in tracks], bool))
            .varint(11, CHILD_ORDERING_EXPLICIT, present=np.array([t.group for t in tracks], bool))
            .varint(12, np.array([t.rank for t in tracks], np.int64)))
    return out + _packets(k, Batch(k).message(60, desc))


def _column(sizes: tuple[int, ...], *parts: npt.ArrayLike) -> I64:
    """One event column of a chunk: its begins', ends', instants' and counter values' parts
    (a scalar stands for all of its part)."""
    return np.concatenate([np.broadcast_to(np.asarray(x, np.int64), (k,))
                           for x, k in zip(parts, sizes, strict=True)])


def _events(tl: Timeline, chunk: int) -> Iterator[tuple[I64, ...]]:
    """The events in time order, ``chunk`` slice begins at a time, as columns:
    (ts, type, track, name index or NONE, goroutine arg, flow out, flow in, counter value).

    A chunk holds the begins up to the next chunk's first begin time ``tb``, the
    ends at or before ``tb`` and the instants and counter values before it: the
    concatenation of the chunks is the whole stream sorted by (time, phase).
    """
    s = tl.slices
    by_start = np.argsort(s.start, kind="stable")
    by_end = np.argsort(s.end, kind="stable")
    ends_sorted = s.end[by_end]
    ins = tl.instants
    pts = np.concatenate([ins.ts, tl.counter.ts])
    pt_order = np.argsort(pts, kind="stable")
    pts_sorted = pts[pt_order]
    n_ins = len(ins.ts)
    n = len(s)
    i = e0 = p0 = 0
    while True:
        j = min(i + chunk, n)
        last = j >= n
        tb = 0 if last else int(s.start[by_start[j]])
        e1 = len(ends_sorted) if last else int(np.searchsorted(ends_sorted, tb, "right"))
        p1 = len(pts_sorted) if last else int(np.searchsorted(pts_sorted, tb, "left"))
        b, en, pt = by_start[i:j], by_end[e0:e1], pt_order[p0:p1]
        pi, ci = pt[pt < n_ins], pt[pt >= n_ins] - n_ins

        sizes = (len(b), len(en), len(pi), len(ci))
        kind = _column(sizes, SLICE_BEGIN, SLICE_END, INSTANT, COUNTER)
        ts = _column(sizes, s.start[b], s.end[en], ins.ts[pi], tl.counter.ts[ci])
        cols = (ts, kind,
                _column(sizes, s.track[b], s.track[en], ins.track[pi], COUNTER_TRACK),
                _column(sizes, s.name[b], NONE, ins.name[pi], NONE),
                _column(sizes, s.goroutine[b], NONE, NONE, NONE),
                _column(sizes, NONE, NONE, ins.flow_out[pi], NONE),
                _column(sizes, s.flow_in[b], NONE, NONE, NONE),
                _column(sizes, 0, 0, 0, tl.counter.value[ci]))
        order = np.lexsort((_PHASE[kind], ts))
        yield tuple(c[order] for c in cols)
        if last:
            return
        i, e0, p0 = j, e1, p1


def _encode(cols: tuple[I64, ...]) -> bytes:
    ts, kind, track, name, goroutine, flow_out, flow_in, value = cols
    n = len(ts)
    annotation = Batch(n).varint(1, GOROUTINE_ANNOTATION).varint(4, goroutine)
    event = (Batch(n)
             .varint(9, kind)
             .varint(11, track)
             .varint(10, name + 1, present=name >= 0)
             .message(4, annotation, present=goroutine != NONE)
             .fixed64(47, flow_out, present=flow_out != NONE)
             .fixed64(48, flow_in, present=flow_in != NONE)
             .varint(30, value, present=kind == COUNTER))
    packet = (Batch(n)
              .varint(8, ts)
              .message(11, event)
              .varint(10, SEQUENCE)
              .varint(13, SEQ_NEEDS_INCREMENTAL_STATE))
    return _packets(n, packet)


def _compressed(packets: bytes) -> bytes:
    """Packets as one ``TracePacket.compressed_packets`` (field 50): the zlib stream of their
    ``Trace.packet`` records, which Perfetto's trace processor inflates as it reads (the
    tracing service writes traces this way). Slice events shrink about tenfold."""
    z = zlib.compress(packets, 1)
    inner = key(50, LEN) + varint_bytes(len(z)) + z
    return key(1, LEN) + varint_bytes(len(inner)) + inner


def write_perfetto(tl: Timeline, out: BinaryIO, chunk: int = CHUNK) -> int:
    """Write ``tl`` as a Perfetto trace to ``out``; returns the number of bytes written."""
    written = out.write(_compressed(_header(tl)))
    for cols in _events(tl, chunk):
        if len(cols[0]):
            written += out.write(_compressed(_encode(cols)))
    return written
