import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotrace.trace.varint import encode_uvarint, uvarint, uvarints


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
