"""Go's duration syntax (``300ms``, ``1h30m``, ``1.5h``) for command-line options.

On-call engineers copy durations from Go logs and dumps; accepting exactly what
``time.ParseDuration`` accepts means no translation at 3 a.m.
"""

from __future__ import annotations

import re

import click

_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def parse_duration(text: str) -> int:
    """Nanoseconds in a Go duration string; ValueError when it is not one.

    Negative durations are refused: every option here is an age or a span.
    """
    s = text.strip()
    if s == "0":
        return 0
    if not s:
        raise ValueError("empty duration")
    pos = 0
    total = 0.0
    exact = 0
    for m in _PART.finditer(s):
        if m.start() != pos:
            break
        num, unit = m.group(1), m.group(2)
        if "." in num:
            total += float(num) * _UNITS[unit]
        else:
            exact += int(num) * _UNITS[unit]
        pos = m.end()
    if pos != len(s) or pos == 0:
        raise ValueError(f"invalid duration {text!r} (use Go syntax: 300ms, 90s, 60m, 1h30m, 1.5h)")
    return exact + round(total)


_IN_TICKS = False


def show_ticks(on: bool) -> None:
    """Format times as ticks from now on (``on``) or as durations again.

    An old-format trace that lost its frequency record has its times in the runtime's
    ticks, whose length nothing in the trace tells: shown as "12ms" they would be
    wrong by an unknown factor. The command or viewer that opens such a model turns
    this on for everything it prints (one input per process, so one switch).
    """
    global _IN_TICKS
    _IN_TICKS = on


def in_ticks() -> bool:
    """Whether times are being shown as ticks (:func:`show_ticks`)."""
    return _IN_TICKS


_TICKS = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([kMG]?)(?:\s*ticks?)?")


def parse_ticks(text: str) -> int:
    """A tick count as :func:`format_duration` shows it in tick mode (``2M ticks``, ``500k``,
    ``1200``); ValueError when it is not one."""
    m = _TICKS.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"invalid tick count {text!r} (times here are ticks: 500k, 2M, 1.5G)")
    return round(float(m.group(1)) * {"": 1, "k": 10**3, "M": 10**6, "G": 10**9}[m.group(2)])


def _ticks(n: int) -> str:
    for scale, unit in ((10**9, "G"), (10**6, "M"), (10**3, "k")):
        if n >= scale:
            return f"{n / scale:.3g}{unit} ticks"
    return f"{n} ticks"


def format_duration(ns: int) -> str:
    """Short human form: 1h02m, 3m20s, 4.2s, 350ms, 12µs (or ticks: see :func:`show_ticks`)."""
    if ns < 0:
        return "-"
    if _IN_TICKS:
        return _ticks(ns)
    if ns >= 3_600_000_000_000:
        h, rem = divmod(ns, 3_600_000_000_000)
        return f"{h}h{rem // 60_000_000_000:02d}m"
    if ns >= 60_000_000_000:
        m, rem = divmod(ns, 60_000_000_000)
        return f"{m}m{rem // 1_000_000_000:02d}s"
    if ns >= 1_000_000_000:
        return f"{ns / 1e9:.1f}s"
    if ns >= 1_000_000:
        return f"{ns / 1e6:.0f}ms" if ns >= 10_000_000 else f"{ns / 1e6:.1f}ms"
    if ns >= 1_000:
        return f"{ns / 1e3:.0f}µs"
    return f"{ns}ns"


def nice_ceiling(ns: float) -> int:
    """Smallest 1, 2 or 5 x 10^k ns that is at least ``ns``: a duration people read at a glance."""
    scale = 1
    while True:
        for m in (1, 2, 5):
            if m * scale >= ns:
                return m * scale
        scale *= 10


class Duration(click.ParamType):
    """A click parameter holding nanoseconds; bad values are usage errors (exit 2)."""

    name = "duration"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_duration(str(value))
        except ValueError as e:
            self.fail(str(e), param, ctx)


DURATION = Duration()
