"""``gotrace goroutines DUMP``: stack groups of a goroutine dump, table or JSON."""

from __future__ import annotations

import re

import click

from ..dump.grouping import GroupBy, group_goroutines
from ..dump.jsonshape import snapshot_json
from ..durations import format_duration
from ..errors import WrongInputKindError
from ..model import Model
from ..render.table import count, render_table
from ..tables import site_label
from .common import emit_json


def _wait(ns: int | None) -> str:
    if ns is None:
        return "-"
    return "<1m" if ns == 0 else format_duration(ns)


def run_dump(model: Model, older_than: int | None, states: tuple[str, ...], match: re.Pattern[str] | None,
             group_by: str, hide_idle: bool, fmt: str) -> None:
    snap = model.snapshot
    tables = model.tables
    if snap.kind == "debug1" and (older_than is not None or states or match):
        raise WrongInputKindError(
            f"{model.source.path}: a debug=1 profile has no per-goroutine state or wait; "
            "--older-than, --state and --match need a debug=2 dump"
        )
    by: GroupBy = group_by  # type: ignore[assignment]
    groups = group_goroutines(snap, tables, by=by, older_than_ns=older_than, hide_idle=hide_idle,
                              states=list(states) or None, match=match)
    if fmt == "json":
        chosen = None
        if snap.kind != "debug1":
            wanted = {i for grp in groups for i in grp.ids}
            chosen = [g for g in snap.goroutines if g.id in wanted]
        emit_json(snapshot_json(snap, tables, model.source.path, goroutines=chosen, groups=groups))
        return
    shown = sum(grp.count for grp in groups)
    total = snap.goroutine_count
    what = model.source.format
    if snap.panic_message:
        what += ", " + snap.panic_message.splitlines()[0]
    click.echo(f"{count(shown)} of {count(total)} goroutines in {len(groups):,} groups ({what})")
    if not groups:
        return
    with_labels = any(grp.labels for grp in groups)
    rows = []
    for grp in groups:
        cb = grp.created_by
        created = site_label(cb[0], cb[1], cb[2]) if cb else "-"
        wait = (f"{_wait(grp.wait_min_ns)} / {_wait(grp.wait_median_ns)} / {_wait(grp.wait_max_ns)}"
                if grp.wait_max_ns else "-")
        sample = ", ".join(map(str, grp.sample_ids(3))) + (" …" if grp.count > 3 else "")
        row = [count(grp.count), grp.state or "-", wait, grp.name, created]
        if with_labels:
            row.append(_labels(grp.labels))
        rows.append([*row, sample])
    head = ["COUNT", "STATE", "WAIT min/med/max", "WHERE", "CREATED BY"]
    head += ["LABELS", "IDS"] if with_labels else ["IDS"]
    click.echo(render_table(head, rows, right=(0,)))


def _labels(labels: dict[str, list[str]], most: int = 3) -> str:
    """``queue=orders|payments tenant=a``: each key with the values seen (a few, then +N)."""
    parts = []
    for k, vals in labels.items():
        shown = "|".join(vals[:most]) + (f"|+{len(vals) - most}" if len(vals) > most else "")
        parts.append(f"{k}={shown}")
    return " ".join(parts) or "-"

