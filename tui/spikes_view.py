"""Where a spiking site's burst lies in time, for the overview, the spikes page and the timeline."""

from __future__ import annotations

from gotrace.analysis.spikes import Site, Spikes

from .session import Session


def burst_span(sp: Spikes, s: Site) -> tuple[int, int]:
    """[start, end) of the site's burst (or its peak window) in ns."""
    if s.burst is not None:
        lo, hi = s.burst.start_window, s.burst.end_window + 1
    else:
        lo, hi = max(s.peak_window, 0), max(s.peak_window, 0) + 1
    return lo * sp.window_ns, min(hi * sp.window_ns, sp.span_ns)


def spike_times(session: Session) -> list[int]:
    """Start of every spiking site's burst: where the timeline's ``s`` jumps."""
    if not session.model.is_trace:
        return []
    sp = session.spikes()
    return sorted({burst_span(sp, s)[0] for s in sp.sites if s.is_spike})
