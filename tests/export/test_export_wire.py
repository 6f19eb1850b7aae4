"""The columnar protobuf encoder against the protobuf runtime: what it writes, protobuf reads back."""

from __future__ import annotations

import numpy as np
import pytest
from export_helpers import perfetto_trace, profile_class
from hypothesis import given, settings
from hypothesis import strategies as st

from gotrace.export.wire import Batch, Encoded, packed_varints, strings, varint_bytes, varint_sizes

U64 = st.integers(min_value=0, max_value=2**64 - 1)
I64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@given(st.lists(U64, max_size=50))
def test_varint_sizes_match_the_encoding(values: list[int]) -> None:
    sizes = varint_sizes(np.array(values, np.uint64))
    assert sizes.tolist() == [len(varint_bytes(v)) for v in values]


event = st.fixed_dictionaries({
    "ts": U64, "type": st.integers(1, 4), "track": U64, "name": st.none() | st.integers(1, 2**31),
    "goroutine": st.none() | I64, "flow": st.none() | U64, "counter": I64,
    "label": st.none() | st.text(max_size=20),
})


@settings(max_examples=60, deadline=None)
@given(st.lists(event, max_size=30))
def test_nested_batches_parse_as_perfetto_packets(events: list[dict]) -> None:
    Trace = perfetto_trace()
    n = len(events)

    def col(k: str, dtype: type, fill: int = 0) -> np.ndarray:
        return np.array([fill if e[k] is None else e[k] for e in events], dtype)

    def has(k: str) -> np.ndarray:
        return np.array([e[k] is not None for e in events], bool)

    annotation = Batch(n).varint(1, 7).varint(4, col("goroutine", np.int64))
    te = (Batch(n).varint(9, col("type", np.int64)).varint(11, col("track", np.uint64))
          .varint(10, col("name", np.int64), present=has("name"))
          .message(23, strings([e["label"] or "" for e in events]), present=has("label"))
          .message(4, annotation, present=has("goroutine"))
          .fixed64(47, col("flow", np.uint64), present=has("flow"))
          .varint(30, col("counter", np.int64)))
    packet = Batch(n).varint(8, col("ts", np.uint64)).message(11, te).varint(10, 1)
    trace = Trace()
    trace.ParseFromString(Batch(n).message(1, packet).encode().tobytes())
    assert len(trace.packet) == n
    for p, e in zip(trace.packet, events, strict=True):
        assert p.timestamp == e["ts"] and p.trusted_packet_sequence_id == 1
        t = p.track_event
        assert (t.type, t.track_uuid, t.counter_value) == (e["type"], e["track"], e["counter"])
        # name_iid (10) and name (23) are a oneof: the last one written wins.
        if e["label"] is not None:
            assert t.name == e["label"]
        elif e["name"] is not None:
            assert t.name_iid == e["name"]
        assert [(d.name_iid, d.int_value) for d in t.debug_annotations] == (
            [] if e["goroutine"] is None else [(7, e["goroutine"])])
        assert list(t.flow_ids) == ([] if e["flow"] is None else [e["flow"]])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 2**40), max_size=6), max_size=12))
def test_packed_and_raw_repeated_fields_parse_as_pprof_samples(stacks: list[list[int]]) -> None:
    Profile = profile_class()
    n = len(stacks)
    counts = np.array([len(s) for s in stacks], np.int64)
    flat = np.array([v for s in stacks for v in s], np.int64)
    # Two labels per sample, as already-encoded ``label`` fields (3).
    labels = Batch(2 * n).varint(1, np.arange(2 * n)).varint(2, np.arange(2 * n) + 1)
    label_fields = Batch(2 * n).message(3, labels).encode()
    per_sample = Encoded(label_fields.data, label_fields.offsets[np.arange(0, 2 * n + 1, 2)])
    sample = (Batch(n).message(1, packed_varints(flat, counts), present=counts > 0)
              .message(2, packed_varints(np.arange(n), np.ones(n, np.int64))).raw(per_sample))
    prof = Profile()
    prof.ParseFromString(Batch(n).message(2, sample).encode().tobytes())
    assert [list(s.location_id) for s in prof.sample] == stacks
    assert [list(s.value) for s in prof.sample] == [[i] for i in range(n)]
    assert [[(lab.key, lab.str) for lab in s.label] for s in prof.sample] == [
        [(2 * i, 2 * i + 1), (2 * i + 1, 2 * i + 2)] for i in range(n)]


def test_a_batch_refuses_payloads_for_another_number_of_messages() -> None:
    with pytest.raises(ValueError):
        Batch(3).message(1, strings(["a", "b"]))
