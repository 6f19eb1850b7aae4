"""The ``gotrace spikes`` report: a table of creating sites, then each spike's shape and callers.

Bounded on purpose: a real trace has sites with dozens of caller chains of many
frames each. The report shows the top chains of a site, one line each, with the
middle of a long chain elided; ``--format json`` has every chain in full.
"""

from __future__ import annotations

from ..analysis.spikes import Caller, Site, Spikes
from ..tables import Frame
from .table import Col, render_table
from .text import at, count, dur, plural, rate, safe, shorten_site, site, sparkline, wrap

CHAINS = 3  # caller chains shown per site
CHAIN_FRAMES = 4  # frames shown per chain: the innermost ones and the root


UNKNOWN = "(unknown creator)"
UNKNOWN_NOTE = (f"{UNKNOWN}: goroutines that existed before the trace began, or whose creation "
                "stack the trace does not hold")


def site_label(f: Frame | None) -> str:
    return site(f, UNKNOWN)


def chain_label(c: Caller, full: bool) -> str:
    frames = c.frames
    labels = [site(f, full=full) for f in frames]
    if len(labels) > CHAIN_FRAMES:
        labels = [*labels[: CHAIN_FRAMES - 1], f"… {len(labels) - CHAIN_FRAMES} more …", labels[-1]]
    return " ← ".join(labels) or "(no caller frames)"


def _details(sp: Spikes, s: Site, width: int | None) -> list[str]:
    full = width is None
    spark = max((width or 100) - 16, 20)
    label = site_label(s.frame)
    if width is not None and len(label) + 2 > width:
        label = shorten_site(label)
    lines = [f"  {safe(label)}"]
    if s.peak_window >= 0:
        lines.append(f"    per {dur(sp.window_ns)}: |{sparkline(s.series.tolist(), spark)}|")
    if s.burst is not None:
        start, end = sp.burst_span(s)
        lines.append(f"    burst {at(start)} – {dur(end)}: {count(s.burst.count)} created "
                     f"({100 * s.burst.count / s.total:.1f}% of the site's), "
                     f"{rate(s.burst.count * 1e9 / max(end - start, 1))} on average")
    for c in s.callers[:CHAINS]:
        line = f"    {100 * c.count / s.total:5.1f}% {count(c.count):>8}  ← {safe(chain_label(c, full))}"
        if width is not None and len(line) > width:
            line = line[: width - 1] + "…"
        lines.append(line)
    if len(s.callers) > CHAINS:
        lines.append(f"    (+{plural(len(s.callers) - CHAINS, 'more caller chain')}; --format json has all)")
    return lines


def spikes_report(sp: Spikes, top: int, width: int | None, wide: bool) -> str:
    """Headline, the top sites as a table, then the details of each spiking site (or the first)."""
    per_s = 1e9 / sp.window_ns
    total = sum(s.total for s in sp.sites)
    spikes = [s for s in sp.sites if s.is_spike]
    out = [f"{plural(total, 'goroutine')} from {plural(len(sp.sites), 'creating site')}; "
           + (plural(len(spikes), "spiking site") if spikes else "no spike"),
           f"window {dur(sp.window_ns)}, trace-wide baseline {rate(sp.baseline * per_s)}"]
    rows = []
    shown = sp.sites[:top]
    for s in shown:
        timed = s.peak_window >= 0
        rows.append([
            "SPIKE" if s.is_spike else "", count(s.total),
            f"{count(s.peak_count)} @ {at(s.peak_window * sp.window_ns)}" if timed else "-",
            rate(s.peak_count * per_s) if timed else "-",
            rate(s.baseline * per_s) if timed else "-",
            count(s.alive_at_end), s.end_state or "-", site_label(s.frame),
        ])
    cols = [Col(""), Col("CREATED", right=True), Col("PEAK @ WINDOW", right=True, drop=2),
            Col("PEAK RATE", right=True), Col("BASELINE", right=True, drop=3), Col("ALIVE", right=True),
            Col("END STATE", squeeze=10), Col("CREATED AT", flex=True, shorten=shorten_site)]
    out.append(render_table(cols, rows, width, wide))
    for s in shown:
        if s.is_spike or s is shown[0]:
            out.append("")
            out.extend(_details(sp, s, None if wide else width))
    if any(s.frame is None for s in shown):
        out.append("")
        out.append(wrap(UNKNOWN_NOTE, None if wide else width))
    if len(sp.sites) > top:
        out.append(f"\n({plural(len(sp.sites) - top, 'more site')}; use --top)")
    return "\n".join(out)
