"""Input to model: the one pipeline the CLI and the TUI both call."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import cachekey
from .errors import WrongInputKindError
from .inputs import RawInput, open_input
from .model import Intervals, Model
from .tables import Tables

if TYPE_CHECKING:
    from .model.from_trace import IntervalsLater

Progress = Callable[[int], None]


def load_trace(raw: RawInput, progress: Progress | None = None, tables: Tables | None = None, *,
               intervals: bool = True, spill: Path | None = None) -> Model:
    """The trace's model; pass ``tables`` to compare stacks by id with another model, and
    ``intervals=False`` when nothing will read the interval table (most of the memory),
    or ``spill`` (a directory, e.g. :func:`gotrace.model.spill.directory`) to keep it in
    files there."""
    model, rest = start_trace(raw, progress, tables, intervals=intervals, spill=spill)
    if rest is not None:
        model.intervals = rest()
    return model


def start_trace(raw: RawInput, progress: Progress | None = None, tables: Tables | None = None, *,
                intervals: bool = True, spill: Path | None = None
                ) -> tuple[Model, IntervalsLater | None]:
    """The trace's model without its interval table, and (``intervals``) the call that sorts
    and returns it (into files in ``spill``, if given): the viewer shows the goroutines
    while that runs."""
    from .model.from_trace import start_trace_model
    from .trace.reader import read_events

    tables = tables if tables is not None else Tables()
    info, chunks = read_events(raw.take(), tables, progress, consume=True)
    model, rest = start_trace_model(chunks, info, tables, raw.name, intervals=intervals, spill=spill)
    model.notices[:0] = raw.notices
    return model, rest


def intervals_again(source: str, model: Model, spill: Path) -> Intervals:
    """The interval table of the trace file ``source``, read a second time, for ``model``
    read from it the first time without one (``intervals=False``), in files in ``spill``.

    The viewer shows the first read's Overview while this runs: the table costs a third to a
    half more time and twice the memory of a read without it. The same file read the same
    way makes the same goroutine rows and interns the same stacks, in ``model``'s tables;
    a file that changed in between (other goroutines, or new stacks) is an error.
    """
    from .errors import GotraceError
    from .model.from_trace import start_intervals
    from .trace.reader import read_events

    changed = GotraceError(f"{source}: the file changed while it was read; open it again")
    tables = model.tables
    n_strings, n_stacks = len(tables.strings), len(tables.stacks)
    raw = open_input(source)
    if raw.kind != "trace":
        raise changed
    info, chunks = read_events(raw.take(), tables, None, consume=True)
    ids, rest = start_intervals(chunks, info, tables, spill)
    if (len(tables.strings), len(tables.stacks)) != (n_strings, n_stacks) or \
            not np.array_equal(ids, model.goroutines.id):
        raise changed
    return rest()


def load_dump(raw: RawInput, snapshot: int | None = None, tables: Tables | None = None) -> Model:
    from .model.from_dump import build_dump_model

    return build_dump_model(raw.data, raw.name, snapshot, tables)


def load_dumps(raw: RawInput, tables: Tables | None = None) -> list[Model]:
    """Every dump of a dump input, in file order (a file of dumps appended over time is a
    series); what reading it lost comes first among the first one's notices."""
    from .model.from_dump import build_dump_models

    models = build_dump_models(raw.data, raw.name, tables)
    models[0].notices[:0] = raw.notices
    return models


def load_dump_series(raw: RawInput, snapshot: int | None = None, tables: Tables | None = None
                     ) -> list[Model]:
    """The dump :func:`load_raw` would analyse, last, after the dumps before it in the file
    (:func:`gotrace.model.from_dump.build_dump_series`): its leaks are judged against them."""
    from .model.from_dump import build_dump_series

    models = build_dump_series(raw.data, raw.name, snapshot, tables)
    models[-1].notices[:0] = raw.notices
    return models


def distinct_captures(raws: Sequence[RawInput]) -> tuple[list[RawInput], list[str]]:
    """The inputs of a series (several files of one service taken over time, oldest first),
    each capture once, and a notice for each one given again: the same capture twice would
    read as goroutines that stayed. A series is all traces or all dumps."""
    kinds = {raw.kind for raw in raws}
    if len(kinds) > 1:
        raise WrongInputKindError("a series is all traces or all dumps; got both: "
                                  + ", ".join(f"{r.name} ({r.kind})" for r in raws))
    seen: dict[bytes, str] = {}
    unique, notices = [], []
    for raw in raws:
        digest = hashlib.blake2b(raw.data, digest_size=16).digest()
        if digest in seen:
            notices.append(f"{raw.name} is the same capture as {seen[digest]}: read once")
            continue
        seen[digest] = raw.name
        unique.append(raw)
    return unique, notices


def load_captures(raw: RawInput, tables: Tables, progress: Progress | None = None) -> list[Model]:
    """Every capture ``raw`` holds, oldest first (a trace, or each dump of a file of dumps),
    without a trace's interval table: what a series' leaks are judged on (``gotrace leaks``,
    the viewer's earlier captures). ``progress``: a trace's bytes read (a dump's parser
    reports none)."""
    if raw.kind == "trace":
        return [load_trace(raw, progress, tables, intervals=False)]
    return load_dumps(raw, tables)


def load_raw(raw: RawInput, progress: Progress | None = None, snapshot: int | None = None,
             tables: Tables | None = None, *, intervals: bool = True, spill: Path | None = None
             ) -> Model:
    """A trace's or a dump's model; ``tables`` shared between models makes stack ids comparable,
    ``intervals=False`` leaves a trace's interval table out, ``spill`` keeps it in files there.

    What reading the input lost (a cut ``.gz``) comes first among the model's notices."""
    if raw.kind == "trace":
        return load_trace(raw, progress, tables, intervals=intervals, spill=spill)
    model = load_dump(raw, snapshot, tables)
    model.notices[:0] = raw.notices
    return model


def load(source: str, progress: Progress | None = None, snapshot: int | None = None) -> Model:
    return load_raw(open_input(source), progress, snapshot)


def cached(source: str, intervals: bool = True) -> tuple[str | None, Model | None]:
    """The model cache's key for ``source`` (None when it cannot be cached: stdin, a URL,
    a small file, the cache switched off) and its cached model if there is one (a lean one,
    without intervals, only if ``intervals`` are not needed)."""
    from . import cache

    if source == "-" or "://" in source or not cachekey.enabled():
        return None, None
    key = cachekey.key_of(source)
    if key is None:
        return None, None
    return key, cache.fetch(key, source, intervals)


def remember(key: str | None, model: Model) -> None:
    """Save a freshly loaded trace model in the cache under ``key`` (from :func:`cached`)."""
    if key is not None and model.is_trace:
        from . import cache

        cache.store(key, model)
