"""Parse the input in a child process and hand the model back.

In a thread the parser holds the GIL and every keypress waits behind it; in a
process the UI stays free (DESIGN.md, TUI lessons) and Escape stops the parse at
once. The analyses the first pages show (summary, spikes, long-lived groups,
the per-P index) are computed there too, so no page freezes when first opened.
The child is a plain ``python -m gotrace.tui.loader`` that writes length-prefixed
pickles to its stdout: ``multiprocessing`` would need the real stderr
descriptor, which Textual has replaced. This module imports no Textual.
"""

from __future__ import annotations

import pickle
import struct
import subprocess
import sys
import tempfile
import time
from typing import IO, Any

from gotrace.errors import GotraceError

Msg = tuple[str, Any]
_LEN = struct.Struct("<Q")


def _send(out: IO[bytes], kind: str, value: object) -> None:
    data = pickle.dumps((kind, value), protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_LEN.pack(len(data)) + data)
    out.flush()


def child(path: str, snapshot: int | None, out: IO[bytes]) -> None:
    from gotrace.inputs import open_input
    from gotrace.load import load_raw

    from .session import precompute

    try:
        raw = open_input(path)
        _send(out, "total", len(raw.data))
        last = 0.0

        def progress(done: int) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= 0.05:
                last = now
                _send(out, "progress", done)

        model = load_raw(raw, progress, snapshot)
        _send(out, "analysing", None)
        # One pickle, so the analyses' references to the model arrive as references.
        _send(out, "model", (model, precompute(model)))
    except GotraceError as e:
        _send(out, "error", str(e))
    except MemoryError:
        _send(out, "error", "out of memory while loading the input")
    except Exception as e:  # a bug: say what it was rather than leave the UI waiting
        _send(out, "error", f"internal error while loading: {type(e).__name__}: {e}")


class Loader:
    """A running parse: call :meth:`next_message` until ("model", (model, precomputed)) or ("error", text)."""

    def __init__(self, path: str, snapshot: int | None = None) -> None:
        # -P: never let a source checkout in the working directory shadow the
        # installed package (the checkout's gotrace/ has no tui/ inside).
        args = [sys.executable, "-P", "-m", "gotrace.tui.loader", path]
        if snapshot is not None:
            args.append(str(snapshot))
        # A pipe could fill up and stall the child; the file lives as long as the loader.
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=self.errors)
        assert self.process.stdout is not None
        self.stream = self.process.stdout

    def next_message(self) -> Msg:
        """Blocks until the next message; ("error", ...) if the child died without one."""
        head = self.stream.read(_LEN.size)
        if len(head) == _LEN.size:
            (n,) = _LEN.unpack(head)
            data = self.stream.read(n)
            if len(data) == n:
                msg: Msg = pickle.loads(data)
                return msg
        code = self.process.wait()
        self.errors.seek(0)
        err = self.errors.read().decode(errors="replace").strip()
        last = err.splitlines()[-1] if err else f"exit code {code}"
        return ("error", f"the loader stopped unexpectedly ({last})")

    def cancel(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(2)


if __name__ == "__main__":
    child(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None, sys.stdout.buffer)
