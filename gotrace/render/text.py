"""The small formatters every view shares: counts, plurals, durations, rates, names, safety.

The CLI's tables and the TUI's screens say the same things the same way, so they
format through here: "1 goroutine", "3,000 goroutines"; a dump's sub-minute wait
as ``<1m``; ``collection.NewTimingWheel`` for the package path a Go engineer says.

Text from the input (function names, labels, file paths, panic messages) can
hold terminal escapes, carriage returns and bidi overrides; :func:`safe` makes
them visible (``\\x1b``, ``\\u202e``) so printing a name can never clear the
screen, set the window title, plant a hyperlink, reorder what is shown, or
split one line into two. Every text output goes through it; JSON does not
(its encoder escapes control characters, and scripts get the exact bytes).
"""

from __future__ import annotations

import textwrap

from ..durations import format_duration, in_ticks
from ..tables import Frame

NS_PER_MINUTE = 60_000_000_000

# C0 controls, DEL, C1 controls, the Unicode bidi controls and marks, and the line and
# paragraph separators (str.splitlines breaks there: one message must stay one line).
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029)
_UNSAFE = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
_UNSAFE.update({c: f"\\u{c:04x}" for c in _BIDI})
# Lone surrogates: a file name's undecodable bytes (surrogateescape) as the bytes they were;
# printed raw they would be invalid UTF-8, or stop a strict stdout with UnicodeEncodeError.
_UNSAFE.update({c: f"\\x{c - 0xDC00:02x}" for c in range(0xDC80, 0xDD00)})
_UNSAFE.update({c: f"\\u{c:04x}" for c in range(0xD800, 0xE000) if c not in _UNSAFE})
_UNSAFE_CHARS = frozenset(chr(c) for c in _UNSAFE)


def safe(s: str) -> str:
    """``s`` with control characters (tab and newline too: a cell is one line), bidi controls,
    line separators and lone surrogates shown as escapes."""
    if _UNSAFE_CHARS.isdisjoint(s):
        return s
    return s.translate(_UNSAFE)


def count(n: int) -> str:
    return f"{n:,}"


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """``1 goroutine``, ``2 goroutines``, ``1,200 groups``."""
    return f"{n:,} {noun if n == 1 else (nouns or noun + 's')}"


def dur(ns: int) -> str:
    """A duration; ``-`` for unknown (negative)."""
    return format_duration(int(ns)) if ns >= 0 else "-"


def wait(ns: int | None, minutes_only: bool) -> str:
    """A wait age as the data knows it: a dump prints waits in whole minutes from one
    minute up, so anything shorter is ``<1m`` there; unknown is ``-``."""
    if ns is None or ns < 0:
        return "-"
    if minutes_only and ns < NS_PER_MINUTE:
        return "<1m"
    return format_duration(ns)


def at(ns: int) -> str:
    """A time since the start of the trace: ``0`` rather than ``0ns`` at the start."""
    return "0" if ns == 0 else dur(ns)


def rate(per_s: float) -> str:
    """Goroutines per second, three significant figures at most: ``40k/s``, ``1.6k/s``, ``8/s``
    (per billion ticks, ``/Gt``, when times are ticks)."""
    return _rate(per_s).replace("/s", "/Gt") if in_ticks() else _rate(per_s)


def _rate(per_s: float) -> str:
    if per_s >= 1e6:
        return f"{per_s / 1e6:.1f}M/s"
    if per_s >= 1e4:
        return f"{per_s / 1e3:.0f}k/s"
    if per_s >= 1e3:
        return f"{per_s / 1e3:.1f}k/s"
    return f"{per_s:.0f}/s" if per_s >= 10 or per_s == 0 else f"{per_s:.1f}/s"


_SPARK = " ▁▂▃▄▅▆▇█"


def sparkline(series: list[int], width: int) -> str:
    """The series squeezed into ``width`` cells (max per cell), scaled to its own peak."""
    if not series or width <= 0:
        return ""
    n = len(series)
    cells = min(width, n)
    bins = [max(series[i * n // cells: max((i + 1) * n // cells, i * n // cells + 1)]) for i in range(cells)]
    top = max(bins) or 1
    return "".join(_SPARK[0 if v == 0 else max(1, round(v * 8 / top))] for v in bins)


def short_func(func: str) -> str:
    """``example.com/shop/collection.(*T).run`` -> ``collection.(*T).run``: the part people say."""
    head, bracket, rest = func.partition("[")  # generic arguments may hold slashes
    return head.rsplit("/", 1)[-1] + bracket + rest


def short_file(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def site(f: Frame | None, unknown: str = "(unknown)", full: bool = True) -> str:
    """``pkg.Func (file.go:42)``: what a Go engineer greps for; ``full=False`` drops the
    package path (``collection.NewTimingWheel (timingwheel.go:12)``)."""
    if f is None or not f.func:
        return unknown
    func = f.func if full else short_func(f.func)
    return f"{func} ({short_file(f.file)}:{f.line})" if f.file else func


def shorten_site(label: str) -> str:
    """A :func:`site` label with its package path dropped; other text is left as it is."""
    if "/" not in label:
        return label
    head, sep, tail = label.partition(" (")
    return short_func(head) + sep + tail


def wrap(text: str, width: int | None, indent: int = 2) -> str:
    """A line of prose wrapped to the terminal (``width`` None: not a terminal, one line),
    its continuation lines indented by ``indent``."""
    if width is None or len(text) <= width:
        return text
    return textwrap.fill(text, width, subsequent_indent=" " * indent, break_on_hyphens=False)
