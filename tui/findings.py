"""Overview's findings: the things to look at first, most certain first, each a link to its page.

Leak suspects (verdict leak or likely) come first, each with the strongest piece
of evidence for it, so the real leak is the first line even when a bigger spike
of short-lived goroutines or a runtime worker is in the same input. Then the
creation spike, then the rest: suspects to watch and the long-lived summary.
When no group is suspect, the first line says so. Built from the analyses'
results, never recomputed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text

from gotrace.analysis.grouping import Group
from gotrace.analysis.leaks import CAP_KINDS, LeakReport, Suspect
from gotrace.analysis.spikes import Spikes

from .session import Session
from .text import BOLD, DIM, VERDICT_STYLES, at, count, dur, lit, plural, safe, site, state_colour

MAX_SUSPECTS = 3  # leak/likely lines; the Leaks page lists every one
MAX_WATCH = 2
RESTATING = frozenset({"count", "blocked"})  # evidence the finding's own line already says


@dataclass(slots=True)
class Finding:
    """One line of Overview; Enter opens ``page`` (a key of ``PAGES``) at ``item``."""

    text: Text
    page: str
    item: Any = None


def goroutines(session: Session, n: int, records: int) -> str:
    """``1,200 goroutines``; a profile adds how many stack records hold them."""
    out = plural(n, "goroutine")
    if session.model.is_profile:
        out += f" ({plural(records, 'record')})"
    return out


def strongest(s: Suspect) -> str | None:
    """The piece of evidence that says most about a suspect beyond its count and state."""
    for e in s.evidence:
        if e.kind not in RESTATING and e.kind not in CAP_KINDS:
            return e.text
    return None


def suspect_text(session: Session, s: Suspect, why: bool = True) -> Text:
    g = s.group
    t = Text()
    t.append(f"{s.verdict} {s.score}", style=VERDICT_STYLES[s.verdict])
    t.append(" · ")
    t.append(goroutines(session, g.count, len(g.rows)), style=BOLD)
    t.append(" in ")
    t.append(safe(g.state), style=state_colour(g.state))
    t.append(" at ")
    t.append(safe(site(g.blocking, "(no stack)")), style=BOLD)
    if g.created_at is not None:
        t.append(", created at ")
        t.append(safe(site(g.created_at)))
    evidence = strongest(s) if why else None
    if evidence:
        t.append(f": {safe(evidence)}", style=DIM)
    return t


def leak_findings(session: Session, report: LeakReport) -> tuple[list[Finding], list[Finding]]:
    """The suspects' lines: (leak and likely, first; watch, for later)."""
    serious = [(i, s) for i, s in enumerate(report.suspects) if s.verdict in ("leak", "likely")]
    watch = [(i, s) for i, s in enumerate(report.suspects) if s.verdict == "watch"]
    first = [Finding(suspect_text(session, s), "leaks", i) for i, s in serious[:MAX_SUSPECTS]]
    if len(serious) > MAX_SUSPECTS:
        first.append(Finding(Text(f"+{plural(len(serious) - MAX_SUSPECTS, 'more suspect')} on Leaks",
                                  style=DIM), "leaks", serious[MAX_SUSPECTS][0]))
    if not serious:
        t = Text("no leak suspects", style=BOLD)
        judged = plural(len(report.suspects), "group")
        t.append(f": {judged} of blocked goroutines judged" if report.suspects else
                 ": no goroutine is blocked")
        if watch:
            t.append(f", {count(len(watch))} to watch")
        first.append(Finding(t, "leaks", 0 if report.suspects else None))
    later = [Finding(suspect_text(session, s), "leaks", i) for i, s in watch[:MAX_WATCH]]
    return first, later


def spike_finding(sp: Spikes) -> Finding | None:
    spiking = [s for s in sp.sites if s.is_spike]
    if not spiking:
        return None
    top = spiking[0]
    lo, hi = sp.burst_span(top)
    n = top.burst.count if top.burst is not None else top.peak_count
    t = Text()
    t.append("spike", style="bold yellow")
    t.append(" · ")
    t.append(plural(n, "goroutine"), style=BOLD)
    t.append(f" created in {dur(hi - lo)} by ")
    t.append(safe(site(top.frame, "(unknown creator)")), style=BOLD)
    t.append(f" from {at(lo)}")
    if top.alive_at_end:
        t.append(f"; {count(top.alive_at_end)} still alive")
        if top.end_state:
            t.append(" in ")
            t.append(safe(top.end_state), style=state_colour(top.end_state))
    else:
        t.append("; all ended")
    if len(spiking) > 1:
        t.append(f"  (+{plural(len(spiking) - 1, 'more spiking site')})", style=DIM)
    return Finding(t, "spikes", top.index)


def long_lived_finding(session: Session, groups: list[Group], report: LeakReport | None) -> Finding | None:
    """How many are blocked at the end, and the biggest group that is not a known-benign shape."""
    if not groups:
        return None
    benign = set() if report is None else \
        {s.key for s in report.suspects if s.verdict == "benign"}
    total = sum(g.count for g in groups)
    t = Text()
    t.append(goroutines(session, total, sum(len(g.rows) for g in groups)), style=BOLD)
    t.append(f" blocked at the end in {plural(len(groups), 'group')}")
    top = next((g for g in groups if (g.state, g.blocking, g.created_at) not in benign), None)
    if top is None:
        t.append("; none suspect (the runtime's own, pools, accept loops)", style=DIM)
        return Finding(t, "longlived", None)
    t.append("; the most: ")
    t.append(count(top.count), style=BOLD)
    t.append(" in ")
    t.append(safe(top.state), style=state_colour(top.state))
    if top.wait.max > 0:
        t.append(f" for {session.wait_text(top.wait.min)}–{session.wait_text(top.wait.max)}")
    t.append(" at ")
    t.append(safe(site(top.blocking, "(no stack)")), style=BOLD)
    return Finding(t, "longlived", (top.state, top.blocking, top.created_at))


def findings(session: Session) -> tuple[list[Finding], list[str]]:
    """The findings of the analyses at hand, and the titles of those still coming."""
    out: list[Finding] = []
    later: list[Finding] = []
    waiting = []
    report = session.leaks() if session.ready("leaks") else None
    if report is not None:
        out, later = leak_findings(session, report)
    else:
        waiting.append("leak suspects")
    if session.model.is_trace:
        if session.ready("spikes"):
            f = spike_finding(session.spikes())
            if f is not None:
                out.append(f)
        else:
            waiting.append("creation spikes")
    out += later
    if session.ready("long_lived"):
        f = long_lived_finding(session, session.long_lived(), report)
        if f is not None:
            out.append(f)
    else:
        waiting.append("long-lived groups")
    return out, waiting


def panic_lines(message: str) -> tuple[str, list[str], list[str]]:
    """A dump's panic: its first line, the lines after it, and the tests a timed-out test binary
    was running (``running tests:`` then one indented line per test)."""
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    if not lines:
        return "", [], []
    head, rest = lines[0], lines[1:]
    if "running tests:" in rest:
        i = rest.index("running tests:")
        return head, rest[:i], rest[i + 1:]
    return head, rest, []


def lit_line(text: str, style: str = "") -> Text:
    """An input line that may wrap (the facts table wraps; :func:`lit` would cut it)."""
    out = lit(text, style)
    out.no_wrap, out.overflow = False, "fold"
    return out
