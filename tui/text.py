"""Input strings as rich Text, never markup, and the labels every page shares.

Function names, file paths and labels come from the traced program; a function
called ``[bold]`` or a label holding an escape sequence or a bidi override must
be shown, not obeyed, so every such string goes through :func:`lit` (or
:func:`safe` for plain strings). Counts, plurals and durations come from
:mod:`gotrace.render.text`, re-exported here, so the pages say "1 goroutine"
and "0" exactly as the CLI does.
"""

from __future__ import annotations

import zlib

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text

from gotrace.render.table import cut
from gotrace.render.text import at, count, dur, plural, safe, short_func
from gotrace.render.text import site as _site
from gotrace.tables import Frame

__all__ = ["at", "count", "dur", "plural", "safe", "short_func"]

DIM = Style(dim=True)
BOLD = Style(bold=True)
HEAD = Style(bold=True, color="cyan")

# Distinguishable on dark and light terminals; a goroutine keeps its function's colour.
PALETTE = (
    "#5fafff", "#87d75f", "#ffaf5f", "#d787d7", "#5fd7d7", "#ffd75f",
    "#ff8787", "#afaf87", "#87afff", "#d7af87", "#5fd787", "#af87ff",
)
STATE_COLOURS = {
    "running": "green",
    "runnable": "yellow",
    "syscall": "magenta",
    "dead": "bright_black",
}
VERDICT_STYLES = {
    "leak": Style(bold=True, color="red"),
    "likely": Style(bold=True, color="yellow"),
    "watch": Style(color="cyan"),
    "benign": Style(dim=True),
}


def lit(s: str, style: Style | str = "") -> Text:
    """A literal Text on one line: control and bidi characters made visible, markup never parsed."""
    return Text(safe(s), style=style, no_wrap=True, overflow="ellipsis")


def colour_of(name: str) -> str:
    return PALETTE[zlib.crc32(name.encode()) % len(PALETTE)]


def state_colour(label: str) -> str:
    return STATE_COLOURS.get(label, "red" if label != "unknown" else "white")


def site(f: Frame | None, unknown: str = "(unknown)") -> str:
    """``collection.NewTimingWheel (timingwheel.go:12)``: a site without its package path,
    for columns; the goroutine page shows the full one."""
    return _site(f, unknown, full=False)


def pad_site(s: str, width: int) -> str:
    """A site fitted to ``width`` cells: cut inside its function name, keeping its
    ``(file.go:12)``, when enough of the name still shows (as the command line's tables do)."""
    return pad(cut(s, width), width) if width > 0 else ""


def pad(s: str, width: int, right: bool = False) -> str:
    """Fit to exactly ``width`` cells, with an ellipsis when cut."""
    n = cell_len(s)
    if n > width:
        return set_cell_size(s, width - 1) + "…" if width > 0 else ""
    return " " * (width - n) + s if right else s + " " * (width - n)


PAGES = {
    "overview": ("1", "Overview"),
    "spikes": ("2", "Spikes"),
    "longlived": ("3", "Long-lived"),
    "timeline": ("4", "Timeline"),
    "leaks": ("5", "Leaks"),
}
TRACE_ONLY = {"spikes", "timeline"}


def tabs(current: str, is_trace: bool, title: str) -> Text:
    """The top line of every page: where each page is (its key), which one this is, what it shows.

    A dump's line leaves out the pages only a trace has (their keys say why when pressed).
    """
    out = Text(no_wrap=True, overflow="ellipsis")
    for name, (key, label) in PAGES.items():
        if name in TRACE_ONLY and not is_trace:
            continue
        if name == current:
            out.append(f" {key} {label} ", style="bold reverse")
        else:
            out.append(f" {key} ", style="bold")
            out.append(f"{label} ", style=DIM)
    out.append("  ")
    out.append(safe(title), style=DIM)
    return out
