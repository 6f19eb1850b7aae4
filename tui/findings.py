"""One sentence per analysis for the overview: the thing to look at first.

Built from the analyses' results, never recomputed here; each names the key
that opens the screen with the details.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from gotrace.analysis.grouping import Group

from .session import Session
from .text import count, dur, site


@dataclass(slots=True)
class Finding:
    text: Text
    key: str
    where: str
    colour: str


def long_lived_finding(session: Session, groups: list[Group]) -> Finding | None:
    if not groups:
        return None
    top = groups[0]
    t = Text()
    t.append(count(top.count), style="bold")
    t.append(" goroutines in ")
    t.append(top.state, style="bold red")
    if top.wait.max > 0:
        t.append(f" for {dur(top.wait.min)}–{dur(top.wait.max)}")
    t.append(" at ")
    t.append(site(top.blocking), style="bold")
    t.append(", created at ")
    t.append(site(top.created_at, "(unknown creator)"))
    total = sum(g.count for g in groups)
    if len(groups) > 1:
        t.append(f"  ({count(total)} blocked in {len(groups):,} groups)")
    return Finding(t, "3", "Long-lived", "red")


def spike_finding(session: Session) -> Finding | None:
    sp = session.spikes()
    top = next((s for s in sp.sites if s.is_spike), None)
    if top is None:
        return None
    lo, hi = sp.burst_span(top)
    n = top.burst.count if top.burst is not None else top.peak_count
    t = Text()
    t.append(count(n), style="bold")
    t.append(f" goroutines created in {dur(hi - lo)} by ")
    t.append(site(top.frame, "(unknown creator)"), style="bold")
    t.append(f" from {dur(lo)}")
    if top.alive_at_end:
        t.append(f"; {count(top.alive_at_end)} still alive")
        if top.end_state:
            t.append(" in ")
            t.append(top.end_state, style="bold red")
    else:
        t.append("; all ended")
    others = sum(1 for s in sp.sites if s.is_spike) - 1
    if others > 0:
        t.append(f"  (+{others} more spiking site{'s' if others > 1 else ''})")
    return Finding(t, "2", "Spikes", "yellow")


def findings(session: Session) -> list[Finding]:
    out: list[Finding] = []
    if session.model.is_trace:
        f = spike_finding(session)
        if f is not None:
            out.append(f)
    ll = long_lived_finding(session, session.long_lived())
    if ll is not None:
        out.append(ll)
    return out
