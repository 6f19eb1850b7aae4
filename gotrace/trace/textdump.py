"""One text line per event, in the same layout as the Go tool ``eventdump``.

Diffing this against Go's own reader on the same trace is how the readers are
checked event by event (see tests/ and the hidden ``gotrace events`` command).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from ..tables import Tables
from .events import EventChunk


def _stack(tables: Tables, sid: int) -> str:
    if sid == 0:
        return "-"
    return ";".join(f"{f.func}@{f.file}:{f.line}" for f in tables.stack_frames(sid))


def _quote(s: str) -> str:
    # Go's %q for the ASCII text traces hold; json.dumps matches it there.
    return json.dumps(s, ensure_ascii=False)


def event_lines(chunks: Iterable[EventChunk], tables: Tables) -> Iterator[str]:
    strings = tables.strings
    for c in chunks:
        cols = (c.time, c.kind, c.g, c.p, c.m, c.stack, c.res_kind, c.res, c.frm, c.to,
                c.name, c.tstack, c.task)
        for t, k, g, p, m, s, rk, r, a, b, n, ts, task in zip(*(x.tolist() for x in cols),
                                                               strict=True):
            yield (f"{t} {k} {g} {p} {m} {_stack(tables, s)} | {rk} {r} {a} {b} "
                   f"{_quote(strings[n])} | {_stack(tables, ts)} | {task}")
