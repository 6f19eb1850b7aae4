"""Read the ``eventdump`` text format (see gotrace/trace/textdump.py) into chunks.

Lets model tests state small event streams literally, and lets Go's own ordered
stream (from the Go tool ``eventdump``) feed the model directly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from gotrace.tables import Tables
from gotrace.trace.events import ChunkBuilder, EventChunk


def _stack(tables: Tables, text: str) -> int:
    if text == "-":
        return 0
    ids = []
    for part in text.split(";"):
        func, _, loc = part.partition("@")
        file, _, line = loc.rpartition(":")
        ids.append(tables.frame(func, file, int(line)))
    return tables.stack(tuple(ids))


def parse_lines(lines: Iterable[str], tables: Tables) -> EventChunk:
    b = ChunkBuilder()
    for line in lines:
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        head, trans, tstack, task = line.split(" | ")
        t, k, g, p, m, stack = head.split(" ", 5)
        rk, res, frm, to, name = trans.split(" ", 4)
        b.add(int(t), int(k), int(g), int(p), int(m), _stack(tables, stack), int(rk), int(res),
              int(frm), int(to), tables.string(json.loads(name)), _stack(tables, tstack),
              int(task))
    return b.freeze()
