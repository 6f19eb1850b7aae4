"""What is in the file, then the findings (each a link: Enter opens its page at it), then
goroutine creation over time.

It shows as soon as the model exists: the facts and each finding fill in as the
loader delivers the analyses behind them, and a line says what is still coming.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import OptionList, Sparkline, Static
from textual.widgets.option_list import Option

from ..findings import Finding, findings, lit_line, panic_lines
from ..messages import OpenPage
from ..session import RATE_BINS, Session
from ..text import DIM, HEAD, PAGES, count, dur, plural, safe, state_colour, tabs
from ..textual_private import exiting
from ..widgets.footer import KeyFooter
from .page import Page


class OverviewScreen(Page):
    PAGE = "overview"
    DEFAULT_CSS = """
    OverviewScreen #facts { height: auto; padding: 0 1; }
    OverviewScreen #findings { height: auto; max-height: 60%; border: none; padding: 0; margin: 0 1; }
    OverviewScreen.-no-chart #findings { max-height: 100%; }
    OverviewScreen #waiting { height: auto; padding: 0 1; }
    OverviewScreen #rate { height: 3; margin: 0 1; }
    OverviewScreen #rate-axis { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.shown: list[Finding] = []
        self.complete = False  # every finding's analysis is in

    def compose(self) -> ComposeResult:
        session = self.session
        yield Static(tabs("overview", session.model.is_trace, "what is in the file; findings first"),
                     classes="title")
        with VerticalScroll():
            yield Static(Text("summing up the model…", style=DIM), id="facts")
            yield Static(Text("findings (Enter opens one)", style=HEAD), classes="pane-title")
            yield OptionList(id="findings")
            yield Static(Text("", style=DIM), id="waiting")
            if session.model.is_trace:
                yield Static(Text("goroutines created over time", style=HEAD), classes="pane-title")
                rate: list[int] = session.summary()["created_per_bar"]
                yield Sparkline(rate, id="rate")
                yield Static(self._axis(max(rate, default=0)), id="rate-axis")
        yield KeyFooter()

    def on_mount(self) -> None:
        if exiting(self.app):  # warmed unseen and mounted while the app closes
            return
        # A dump has no creation chart to keep room for: its findings may take the page.
        self.set_class(not self.session.model.is_trace, "-no-chart")
        self.query_one("#findings", OptionList).focus()
        self.need(("summary",), self._show_facts)
        self._show_findings()
        wanted = ["leaks", "long_lived"] + (["spikes"] if self.session.model.is_trace else [])
        for name in wanted:
            self.need((name,), self._show_findings)

    def _show_facts(self) -> None:
        self.query_one("#facts", Static).update(self._facts(self.session.summary()))

    def _show_findings(self) -> None:
        found, waiting = findings(self.session)
        self.complete = not waiting
        options = self.query_one("#findings", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options([Option(self._line(f)) for f in found])
        if found:
            options.highlighted = min(highlighted or 0, len(found) - 1)
        self.shown = found
        note = Text(f"computing {', '.join(waiting)}…", style=DIM) if waiting else \
            Text("" if found else "nothing stands out", style=DIM)
        self.query_one("#waiting", Static).update(note)

    @staticmethod
    def _line(f: Finding) -> Table:
        """The finding, wrapped in its own column, and the page Enter opens in the next."""
        line = Table.grid(expand=True, padding=(0, 1))
        line.add_column(width=1)
        line.add_column(ratio=1)
        line.add_column(no_wrap=True, justify="right")
        key, label = PAGES[f.page]
        line.add_row("●", f.text, Text(f"{key} {label}", style=DIM))
        return line

    @on(OptionList.OptionSelected, "#findings")
    def _open(self, event: OptionList.OptionSelected) -> None:
        f = self.shown[event.option_index]
        self.post_message(OpenPage(f.page, f.item))

    def _axis(self, peak: int) -> Text:
        span = int(self.session.model.span_ns or 0)
        per = span // RATE_BINS
        return Text(f"0 … {dur(span)}   (each bar {dur(per)}; at most {count(peak)} created in one bar)")

    def _facts(self, s: dict[str, Any]) -> Table:
        m = self.session.model
        t = Table.grid(padding=(0, 2))
        t.add_column(style="bold", no_wrap=True)
        t.add_column()
        what = f"{s['format']}, {dur(int(s['span_ns']))}" if "span_ns" in s else str(s["format"])
        t.add_row("file", lit_line(f"{s['file']} ({what})"))
        snap = m.snapshot
        if snap is not None and snap.panic_message:
            head, more, tests = panic_lines(snap.panic_message)
            panic = lit_line(head, "bold red")
            for line in more[:3]:
                panic.append("\n")
                panic.append_text(lit_line(line, "red"))
            t.add_row("report" if snap.panic_message.startswith("goleak: ") else "panic", panic)
            if tests:
                t.add_row("running tests", lit_line(", ".join(tests), "bold"))
        if "span_ns" in s:
            t.add_row("goroutines", Text(
                f"{count(s['goroutines'])} seen, {count(s['created'])} created, "
                f"{count(s['ended'])} ended, {count(s['alive_at_end'])} alive at the end"))
            t.add_row("procs / GC", Text(f"{plural(s['procs'], 'P')}, {plural(s['gc_cycles'], 'GC cycle')}, "
                                         f"{plural(s['stw_pauses'], 'stop-the-world pause')}"))
            if s.get("data_lost"):
                t.add_row("data lost", lit_line("; ".join(map(str, s["data_lost"])), "red"))
        elif m.is_profile:
            t.add_row("goroutines", Text.assemble(
                (count(s["goroutines"]), "bold"), f" in {plural(len(m.goroutines), 'stack record')}",
                (" (a debug=1 profile: no waits, creators or goroutine ids)", DIM)))
        else:
            t.add_row("goroutines", Text(count(s["goroutines"])))
        states = Text(no_wrap=True, overflow="ellipsis")  # one line: Long-lived has them all
        for i, (label, n) in enumerate(s["states"].items()):
            if i:
                states.append("  ")
            states.append(count(n), style="bold")
            states.append(" ")
            states.append(safe(label), style=state_colour(label))
        t.add_row("by state", states)
        return t
