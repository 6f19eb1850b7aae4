"""A leak report against a baseline (a previous ``leaks --format json``): which suspects are
new, which grew, which were known, matched by state, blocking site and creation site by
value, so a baseline from another run of the same code still matches."""

from __future__ import annotations

from ..tables import Frame
from .leaks import LeakReport

SiteKey = tuple[str, tuple[str, str, int] | None, tuple[str, str, int] | None]


def site_key(state: str, blocking: dict[str, object] | Frame | None,
             created: dict[str, object] | Frame | None) -> SiteKey:
    """A suspect's identity across runs: state, blocking site and creation site by value."""

    def frame(f: dict[str, object] | Frame | None) -> tuple[str, str, int] | None:
        if f is None:
            return None
        if isinstance(f, Frame):
            return (f.func, f.file, f.line)
        return (str(f.get("func")), str(f.get("file")), int(f.get("line") or 0))  # type: ignore[call-overload]

    return (state, frame(blocking), frame(created))


def against_baseline(report: LeakReport, baseline: dict[SiteKey, int]) -> dict[int, str]:
    """Each suspect (by index) as ``new``, ``grown`` (more goroutines than in the baseline)
    or ``known``, given the baseline's counts by site."""
    out = {}
    for i, s in enumerate(report.suspects):
        before = baseline.get(site_key(s.group.state, s.group.blocking, s.group.created_at))
        out[i] = "new" if before is None else "grown" if s.group.count > before else "known"
    return out
