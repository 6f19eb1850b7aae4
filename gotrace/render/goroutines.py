"""The ``gotrace goroutines`` table: one row per group, the same for traces and dumps."""

from __future__ import annotations

from ..analysis.grouping import Group
from ..model import Model
from .table import Col, render_table
from .text import count, plural, safe, shorten_site, site, wait, wrap

COLUMNS_HEAD = ("COUNT", "STATE", "IN STATE min/p50/max", "BLOCKED AT", "CREATED AT")


def labels_cell(labels: dict[str, list[str]], most: int = 3) -> str:
    """``queue=orders|payments tenant=a``: each key with the values seen (a few, then +N)."""
    parts = []
    for k, vals in labels.items():
        shown = "|".join(vals[:most]) + (f"|+{len(vals) - most}" if len(vals) > most else "")
        parts.append(f"{k}={shown}")
    return " ".join(parts) or "-"


def _ids(model: Model, grp: Group, n: int = 3) -> str:
    if model.is_profile:
        return "-"
    ids = model.goroutines.id[grp.rows[:n]].tolist()
    return ", ".join(map(str, ids)) + (f" +{grp.count - n:,}" if grp.count > n else "")


def headline(model: Model, shown: int, groups: int) -> str:
    """``183 of 231 goroutines in 7 groups (debug=2)``: what the table covers."""
    total = model.goroutines.count()
    what = model.source.format
    if model.is_trace:
        from .text import dur

        what = f"{dur(model.span_ns or 0)} of {model.source.format}"
    elif model.snapshot is not None and model.snapshot.panic_message:
        what += ", " + safe(model.snapshot.panic_message.splitlines()[0])
    of = f"{count(shown)} of {plural(total, 'goroutine')}" if shown != total else plural(total, "goroutine")
    return f"{of} in {plural(groups, 'group')} ({what})"


def goroutines_table(model: Model, groups: list[Group], width: int | None, wide: bool) -> str:
    minutes = not model.is_trace
    with_labels = any(grp.labels for grp in groups)
    cols = [
        Col("COUNT", right=True),
        Col("STATE", squeeze=14),
        Col("IN STATE min/p50/max", short_header="WAIT max",
            shorten=lambda v: v.rsplit(" / ", 1)[-1]),
        Col("BLOCKED AT", flex=True, shorten=shorten_site),
        Col("CREATED AT", flex=True, shorten=shorten_site),
    ]
    if with_labels:
        cols.append(Col("LABELS", drop=3, flex=True))
    cols.append(Col("IDS", drop=4))
    rows = []
    for grp in groups:
        state = grp.state + ("*" if grp.inferred else "")
        if len(grp.states) > 1:
            state += f" (+{len(grp.states) - 1})"
        if grp.leaked:
            state += " (leaked)" if grp.leaked == grp.count else f" ({grp.leaked:,} leaked)"
        w = grp.wait
        in_state = ("-" if grp.state == "dead" or model.is_profile else
                    f"{wait(w.min, minutes)} / {wait(w.p50, minutes)} / {wait(w.max, minutes)}")
        row = [count(grp.count), state, in_state, site(grp.blocking, "-"),
               site(grp.created_at, "(unknown creator)" if model.is_trace else "-")]
        if with_labels:
            row.append(labels_cell(grp.labels))
        row.append(_ids(model, grp))
        rows.append(row)
    return render_table(cols, rows, width, wide)


def footnotes(model: Model, groups: list[Group], width: int | None) -> list[str]:
    """What a reader must know to read the table right, wrapped to the terminal."""
    notes = []
    if any(grp.inferred for grp in groups):
        notes.append("* state read from the stack: the input gave no reason")
    if model.is_profile:
        notes.append(f"{model.source.format} counts goroutines per stack; it prints no state, wait or "
                     "creator (use ?debug=2 for those)")
    return [wrap(n, width) for n in notes]
