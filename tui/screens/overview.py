"""What is in the file and the one line per analysis worth reading first."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Sparkline, Static

from ..findings import Finding, findings
from ..session import Session
from ..text import DIM, HEAD, count, dur, lit, state_colour, tabs
from ..widgets.footer import KeyFooter
from .page import Page

RATE_BINS = 100


class OverviewScreen(Page):
    DEFAULT_CSS = """
    OverviewScreen #facts { height: auto; padding: 0 1; }
    OverviewScreen #rate { height: 3; margin: 0 1; }
    OverviewScreen #rate-axis { height: 1; padding: 0 1; color: $text-muted; }
    OverviewScreen #findings { height: auto; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        session: Session = self.app.session  # type: ignore[attr-defined]
        self.session = session
        yield Static(tabs("overview", session.model.is_trace, "what is in the file; findings first"),
                     classes="title")
        with VerticalScroll():
            yield Static(self._facts(session.summary()) if session.ready("summary")
                         else Text("reading the model…", style=DIM), id="facts")
            if session.model.is_trace:
                yield Static(Text("goroutines created over time", style=HEAD), classes="pane-title")
                rate = session.creation_rate(RATE_BINS)
                yield Sparkline(rate.tolist(), id="rate")
                yield Static(self._axis(int(rate.max()) if len(rate) else 0), id="rate-axis")
            yield Static(Text("findings", style=HEAD), classes="pane-title")
            yield Static(Text("working…", style=DIM), id="findings")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.run_worker(self._find, thread=True, exclusive=True)

    def _find(self) -> None:
        if not self.session.ready("summary"):
            facts = self._facts(self.session.summary())
            self.app.call_from_thread(self.query_one("#facts", Static).update, facts)
        found = findings(self.session)
        self.app.call_from_thread(self._show, found)

    def _show(self, found: list[Finding]) -> None:
        out = Text()
        for f in found:
            out.append("● ", style=f.colour)
            out.append_text(f.text)
            out.append(f"   [{f.key}] {f.where}\n", style=DIM)
        if not found:
            out.append("nothing stands out", style=DIM)
        self.query_one("#findings", Static).update(out)

    def _axis(self, peak: int) -> Text:
        span = int(self.session.model.span_ns or 0)
        per = span // RATE_BINS
        return Text(f"0 … {dur(span)}   (each bar {dur(per)}; peak {count(peak)} created in one bar)")

    def _facts(self, s: dict[str, Any]) -> Table:
        t = Table.grid(padding=(0, 2))
        t.add_column(style="bold", no_wrap=True)
        t.add_column()
        t.add_row("file", lit(str(s["file"])))
        t.add_row("format", lit(str(s["format"])))
        if "span_ns" in s:
            t.add_row("span", Text(dur(int(s["span_ns"]))))
            t.add_row("goroutines", Text(
                f"{count(s['goroutines'])} seen, {count(s['created'])} created, "
                f"{count(s['ended'])} ended, {count(s['alive_at_end'])} alive at the end"))
            t.add_row("procs / GC", Text(f"{s['procs']} Ps, {s['gc_cycles']} GC cycles, "
                                         f"{s['stw_pauses']} stop-the-world pauses"))
            if s.get("data_lost"):
                t.add_row("data lost", lit("; ".join(map(str, s["data_lost"])), "red"))
        else:
            t.add_row("goroutines", Text(count(s["goroutines"])))
        states = Text()
        for i, (label, n) in enumerate(s["states"].items()):
            if i:
                states.append("  ")
            states.append(count(n), style="bold")
            states.append(" ")
            states.append(label, style=state_colour(label))
        t.add_row("by state", states)
        return t
