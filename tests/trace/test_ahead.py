"""The reader one chunk ahead on a thread: same chunks, same order, its errors raised where
they happened, and a caller that stops early stops it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import closing

import pytest

from gotrace.trace.ahead import read_ahead


def test_the_same_chunks_in_the_same_order() -> None:
    assert list(read_ahead(range(1000))) == list(range(1000))
    assert list(read_ahead([])) == []


def test_the_readers_error_is_raised_after_the_chunks_before_it() -> None:
    def chunks() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("broken generation")

    got = []
    with pytest.raises(ValueError, match="broken generation"):
        for c in read_ahead(chunks()):
            got.append(c)
    assert got == [1, 2]


def test_reading_happens_on_another_thread_one_chunk_ahead() -> None:
    threads: list[str] = []
    read: list[int] = []

    def chunks() -> Iterator[int]:
        for i in range(5):
            threads.append(threading.current_thread().name)
            read.append(i)
            yield i

    it = read_ahead(chunks())
    assert next(it) == 0
    deadline = time.monotonic() + 5
    while len(read) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert read == [0, 1]  # chunk 1 is read while the caller holds chunk 0, and no further
    assert set(threads) == {"gotrace-read-ahead"}
    assert list(it) == [1, 2, 3, 4]


def test_a_caller_that_stops_early_stops_the_reader_and_closes_its_source() -> None:
    closed = threading.Event()
    produced: list[int] = []

    def chunks() -> Iterator[int]:
        try:
            for i in range(10**6):
                produced.append(i)
                yield i
        finally:
            closed.set()

    with pytest.raises(KeyError), closing(read_ahead(chunks())) as it:
        for c in it:
            if c == 3:
                raise KeyError("the summary failed")  # e.g. out of memory in Collector.add
    assert closed.wait(5)
    assert len(produced) <= 6
    assert not any(t.name == "gotrace-read-ahead" for t in threading.enumerate())


def test_closing_the_generator_stops_the_reader() -> None:
    it = read_ahead(iter(range(10**6)))
    assert next(it) == 0
    it.close()
    assert not any(t.name == "gotrace-read-ahead" for t in threading.enumerate())
