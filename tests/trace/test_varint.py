import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotrace.trace.varint import (
    TruncatedVarint,
    VarintOverflow,
    encode_uvarint,
    units,
    uvarint,
    uvarints,
    uvarints_at,
)


@given(st.lists(st.integers(0, 2**64 - 1), max_size=50))
def test_round_trip_scalar_and_bulk(values: list[int]) -> None:
    data = b"".join(encode_uvarint(v) for v in values)
    pos = 0
    got = []
    for _ in values:
        v, pos = uvarint(data, pos)
        got.append(v)
    assert got == values and pos == len(data)
    bulk, starts = uvarints(np.frombuffer(data, np.uint8))
    assert bulk.tolist() == values
    assert len(starts) == len(values)


def test_max_value_is_ten_bytes() -> None:
    enc = encode_uvarint(2**64 - 1)
    assert len(enc) == 10 and enc[-1] == 1
    assert uvarint(enc, 0) == (2**64 - 1, 10)


@pytest.mark.parametrize(
    "data",
    [
        b"\xff" * 9 + b"\x02",  # 10th byte above 1: more than 64 bits
        b"\x80" * 10 + b"\x00",  # 11 bytes
        b"\x80\x80",  # ends inside the varint
        b"",
    ],
)
def test_overflow_and_truncation_raise(data: bytes) -> None:
    with pytest.raises(ValueError):
        uvarint(data, 0)
    if data:
        with pytest.raises(ValueError):
            uvarints(np.frombuffer(data, np.uint8))


def test_offset() -> None:
    assert uvarint(b"\x00\xac\x02\x05", 1) == (300, 3)


@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=30))
def test_at_positions_and_units_agree_with_the_scalar_decoder(values: list[int]) -> None:
    data = b"".join(encode_uvarint(v) for v in values)
    buf = np.frombuffer(data, np.uint8)
    _, starts = uvarints(buf)
    got, after = uvarints_at(buf, starts)
    assert got.tolist() == values
    assert after.tolist() == [*starts[1:].tolist(), len(data)]
    u = units(buf)
    assert u.values.tolist() == values and not u.overflow.any()
    assert u.starts.tolist() == starts.tolist()


def test_units_flag_what_go_rejects_and_stop_at_the_last_terminator() -> None:
    data = b"\x05" + b"\xff" * 9 + b"\x02" + b"\x80" * 10 + b"\x00" + b"\x81"
    u = units(np.frombuffer(data, np.uint8))
    assert u.overflow.tolist() == [False, True, True]
    assert u.ends.tolist() == [0, 10, 21]  # the trailing 0x81 ends no unit


def test_errors_say_which_kind() -> None:
    with pytest.raises(TruncatedVarint):
        uvarint(b"\x80", 0)
    with pytest.raises(VarintOverflow):
        uvarint(b"\xff" * 9 + b"\x02", 0)
    with pytest.raises(TruncatedVarint):
        uvarints(np.frombuffer(b"\x01\x80", np.uint8))
    with pytest.raises(VarintOverflow):
        uvarints(np.frombuffer(b"\xff" * 10 + b"\x01", np.uint8))
