"""Input strings as rich Text, never markup, and the short labels every screen shares.

Function names, file paths and labels come from the traced program; a function
called ``[bold]`` or a label holding an escape sequence must be shown, not obeyed,
so every such string goes through :func:`lit`.
"""

from __future__ import annotations

import zlib

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text

from gotrace.durations import format_duration
from gotrace.tables import Frame

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


def lit(s: str, style: Style | str = "") -> Text:
    """A literal Text: control characters made visible, markup never parsed."""
    clean = s.translate(_CONTROLS) if any(ord(c) < 32 or ord(c) == 127 for c in s) else s
    return Text(clean, style=style, no_wrap=True, overflow="ellipsis")


_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(32), 127)}


def clean(s: str) -> str:
    """The plain string with control characters escaped (for Segments)."""
    return s.translate(_CONTROLS)


def colour_of(name: str) -> str:
    return PALETTE[zlib.crc32(name.encode()) % len(PALETTE)]


def state_colour(label: str) -> str:
    return STATE_COLOURS.get(label, "red" if label != "unknown" else "white")


def short_file(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def short_func(func: str) -> str:
    """``example.com/shop/collection.(*T).run`` -> ``collection.(*T).run``: the part people say."""
    head, bracket, rest = func.partition("[")  # generic arguments may hold slashes
    return head.rsplit("/", 1)[-1] + bracket + rest


def site(f: Frame | None, unknown: str = "(unknown)", full: bool = False) -> str:
    """``pkg.Func (file.go:42)``: what a Go engineer greps for."""
    if f is None or not f.func:
        return unknown
    func = f.func if full else short_func(f.func)
    return f"{func} ({short_file(f.file)}:{f.line})" if f.file else func


def dur(ns: int) -> str:
    return format_duration(int(ns)) if ns >= 0 else "-"


def count(n: int) -> str:
    return f"{n:,}"


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
}
TRACE_ONLY = {"spikes", "timeline"}


def tabs(current: str, is_trace: bool, title: str) -> Text:
    """The top line of every page: where each page is (its key), which one this is, what it shows."""
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
    out.append(title, style=DIM)
    return out
