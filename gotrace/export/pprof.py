"""A goroutine profile in pprof's format: gzipped ``profile.proto``, for ``go tool pprof`` and Pyroscope.

The same message the runtime writes for ``/debug/pprof/goroutine``
(``runtime/pprof/proto.go``): sample type and period type ``goroutine``/``count``,
one sample per distinct stack with the number of goroutines on it, locations
with one line each, functions, and a string table whose entry 0 is "". Field
numbers are pprof's ``profile.proto``
(``github.com/google/pprof/proto/profile.proto``).

What becomes a sample:

* a dump: every goroutine it lists; a debug=1 profile's records keep their
  counts (``Goroutines.weights``). A goroutine's pprof labels become the
  sample's labels;
* a trace: the goroutines alive at its end, on their last known stack; or
  (``at_ns``) those alive at that instant, on the last stack known for each at
  that moment (a running goroutine's stack is not recorded while it runs, so
  it is where it last blocked or was created).

Each sample also carries the label ``goroutine_state`` (``chan receive``,
``running``, ...), so ``pprof -tagfocus`` and Pyroscope can slice by state; the
name is spelled as a Prometheus label, which Pyroscope requires. A goroutine
without any stack (it never blocked in a trace that began after it) is a sample
without locations: counted in the total, as the runtime's own profile would.

Frames are already symbolized, so locations have no addresses; one mapping
names the input file (pprof shows it as ``File:``) and says it has functions,
file names and line numbers, so pprof never looks for a binary to symbolize.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from ..durations import format_duration
from ..errors import WrongInputKindError
from ..model import Model, state_name
from ..trace.events import GoState
from .wire import I64, Batch, Encoded, packed_varints, strings

STATE_LABEL = "goroutine_state"


@dataclass(slots=True)
class Samples:
    """Distinct (stack, labels, state) of the chosen goroutines with their counts."""

    stack: I64  # stack id in the model's tables
    labels: list[dict[str, str]]
    state: list[str]
    count: I64

    @property
    def total(self) -> int:
        return int(self.count.sum())


class _StringTable:
    def __init__(self) -> None:
        self.strings: list[str] = [""]
        self._ids: dict[str, int] = {"": 0}

    def __call__(self, s: str) -> int:
        i = self._ids.get(s)
        if i is None:
            i = self._ids[s] = len(self.strings)
            self.strings.append(s)
        return i


def _at(model: Model, at_ns: int) -> tuple[I64, I64, npt.NDArray[np.uint8], npt.NDArray[np.int32]]:
    """Rows alive at ``at_ns`` with their stack, state and wait reason at that instant."""
    iv = model.intervals
    assert iv is not None
    g = model.goroutines
    # Within a row, intervals are sorted by start: those begun by at_ns are a prefix.
    begun = np.zeros(len(iv) + 1, np.int64)
    np.cumsum(iv.start <= at_ns, out=begun[1:])
    n_begun = begun[iv.starts[1:]] - begun[iv.starts[:-1]]
    idx = iv.starts[:-1] + n_begun - 1
    safe = np.maximum(idx, 0)
    alive = (n_begun > 0) & (iv.end[safe] > at_ns) & (iv.state[safe] != GoState.NOT_EXIST)
    rows = np.flatnonzero(alive)
    idx = idx[rows]
    # The last stack known at that moment: the latest interval of the row with one.
    with_stack = np.where(iv.stack > 0, np.arange(len(iv)), -1)
    latest = np.maximum.accumulate(with_stack) if len(iv) else with_stack
    j = latest[idx]
    known = j >= iv.starts[rows]
    stack = np.where(known, iv.stack[np.maximum(j, 0)], g.start_stack[rows]).astype(np.int64)
    return rows, stack, iv.state[idx], iv.reason[idx]


def goroutine_samples(model: Model, at_ns: int | None = None) -> Samples:
    """The profile's samples: at the end of the input, or (traces) at ``at_ns``."""
    g = model.goroutines
    if at_ns is not None and (not model.is_trace or model.intervals is None):
        raise WrongInputKindError(f"{model.source.path}: an instant (--at) needs an execution trace; "
                                  "a goroutine dump is one instant already")
    if at_ns is None or at_ns >= int(model.span_ns or 0):
        rows = np.flatnonzero(g.state != GoState.NOT_EXIST)
        stack, state, reason = g.last_stack[rows].astype(np.int64), g.state[rows], g.reason[rows]
    else:
        rows, stack, state, reason = _at(model, at_ns)
    weights = g.weights(rows)
    # Label sets, numbered: only dumps print labels.
    label_sets: list[dict[str, str]] = [{}]
    label_id = np.zeros(len(rows), np.int64)
    if model.extras is not None:
        ids: dict[frozenset[tuple[str, str]], int] = {frozenset(): 0}
        for i, r in enumerate(rows.tolist()):
            labels = model.extras[r].g.labels
            if labels:
                k = frozenset(labels.items())
                label_id[i] = ids.setdefault(k, len(ids))
                if label_id[i] == len(label_sets):
                    label_sets.append(dict(labels))
    state_key = state.astype(np.int64) << 32 | reason.astype(np.int64)
    keys = np.stack([stack, label_id, state_key], axis=1)
    if len(keys) == 0:
        return Samples(np.zeros(0, np.int64), [], [], np.zeros(0, np.int64))
    uniq, inv = np.unique(keys, axis=0, return_inverse=True)
    count = np.bincount(inv.reshape(-1), weights=weights, minlength=len(uniq)).astype(np.int64)
    strings_ = model.tables.strings
    return Samples(
        stack=uniq[:, 0],
        labels=[label_sets[int(i)] for i in uniq[:, 1].tolist()],
        state=[state_name(int(k >> 32), strings_[int(k & 0xFFFFFFFF)]) for k in uniq[:, 2].tolist()],
        count=count,
    )


def encode_profile(model: Model, samples: Samples, comments: list[str]) -> bytes:
    """The ``Profile`` message (not gzipped) for ``samples`` of ``model``."""
    t = model.tables
    st = _StringTable()
    goroutine, count = st("goroutine"), st("count")
    # Locations: one per distinct frame of the sampled stacks; functions per (name, file).
    stacks = [t.stacks[int(s)] for s in samples.stack.tolist()]
    frame_ids = sorted({f for ids in stacks for f in ids})
    location_of = {f: i + 1 for i, f in enumerate(frame_ids)}
    function_of: dict[tuple[str, str], int] = {}
    loc_function = []
    for f in frame_ids:
        fr = t.frames[f]
        loc_function.append(function_of.setdefault((fr.func, fr.file), len(function_of) + 1))
    n_loc, n_fn = len(frame_ids), len(function_of)
    lines = Batch(n_loc).varint(1, np.array(loc_function, np.int64)).varint(
        2, np.array([t.frames[f].line for f in frame_ids], np.int64)).encode()
    locations = Batch(n_loc).varint(1, np.arange(1, n_loc + 1)).varint(2, 1).message(4, lines).encode()
    fn_names = np.array([st(name) for name, _ in function_of], np.int64)
    fn_files = np.array([st(file) for _, file in function_of], np.int64)
    functions = (Batch(n_fn).varint(1, np.arange(1, n_fn + 1)).varint(2, fn_names).varint(3, fn_names)
                 .varint(4, fn_files)).encode()
    # Samples: packed location ids (leaf first), the count, the labels.
    n = len(stacks)
    depth = np.array([len(ids) for ids in stacks], np.int64)
    locs = np.array([location_of[f] for ids in stacks for f in ids], np.int64)
    label_sample, label_key, label_str = [], [], []
    for i, (labels, state) in enumerate(zip(samples.labels, samples.state, strict=True)):
        for k, v in (*sorted(labels.items()), (STATE_LABEL, state)):
            label_sample.append(i)
            label_key.append(st(k))
            label_str.append(st(v))
    label_msgs = Batch(len(label_key)).varint(1, np.array(label_key, np.int64)).varint(
        2, np.array(label_str, np.int64)).encode()
    label_fields = Batch(len(label_key)).message(3, label_msgs).encode()
    per_sample = np.searchsorted(np.array(label_sample, np.int64), np.arange(n + 1))
    sample_labels = Encoded(label_fields.data, label_fields.offsets[per_sample])
    sample_msgs = (Batch(n).message(1, packed_varints(locs, depth), present=depth > 0)
                   .message(2, packed_varints(samples.count, np.ones(n, np.int64)))
                   .raw(sample_labels)).encode()
    value_type = Batch(1).varint(1, goroutine).varint(2, count).encode()
    comment_ids = np.array([st(c) for c in comments], np.int64)
    # id, filename, has_functions, has_filenames, has_line_numbers.
    mapping = (Batch(1).varint(1, 1).varint(5, st(Path(model.source.path).name)).varint(7, 1).varint(8, 1)
               .varint(9, 1)).encode()
    parts = [
        Batch(1).message(1, value_type).encode(),  # sample_type
        Batch(n).message(2, sample_msgs).encode(),  # sample
        Batch(1).message(3, mapping).encode(),  # mapping
        Batch(n_loc).message(4, locations).encode(),  # location
        Batch(n_fn).message(5, functions).encode(),  # function
        Batch(len(st.strings)).message(6, strings(st.strings)).encode(),  # string_table
        Batch(1).message(11, value_type).varint(12, 1).encode(),  # period_type, period
        Batch(len(comment_ids)).varint(13, comment_ids).encode(),  # comment
    ]
    return b"".join(p.tobytes() for p in parts)


def write_pprof(model: Model, out: BinaryIO, at_ns: int | None = None) -> Samples:
    """Write the goroutine profile of ``model`` (gzipped) to ``out``; returns its samples."""
    samples = goroutine_samples(model, at_ns)
    when = "end" if at_ns is None else f"at {format_duration(at_ns)}"
    comments = [f"gotrace export of {model.source.path} ({model.source.format}), {when}"]
    data = encode_profile(model, samples, comments)
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as gz:
        gz.write(data)
    return samples
