"""Parse the input in a child process; stream the model, then each analysis, back.

In a thread the parser holds the GIL and every key press waits behind it; in a
process the UI stays free (DESIGN.md, TUI lessons) and cancelling is a kill. The
child is a plain ``python -m gotrace.tui.loader`` that writes framed pickles to
its stdout (``multiprocessing`` would need the real stderr descriptor, which
Textual has replaced). This module imports no Textual.

The model goes first, as soon as it exists, so the first page shows while the
analyses (:data:`gotrace.tui.session.ANALYSES`) are still being computed; each
follows in its own frame. Frames use pickle protocol 5 with out-of-band buffers:
a model is mostly numpy arrays (600 MB for a 60 MB trace), and pickling them in
band cost 6 s to write and 5 s to read, with the bytes and the arrays both in
the UI's memory at once. Out of band, on Linux, the child writes each array into
a memory file the UI created and passed to it, and the UI maps those pages as the
arrays' memory: no copy through the pipe (2.5 s for the model on a busy
two-core machine). Elsewhere the arrays follow their frame on the pipe, each
read straight into a buffer of its own. An analysis that refers to the model (a
timeline index, the leak report) is pickled with the model as a persistent
reference, so it arrives pointing at the model the UI already holds rather than
at a copy. A model the child found in the model cache (:mod:`gotrace.cache`) is
sent the same way, as a reference to its cache entry, which the UI maps itself:
a second open of a big trace shows Overview in about a second. A trace file is read
as the CLI reads it, without its interval table, and read again for the table after the
model and Overview's findings are sent (:func:`gotrace.load.intervals_again`); it follows
as an analysis (``intervals``), and the model is then saved in the cache, before the
indexes. A trace from stdin or a URL cannot be read twice: its table is kept during the
read and sorted in the same turn. Either way the table is written to files in the UI's
spill directory (:mod:`gotrace.model.spill`), never held whole in the child's memory
(the child peaked at 1,446 MiB on a 111 MB trace; its private peak is now 415-428 MiB),
and crosses the pipe as the files' names: the UI maps the same files, and pages in what
it shows. :mod:`gotrace.tui.spawn` starts the child, before the viewer imports numpy or Textual.

Every way out (Escape, ``q``, Ctrl+C, an error, the UI dying) ends the child: the
UI kills and reaps it in :meth:`Loader.close`, and on Linux the child asks the
kernel to kill it when the UI's process goes away without closing it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import mmap
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from gotrace.errors import GotraceError
from gotrace.model import Model
from gotrace.model.spill import file_of
from gotrace.spilldir import directory, use

from .spawn import Child, spawn

if TYPE_CHECKING:
    from gotrace.model.from_trace import IntervalsLater


@dataclass(frozen=True, slots=True)
class Opened:
    """The input is in memory: its size in bytes, and whether it is a trace or a dump."""

    total: int
    kind: str


@dataclass(frozen=True, slots=True)
class Progress:
    """Bytes of a trace read so far (a dump's parser reports none)."""

    done: int


@dataclass(frozen=True, slots=True)
class Loaded:
    """The model with the analyses that come with it, and those that will follow, in order."""

    model: Model
    results: dict[str, Any]
    coming: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Computed:
    """One analysis of the model, named as in ``ANALYSES``."""

    name: str
    value: Any


@dataclass(frozen=True, slots=True)
class Failed:
    """The one line to show. Before :class:`Loaded` the input cannot be viewed; after it,
    the analyses not yet sent are left to the UI. ``detail`` is a traceback for
    ``GOTRACE_DEBUG=1``."""

    message: str
    detail: str = ""


Message = Opened | Progress | Loaded | Computed | Failed

_HEAD = struct.Struct("<QI")  # in-band pickle length, number of out-of-band buffers
_BUF = struct.Struct("<qQ")  # a buffer's offset in the shared file (-1: on the pipe), its length
# The loading screen redraws and lays itself out again on each (10 ms of the UI's CPU),
# which the child, reading on both cores, pays for: 5 a second move the bar smoothly enough.
PROGRESS_EVERY_S = 0.2


def _model_parts(model: Model) -> dict[int, str]:
    """The model and its parts by identity: what an analysis may refer to without copying."""
    parts = {id(model): "model"}
    for f in dataclasses.fields(model):
        value = getattr(model, f.name)
        if value is not None and not isinstance(value, (str, int, float, bool)):
            parts[id(value)] = f.name
    return parts


class _Writer:
    """The child's side: frames on a binary stream; big buffers into ``shared`` when given."""

    def __init__(self, out: IO[bytes], shared: int | None = None) -> None:
        self.out = out
        self.shared = shared
        self.end = 0  # of what was written to the shared file
        self.parts: dict[int, Any] = {}  # id -> persistent id: a part's name, or a cache entry
        # Arrays written early, by (id, bytes): the array (held, so that its id is not reused)
        # and its offset.
        self._early: dict[tuple[int, int], tuple[np.ndarray, int]] = {}
        self._writing: threading.Thread | None = None

    def _share(self, view: memoryview) -> int:
        """Write ``view`` to the shared file at a page boundary (mmap needs one); its offset."""
        assert self.shared is not None
        if self._writing is not None:
            self._writing.join()
            self._writing = None
        early = self._early.get((id(view.obj), view.nbytes))
        return self._append(view) if early is None else early[1]

    def _append(self, view: memoryview) -> int:
        assert self.shared is not None
        at = -(-self.end // mmap.ALLOCATIONGRANULARITY) * mmap.ALLOCATIONGRANULARITY
        done = 0
        while done < view.nbytes:
            done += os.pwrite(self.shared, view[done:], at + done)
        self.end = at + done
        return at

    def share_early(self, columns: Any) -> None:
        """Start writing the numpy arrays among ``columns``' fields (a dataclass: the
        goroutine columns) to the shared file on a thread, while the summary is computed:
        ``pwrite`` lets go of the GIL, and the model's message then finds them written
        (0.8 s of copying on 3.7 M goroutines). They must not change until it is sent."""
        if self.shared is None:
            return
        arrays = [a for f in dataclasses.fields(columns)
                  if isinstance(a := getattr(columns, f.name), np.ndarray) and a.nbytes
                  and a.flags.c_contiguous]

        def write() -> None:
            for a in arrays:
                view = a.data.cast("B")
                self._early[(id(a), view.nbytes)] = (a, self._append(view))

        self._writing = threading.Thread(target=write, name="gotrace-share", daemon=True)
        self._writing.start()

    def let_go_early(self, columns: Any) -> None:
        """Once they are sent, hold ``columns``' arrays written early as read-only maps of
        their copies in the shared file, and let go of their own memory: a trace read twice
        (the second time for its interval table) held the first model's columns on top of
        the second read's peak (1.69 against 1.45 GB on a 111 MB trace), where the viewer
        already has them. Nothing here writes to a model's columns once it is sent."""
        if self.shared is None:
            return
        if self._writing is not None:
            self._writing.join()
            self._writing = None
        for f in dataclasses.fields(columns):
            a = getattr(columns, f.name)
            if not isinstance(a, np.ndarray) or (id(a), a.nbytes) not in self._early:
                continue
            _, at = self._early.pop((id(a), a.nbytes))
            m = mmap.mmap(self.shared, a.nbytes, mmap.MAP_SHARED, mmap.PROT_READ, offset=at)
            setattr(columns, f.name, np.frombuffer(m, a.dtype, a.size).reshape(a.shape))

    def _reference(self, obj: Any) -> Any:
        """How ``obj`` crosses without its bytes: a part of the model the UI has, or a
        column mapped from a file (the interval table's), by the file's name; else None."""
        if isinstance(obj, np.memmap):
            path = file_of(obj)
            return None if path is None else ("npy", str(path))
        return self.parts.get(id(obj))

    def send(self, msg: Message) -> None:
        buffers: list[pickle.PickleBuffer] = []
        body = io.BytesIO()
        pickler = pickle.Pickler(body, protocol=5, buffer_callback=buffers.append)
        pickler.persistent_id = self._reference  # type: ignore[method-assign]
        pickler.dump(msg)
        views = [b.raw() for b in buffers]
        where = [self._share(v) if self.shared is not None and v.nbytes else -1 for v in views]
        head = _HEAD.pack(body.tell(), len(views)) + \
            b"".join(_BUF.pack(at, v.nbytes) for at, v in zip(where, views, strict=True))
        self.out.write(head)
        self.out.write(body.getbuffer())
        for at, v in zip(where, views, strict=True):
            if at < 0:
                self.out.write(v)
        self.out.flush()


class _Reader(pickle.Unpickler):
    """Resolves the child's persistent references to the model the UI already holds."""

    def __init__(self, data: bytes, buffers: list[Any], model: Model | None) -> None:
        super().__init__(io.BytesIO(data), buffers=buffers)
        self.model = model

    def persistent_load(self, pid: Any) -> Any:
        if isinstance(pid, tuple) and pid[0] == "npy":
            try:
                return np.load(pid[1], mmap_mode="r", allow_pickle=False)
            except (OSError, ValueError) as e:
                raise pickle.UnpicklingError(f"the interval table's file went away ({e})") from None
        if isinstance(pid, tuple) and pid[0] == "cache":
            from gotrace import cache

            model = cache.fetch(pid[1], pid[2])
            if model is None:
                raise pickle.UnpicklingError("its cached model went away while it was opened "
                                             "(open it again)")
            return model
        if self.model is None:
            raise pickle.UnpicklingError(f"a reference to the model ({pid}) before the model")
        return self.model if pid == "model" else getattr(self.model, pid)


def _die_with_parent(parent: int) -> None:
    """Linux: have the kernel kill this process when the UI's process ends, however it ends."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the UI ended before the request took effect
        os._exit(1)


def child(path: str, snapshot: int | None, out: IO[bytes], shared: int | None = None,
          analyses_only: bool = False, spill: Path | None = None, earlier: Sequence[str] = ()) -> None:
    """Load ``path`` and send its model, then each analysis; ``analyses_only``: the UI
    mapped the model from the cache itself, so map the same entry and send only the
    analyses it does not have (those not computed with the model). A trace's interval
    table goes to files in ``spill`` (the UI's), else this process's own directory.
    ``earlier``: captures of the same service before it (oldest first), read first, into
    the same tables; with the dumps before the one shown in its own file, its leaks are
    judged after them, as a series (they stay here: only the judgement is sent)."""
    from gotrace.cache import store_analysis
    from gotrace.inputs import open_input, reads_again
    from gotrace.load import (
        cached,
        distinct_captures,
        intervals_again,
        load_captures,
        load_dump_series,
        remember,
        start_trace,
    )
    from gotrace.tables import Tables

    from .packing import packed
    from .session import ANALYSES, still_to_come, with_model

    w = _Writer(out, shared)
    name = "stdin" if path == "-" else path
    if spill is not None:
        use(spill)  # the analyses' files too (the per-P timeline's index) go where the UI maps them
    spill = directory()
    step = "loading"

    def send_analyses(model: Model, done: dict[str, Any], rest: IntervalsLater | None = None,
                      until: str | None = None) -> None:
        """Compute and send each analysis that applies and is not in ``done``, up to ``until``
        (included); those that come with the model are computed first, unsent, if ``done``
        lacks them (later ones may ask for them). ``rest`` sorts the intervals of a trace
        just read: they come in their turn (after Overview's findings) and become a part of
        the model."""
        nonlocal step
        names = list(ANALYSES)
        for n in names[:names.index(until) + 1] if until is not None else names:
            a = ANALYSES[n]
            if a.applies(model) and n not in done:
                step = f"computing {a.title}"
                if n == "intervals" and rest is not None:
                    model.intervals = done[n] = rest()
                    w.send(Computed(n, model.intervals))  # not a part yet: sent whole
                    w.parts = _model_parts(model)
                    continue
                done[n] = a.compute(model, done.__getitem__)
                if not a.with_model and not a.local:
                    w.send(Computed(n, done[n]))

    try:
        # A series is read whole, into one table of strings and stacks: not from the cache.
        key, model = cached(path) if snapshot is None and not earlier else (None, None)
        fresh = False
        rest: IntervalsLater | None = None
        before: list[Model] = []
        again: list[str] = []
        if analyses_only:
            if model is None:
                w.send(Failed(f"{name}: its cached model went away while it was opened"))
                return
            w.parts = _model_parts(model)
            send_analyses(model, with_model(model, key))
            return
        if model is None:
            raw = open_input(path)
            w.send(Opened(raw.size, raw.kind))
            tables = Tables()
            if earlier:
                step = "reading the earlier captures"
                # The one shown first: given again as an earlier one, that one is left out.
                unique, again = distinct_captures([raw, *(open_input(p) for p in reversed(earlier))])
                for r in reversed(unique[1:]):
                    before += load_captures(r, tables)
                del unique
                step = "loading"
            last = 0.0

            def progress(done: int) -> None:
                nonlocal last
                now = time.monotonic()
                if now - last >= PROGRESS_EVERY_S:
                    last = now
                    w.send(Progress(done))

            if raw.kind == "trace" and reads_again(path):
                # Read as the CLI reads it, without the interval table (a third to a half
                # more time, twice the memory), so that Overview comes as soon; the file is
                # read again for the table while the user looks at it.
                model, _ = start_trace(raw, progress, tables, intervals=False)
                rest = partial(intervals_again, path, model, spill)
            elif raw.kind == "trace":  # stdin, a URL: its intervals are sorted after Overview
                model, rest = start_trace(raw, progress, tables, spill=spill)
            else:  # the dumps before it in the file too: its leaks are judged on them
                *more, model = load_dump_series(raw, snapshot, tables)
                before += more
            model.notices += again
            del raw  # the input's bytes: as big as the file, and no analysis reads them
            fresh = True
        else:
            w.send(Opened(model.info.size if model.info is not None else 0, model.source.kind))
            # The UI maps the same cache entry itself: only its key crosses the pipe, not
            # the columns (copying them through the memory file took seconds).
            w.parts = {id(model): ("cache", key, path)}
        step = "computing the summary"
        if fresh:
            w.share_early(model.goroutines)
        done = with_model(model, key)
        coming = still_to_come(model, done)
        w.send(Loaded(packed(model), done, coming))
        if fresh:
            w.let_go_early(model.goroutines)
        w.parts = _model_parts(model)
        done["earlier"] = before
        send_analyses(model, done, rest, until="intervals")  # Overview's findings come first
        if fresh:  # saving the columns takes seconds: after the findings, before the indexes
            step = "saving the model in the cache"
            remember(key, model)
            store_analysis(key, "summary", done["summary"])
        send_analyses(model, done)
    except GotraceError as e:
        msg = str(e)
        w.send(Failed(msg if name in msg else f"{name}: {msg}"))
    except MemoryError:
        w.send(Failed(f"{name}: out of memory while {step}"))
    except BrokenPipeError:
        os._exit(1)  # the UI went away: nobody to tell
    except Exception as e:  # a bug: one line for the screen, the traceback for GOTRACE_DEBUG
        w.send(Failed(f"{name}: internal error while {step}: {type(e).__name__}: {e} "
                      "(a bug in gotrace; GOTRACE_DEBUG=1 shows where)", traceback.format_exc()))


def _read_exact(stream: IO[bytes], n: int) -> bytes | None:
    data = stream.read(n)
    return data if len(data) == n else None


def _read_into(stream: IO[bytes], n: int) -> bytearray | None:
    """``n`` bytes into a buffer of their own: it becomes an array's memory, copied once."""
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = stream.readinto(view[got:])  # type: ignore[attr-defined]
        if not k:
            return None
        got += k
    return buf


def _ended(code: int) -> str:
    if code < 0:
        try:
            sig = signal.Signals(-code).name
        except ValueError:
            sig = f"signal {-code}"
        hint = " (out of memory?)" if -code == signal.SIGKILL else ""
        return f"killed by {sig}{hint}"
    return f"exit status {code}"


class Loader:
    """A running child. Iterate :meth:`messages` in one thread; :meth:`close` from any.

    ``stdin``: a file the child reads as its input when ``path`` is ``-``.
    """

    def __init__(self, path: str, snapshot: int | None = None, stdin: IO[bytes] | None = None,
                 cached: Model | None = None, coming: tuple[str, ...] = (),
                 child: Child | None = None, earlier: Sequence[str] = ()) -> None:
        """``cached``: the model the UI mapped from the model cache itself; the child maps the
        same entry and sends only the analyses named in ``coming``. ``child``: one already
        started on ``path`` (:func:`gotrace.tui.spawn.start_early`), else one is started.
        ``earlier``: captures before it, which its leaks are judged after."""
        self.path = "stdin" if path == "-" else path
        self.child = child or spawn(path, snapshot, stdin, analyses_only=cached is not None, earlier=earlier)
        self.process = self.child.process
        self.shared = self.child.shared
        self.errors = self.child.errors
        assert self.process.stdout is not None
        self.stream: IO[bytes] = self.process.stdout
        self.closed = False
        self.model: Model | None = cached
        self.coming = set(coming)

    def messages(self) -> Iterator[Message]:
        """Each message as it comes, until the child ends; a :class:`Failed` if it died
        before saying all it meant to; nothing more once :meth:`close` was called."""
        try:
            yield from self._messages()
        finally:
            for f in (self.stream, self.errors):
                f.close()
            if self.shared is not None:  # the arrays' mappings keep their pages
                os.close(self.shared)
                self.shared = None

    def _messages(self) -> Iterator[Message]:
        coming = self.coming
        while not self.closed:
            msg = self._next()
            if msg is None:
                break
            if isinstance(msg, Loaded):
                self.model = msg.model
                coming = set(msg.coming)
            elif isinstance(msg, Computed):
                coming.discard(msg.name)
            yield msg
            if isinstance(msg, Failed) or (self.model is not None and not coming):
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(2)  # it has said everything: let it end by itself
                self.close()
                return
        if self.closed:
            return
        code = self.process.wait()
        self.errors.seek(0)
        err = self.errors.read().decode(errors="replace").strip()
        why = err.splitlines()[-1] if err else _ended(code)
        what = "loader" if self.model is None else "analysis process"
        yield Failed(f"{self.path}: the {what} stopped unexpectedly ({why})", err)
        self.close()

    def _next(self) -> Message | None:
        head = _read_exact(self.stream, _HEAD.size)
        if head is None:
            return None
        size, nbuf = _HEAD.unpack(head)
        table = _read_exact(self.stream, _BUF.size * nbuf)
        data = _read_exact(self.stream, size)
        if table is None or data is None:
            return None
        buffers: list[Any] = []
        for at, n in _BUF.iter_unpack(table):
            if at >= 0:  # mapped copy-on-write: the pages are the child's copy, not read again
                assert self.shared is not None
                buffers.append(mmap.mmap(self.shared, n, access=mmap.ACCESS_COPY, offset=at))
                continue
            buf = _read_into(self.stream, n)
            if buf is None:
                return None
            buffers.append(buf)
        try:
            msg: Message = _Reader(data, buffers, self.model).load()
        except pickle.UnpicklingError as e:
            return Failed(f"{self.path}: {e}")
        return msg

    def close(self) -> None:
        """Kill the child if it still runs, and reap it; idempotent, from any thread.

        A read blocked in :meth:`messages` then ends at once (the pipe closes), and
        the reading thread closes the files.
        """
        self.closed = True
        self.child.kill()


def main(argv: list[str]) -> None:
    """``python -m gotrace.tui.loader PATH UI_PID SHARED_FD SPILL_DIR SNAPSHOT|analyses|all
    [EARLIER...]``: what the UI runs (SHARED_FD -1: no memory file, every buffer on the pipe;
    SPILL_DIR: where the interval table's files go; ``analyses``: the UI has the cached
    model, send only the analyses; EARLIER: captures before PATH, oldest first)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the UI owns the terminal's keys
    _die_with_parent(int(argv[2]))
    shared = int(argv[3])
    mode = argv[5]
    snapshot = int(mode) if mode not in ("analyses", "all") else None
    child(argv[1], snapshot, sys.stdout.buffer, shared if shared >= 0 else None,
          analyses_only=mode == "analyses", spill=Path(argv[4]), earlier=argv[6:])


if __name__ == "__main__":
    # Run from the module's own name, not __main__: the messages it pickles must name
    # classes the UI can import (gotrace.tui.loader.Opened, not __main__.Opened).
    from gotrace.tui import loader

    loader.main(sys.argv)
