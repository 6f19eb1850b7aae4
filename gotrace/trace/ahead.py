"""Read the next chunk of events on a thread while the caller takes in this one.

A big trace's load is two halves of about equal weight: reading (decoding and
ordering a generation, in C with the GIL held) and summarizing (the C summary's
``Collector.add``, which releases the GIL). Run one after the other they take their
sum; with the reader one chunk ahead on a thread of its own, the summary of chunk k
runs while chunk k+1 is read, on a second core when there is one. The chunks and
their order are the same either way, so the model is too: only the time changes.

At most two chunks are alive: the one the caller holds and the one being read (a
chunk is 2**17 events, ~8 MB): one more than without the thread, and on one core
nothing more than a thread switch a chunk.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable
from typing import TypeVar

T = TypeVar("T")

_POLL_S = 0.05  # how soon a reader waiting for room notices the caller has gone


class _End:
    """The reader's last word: the chunks ran out (``error`` None) or raised ``error``."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def read_ahead(chunks: Iterable[T]) -> Generator[T, None, None]:
    """``chunks``, each read by a thread while the caller handles the one before.

    An exception of the reader's is raised here, at the chunk it failed on. A caller
    that may stop early (an error of its own, ^C) closes this generator (``with
    contextlib.closing(read_ahead(...))``): the reader then stops after the chunk it is
    reading, and ``chunks`` is closed on its thread. (Left to the garbage collector, a
    traceback that holds the caller's frame would keep the reader, and a chunk, alive.)
    """
    # A chunk is read only once the one before it was taken, so the handoff holds at most
    # one item and a put never waits.
    handoff: queue.SimpleQueue[T | _End] = queue.SimpleQueue()
    room = threading.Semaphore(1)
    stop = threading.Event()

    def wait_for_room() -> bool:
        while not stop.is_set():
            if room.acquire(timeout=_POLL_S):
                return True
        return False

    def read() -> None:
        it = iter(chunks)
        try:
            while wait_for_room():
                try:
                    handoff.put(next(it))
                except StopIteration:
                    handoff.put(_End())
                    return
        except BaseException as e:  # handed to the caller, raised there
            handoff.put(_End(e))
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=read, name="gotrace-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            item = handoff.get()
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            room.release()
            yield item
    finally:
        stop.set()
        reader.join()
