"""Per-P timelines as text: one row of block characters per P, GC and STW rows, a time axis.

Each column covers an equal slice of the range; its character says how much of
that slice the row was busy: ' ' nothing, then up to a quarter, half, three
quarters, all (░ ▒ ▓ █). Any activity at all shows at least ░, so a 10 µs
stop-the-world pause stays visible in a 1 s column.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..analysis.procs import ProcTimeline
from ..durations import format_duration, nice_ceiling

SHADES = " ░▒▓█"


def shade(fractions: npt.NDArray[np.float64]) -> str:
    levels = np.clip(np.ceil(np.clip(fractions, 0.0, 1.0) * 4), 0, 4).astype(np.int64)
    return "".join(SHADES[k] for k in levels.tolist())


def axis(t0: int, t1: int, width: int, indent: int) -> list[str]:
    """A tick line and a label line under ``width`` columns covering [t0, t1)."""
    step = nice_ceiling((t1 - t0) * 12 / max(width, 1))
    line = ["─"] * width
    first = -(-t0 // step) * step
    text = [" "] * (width + 12)
    free = 0
    for t in range(first, t1, step):
        col = (t - t0) * width // (t1 - t0)
        line[col] = "┬"
        label = format_duration(t) if t else "0"
        if col >= free and col + len(label) <= len(text):
            text[col : col + len(label)] = label
            free = col + len(label) + 2
    pad = " " * indent
    return [f"{pad}└{''.join(line)}┘", f"{pad} {''.join(text)}".rstrip()]


def render_procs(tl: ProcTimeline, t0: int, t1: int, width: int) -> str:
    labels = [f"P{p}" for p in tl.procs] + ["GC", "STW"]
    lw = max(len(x) for x in labels) + 1
    rows = []
    util = tl.utilisation(t0, t1)
    for p in tl.procs:
        rows.append(f"{f'P{p}':<{lw}}│{shade(tl.density(p, t0, t1, width))}│ {100 * util[p]:5.1f}%")
    gc = tl.gc.density(t0, t1, width)
    stw = tl.stw.density(t0, t1, width)
    rows.append(f"{'GC':<{lw}}│{shade(gc)}│ {100 * tl.gc.covered(t0, t1) / max(t1 - t0, 1):5.1f}%")
    rows.append(f"{'STW':<{lw}}│{shade(stw)}│ {100 * tl.stw.covered(t0, t1) / max(t1 - t0, 1):5.1f}%")
    return "\n".join(rows + axis(t0, t1, width, lw))


def summary_line(tl: ProcTimeline, t0: int, t1: int) -> str:
    util = tl.utilisation(t0, t1)
    overall = sum(util.values()) / max(len(util), 1)
    gs, _ = tl.gc_intervals(t0, t1)
    ss, se, _ = tl.stw_intervals(t0, t1)
    longest = format_duration(int((se - ss).max())) if len(ss) else "-"
    return (f"{len(tl.procs)} Ps, {format_duration(t0) if t0 else '0'} – {format_duration(t1)}: "
            f"{100 * overall:.1f}% busy on average; {len(gs)} GC mark phase{'s' if len(gs) != 1 else ''}, "
            f"{len(ss)} stop-the-world pause{'s' if len(ss) != 1 else ''} (longest {longest})")
