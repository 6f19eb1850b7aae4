"""The ``gotrace leaks`` report: the verdict first, then each suspect with its evidence.

One line per suspect (verdict, score, count, state, where blocked, where created),
and under it the facts that earned the verdict. Benign groups are listed too, never
hidden, but briefly: one line each, the first few unless ``--all``. A dump of tens of
thousands of distinct groups can hold thousands of suspects: the best ``SERIOUS_SHOWN``
are listed (and every one a baseline marks new or grown, which is what fails the gate),
the rest counted, unless ``--all``; JSON always holds them all.
"""

from __future__ import annotations

from collections import Counter

from ..analysis.leaks import PROOF_KINDS, Evidence, LeakReport, Suspect, verdict_rank
from ..model.infer import PARKED
from .table import Col, render_table
from .text import count, dur, plural, safe, shorten_site, site, wrap

BENIGN_SHOWN = 5
FACT_INDENT = 4 + 6 + 1  # a fact's lines start after its points' column
UNNAMED_WAITS = frozenset({"unknown", PARKED})  # a profile's waits its stack does not name
SERIOUS_SHOWN = 100


def headline(report: LeakReport) -> str:
    m = report.model
    counts = {v: sum(1 for s in report.suspects if s.verdict == v) for v in ("leak", "likely", "watch")}
    what = (f"{dur(m.span_ns or 0)} of {m.source.format}" if m.is_trace else m.source.format)
    series = f", the last of {len(report.captures)} captures" if len(report.captures) > 1 else ""
    found = ", ".join(f"{n:,} {v}" for v, n in counts.items())
    return (f"{safe(m.source.path)} ({what}{series}): {found}; "
            f"{plural(m.goroutines.count(), 'goroutine')}, {plural(len(report.suspects), 'group')} of "
            "them judged")


def _row(s: Suspect, marks: str) -> list[str]:
    grp = s.group
    return [s.verdict + marks, str(s.score), count(grp.count), grp.state, site(grp.blocking, "-"),
            site(grp.created_at, "-")]


def points(kind: str, pts: int) -> str:
    """What a piece of evidence did to the verdict: its points, or that it decided it."""
    if kind in PROOF_KINDS:
        return "proof"
    if kind == "benign-shape":
        return "benign"
    if kind == "capped":
        return "capped"
    return f"{pts:+d}" if pts else ""


def _restates(s: Suspect, e: Evidence) -> bool:
    """Whether ``e`` says only what the suspect's row does ("36 blocked in chan send at X"):
    a profile's unnamed wait ("parked in your code") says more."""
    return e.kind == "blocked" and s.group.state not in UNNAMED_WAITS


def leaks_report(report: LeakReport, width: int | None, wide: bool, show_all: bool,
                 baseline: dict[int, str] | None = None) -> str:
    out = [wrap(headline(report), None if wide else width)]
    out += [wrap(f"note: {safe(n)}", None if wide else width, indent=6) for n in report.notes]
    if baseline is not None:
        marked = Counter(baseline.values())
        out.append(wrap(f"against the baseline: {marked['new']:,} new, {marked['grown']:,} grown, "
                        f"{marked['known']:,} known (only new and grown ones fail)", None if wide else width))
    serious = [(i, s) for i, s in enumerate(report.suspects) if verdict_rank(s.verdict) < 3]
    benign = [(i, s) for i, s in enumerate(report.suspects) if verdict_rank(s.verdict) == 3]
    shown_benign = benign if show_all else benign[:BENIGN_SHOWN]
    hidden: Counter[str] = Counter()  # by verdict, best first
    if not show_all and len(serious) > SERIOUS_SHOWN:
        tail = serious[SERIOUS_SHOWN:]
        failing = [baseline is not None and baseline[i] != "known" for i, _ in tail]
        hidden = Counter(s.verdict for (_, s), f in zip(tail, failing, strict=True) if not f)
        serious = serious[:SERIOUS_SHOWN] + [x for x, f in zip(tail, failing, strict=True) if f]
    rows = []
    for i, s in serious + shown_benign:
        mark = ""
        if baseline is not None:
            mark = {"new": " (new)", "grown": " (grown)", "known": ""}[baseline[i]]
        rows.append(_row(s, mark))
    if not rows:
        out.append("no goroutine is blocked")
        return "\n".join(out)
    # A state gives way before a site does, but not a suspect's (sync.WaitGroup.Wait): the runtime's
    # own long states ("system goroutine wait") are cut first.
    squeeze = min(20, max([12] + [len(s.group.state) for _, s in serious]))
    cols = [Col("VERDICT"), Col("SCORE", right=True), Col("COUNT", right=True), Col("STATE", squeeze=squeeze),
            Col("BLOCKED AT", flex=True, shorten=shorten_site),
            Col("CREATED AT", flex=True, shorten=shorten_site, drop=1)]
    lines = render_table(cols, rows, width, wide).splitlines()
    out.append(lines[0])
    # On a narrow terminal the creation site leaves the table for a line of its own.
    created_shown = "CREATED AT" in lines[0]
    for (_, s), line in zip(serious + shown_benign, lines[1:], strict=True):
        out.append(line)
        serious_one = verdict_rank(s.verdict) < 3
        # Each fact after what it did to the score, as on the Leaks page: why the score is so.
        facts = [(points(e.kind, e.points), e.text) for e in s.evidence if not _restates(s, e)] \
            if serious_one else [("benign", e.text) for e in s.evidence if e.kind == "benign-shape"]
        if serious_one and not created_shown and s.group.created_at is not None:  # a profile has none
            facts.insert(0, ("", f"created at {site(s.group.created_at, full=False)}"))
        for label, text in facts:
            out.append(wrap(f"    {label:>6} {safe(text)}", None if wide else width, indent=FACT_INDENT))
    more = [f"+{n:,} more {v}" for v, n in hidden.items() if n]
    if more:
        out.append(f"({', '.join(more)}; --all lists them, --format json holds them all)")
    if len(benign) > len(shown_benign):
        out.append(f"(+{plural(len(benign) - len(shown_benign), 'more benign group')}; --all lists them)")
    hint = next_capture(report)
    if hint:
        out.append(wrap(hint, None if wide else width))
    return "\n".join(out)


def wants_history(report: LeakReport) -> bool:
    """Whether one dump of a running process left the verdicts short of ``leak``: it has no
    history, and a second dump's growth and staying goroutines are what it lacks. Not for a
    trace, a series, or a process that crashed or ended its tests."""
    return not (report.model.is_trace or len(report.captures) > 1 or report.stopped or not report.suspects
                or any(s.verdict == "leak" for s in report.suspects))


def next_capture(report: LeakReport) -> str | None:
    """What to capture next when the report :func:`wants_history`; a debug=1 or protobuf
    profile also prints no creators or waits."""
    if not wants_history(report):
        return None
    more = " A ?debug=2 dump also prints creators and wait times." if report.model.is_profile else ""
    return ("One capture has no history: take another in a few minutes and give both, oldest "
            f"first (gotrace leaks FIRST SECOND); what grew and what stayed is evidence.{more}")
