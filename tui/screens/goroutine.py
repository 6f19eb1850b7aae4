"""One goroutine's whole story: who made it, everything it went through, where it is now."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

import numpy as np
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from gotrace.model import NONE, Intervals, state_name
from gotrace.render.text import site as render_site
from gotrace.stacks import is_std, user_frame
from gotrace.tables import Frame
from gotrace.trace.events import GoState

from ..messages import OpenGoroutine
from ..session import Session
from ..text import BOLD, DIM, HEAD, at, colour_of, dur, lit, plural, site, state_colour
from ..textual_private import exiting
from ..widgets.footer import KeyFooter
from ..widgets.goroutine_list import GoroutineList
from ..widgets.story import Story
from .page import Page

_STATE_WORD = {GoState.RUNNING: "running", GoState.RUNNABLE: "runnable", GoState.SYSCALL: "syscall"}


def stack_text(frames: list[Frame], indent: str = "  ") -> Text:
    """Go's own traceback layout; the user's frames bright, the runtime's dim."""
    out = Text()
    if not frames:
        out.append(indent + "(no stack)\n", style=DIM)
    for f in frames:
        style = DIM if is_std(f.func) else ""
        out.append(indent)
        out.append_text(lit(f.func, style or "bold"))
        out.append("\n" + indent + "    ")
        out.append_text(lit(f"{f.file}:{f.line}", DIM))
        out.append("\n")
    return out


def labels_text(labels: dict[str, str]) -> Text:
    """``key=value, key=value``, sorted, each literally."""
    out = Text()
    for i, (k, v) in enumerate(sorted(labels.items())):
        if i:
            out.append(", ")
        out.append_text(lit(k, "bold"))
        out.append("=")
        out.append_text(lit(v))
    return out


def _kv(out: Text, key: str, value: Text | str) -> None:
    out.append(f"  {key:<14}", style=BOLD)
    out.append_text(value if isinstance(value, Text) else Text(value))
    out.append("\n")


class GoroutineScreen(Page):
    """One screen shows goroutine after goroutine: opening one updates it in place.

    Building a screen (its widgets, styles and footer) per goroutine took 100 ms
    and more on a big model; the app keeps these screens and :meth:`show` swaps
    what they say. Goroutines opened from here (its creator, its children) are
    remembered, so Escape walks back through them before leaving.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back"),
        Binding("c", "creator", "Creator"),
        Binding("tab", "children", "Its goroutines"),
    ]
    DEFAULT_CSS = """
    GoroutineScreen #kids { height: 12; overflow-y: scroll; }  /* no scrollbar to add on the next one */
    GoroutineScreen #kids-title { height: 1; }
    """

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.row = -1
        self.kids = np.zeros(0, np.int64)
        self.history: list[int] = []
        self.in_use = False  # on some page's stack: the app must not show it from another page

    def compose(self) -> ComposeResult:
        yield Static("", classes="title", id="title")
        yield Story(id="story")
        yield Static("", id="kids-title", classes="pane-title")
        yield GoroutineList(self.session, id="kids")
        yield KeyFooter()

    def on_mount(self) -> None:
        if exiting(self.app):  # a spare laid out unseen and mounted while the app closes
            return
        if self.row >= 0:
            self._fill()
        if not self.is_current:
            # A spare composed at start: lay it out now, unseen, twice (the first
            # pass sizes the footer's keys, which asks for a second), rather than
            # on the key press that first shows it (~40 ms).
            self._refresh_layout(self.app.size)
            self.call_after_refresh(self._refresh_layout, self.app.size)

    def show(self, row: int, *, remember: bool = False) -> None:
        """Tell goroutine ``row``'s story; ``remember``: Escape comes back to the one shown now."""
        if remember and self.row >= 0 and row != self.row:
            self.history.append(self.row)
        self.row = row
        self.kids = self.session.children(row)
        if self.is_mounted:
            self._fill()

    def _fill(self) -> None:
        s = self.session
        r = self.row
        if s.model.is_profile:
            title = Text.assemble(("stack record ", BOLD), (str(int(s.g.id[r])), BOLD),
                                  f" of {len(s.g):,}: ", (plural(s.weight(r), "goroutine"), BOLD), "  ")
        else:
            title = Text.assemble(("goroutine ", BOLD), (str(int(s.g.id[r])), BOLD), "  ")
        title.append_text(lit(s.name(r), colour_of(s.name(r))))
        title.append("  ")
        title.append_text(lit(s.state(r), state_colour(s.state(r))))
        self.query_one("#title", Static).update(title, layout=False)
        head = list(self.story().split("\n", allow_blank=True))
        ivl = s.model.intervals
        story = self.query_one("#story", Story)
        if ivl is not None and s.model.extras is None:
            sl = ivl.of_row(r)
            story.show(head, sl.stop - sl.start, partial(self._interval, ivl, sl.start))
        else:
            story.show(head)
            if "intervals" in s.coming:  # still being sorted by the loader: told once here
                s.when_ready(("intervals",), partial(self._intervals_arrived, r))
        has_kids = bool(len(self.kids))
        kids_title = self.query_one("#kids-title", Static)
        kids = self.query_one("#kids", GoroutineList)
        kids_title.display = kids.display = has_kids
        if has_kids:
            made = plural(len(self.kids), "goroutine")
            kids_title.update(Text(f"created {made} (Tab, then Enter opens one)", style=HEAD), layout=False)
        kids.set_rows(self.kids)
        story.focus()

    def _intervals_arrived(self, row: int) -> None:
        """The interval table is here: tell the story again if this goroutine is still shown."""
        if self.is_attached and self.row == row:
            self._fill()

    # --- the story ---------------------------------------------------------
    def story(self) -> Text:
        """Everything but the state intervals, which :class:`Story` draws as they come into view."""
        s = self.session
        g = s.g
        r = self.row
        t = s.model.tables
        out = Text()

        def head(label: str) -> None:
            out.append(f"\n{label}\n", style=HEAD)

        def kv(key: str, value: Text | str) -> None:
            _kv(out, key, value)

        label = s.state(r)
        now = Text()
        now.append_text(lit(label, state_colour(label)))
        if s.in_state(r) >= 0:
            waited = s.wait_text(s.in_state(r))  # a dump prints whole minutes, from one up
            now.append(f" for {waited}" + (" (at least)" if not s.model.is_trace and waited != "<1m" else ""))
        if s.model.is_trace and g.ended_ns[r] != NONE:
            now = Text(f"ended at {at(int(g.ended_ns[r]))}", style=DIM)
        kv("now", now)
        if len(g.reason_inferred) and g.reason_inferred[r]:
            kv("note", Text("wait reason read from the stack: the input gave none", style=DIM))
        if s.model.is_profile:
            self._record_facts(out)
            head("stack")
            out.append_text(stack_text(t.stack_frames(int(g.last_stack[r]))))
            out.rstrip()
            return out

        # Where it is now comes first: it is why anyone opened this goroutine.
        head("last stack" if s.model.is_trace else "stack")
        out.append_text(stack_text(t.stack_frames(int(g.last_stack[r]))))

        head("created")
        creator = int(g.creator[r])
        if s.model.is_trace:
            created = int(g.created_ns[r])
            kv("when", f"at {at(created)}" if created != NONE else
               f"before the trace began (first seen at {at(int(g.first_ns[r]))})")
            kv("lived", dur(s.lifetime(r)))
        if creator != NONE:
            crow = s.row_of(creator)
            who = Text(f"goroutine {creator}  ")
            if crow is not None:
                who.append_text(lit(s.name(crow), colour_of(s.name(crow))))
                who.append("   (c opens it)", style=DIM)
            kv("by", who)
        cs = int(g.creation_stack[r])
        if cs:
            kv("at", lit(render_site(t.top_frame(cs))))
            out.append_text(stack_text(t.stack_frames(cs), "      "))
        elif creator == NONE:
            kv("by", Text("unknown (not in the trace or the dump)", style=DIM))

        if s.model.extras is not None:
            self._dump_facts(out)
        else:
            head("time")
            kv("running", dur(int(g.exec_ns[r])))
            kv("runnable", dur(int(g.sched_wait_ns[r])))
            kv("syscall", dur(int(g.syscall_ns[r])))
            for reason, ns in sorted(g.block_by_reason(r, t.strings).items(), key=lambda x: -x[1]):
                kv("blocked", Text.assemble(lit(reason or "waiting"), f"  {dur(ns)}"))
            ivl = s.model.intervals
            if ivl is not None:
                sl = ivl.of_row(r)
                out.append(f"\nstates ({plural(sl.stop - sl.start, 'interval')})\n", style=HEAD)
                out.append(f"  {'at':>9}  {'for':>8}  {'state':<22} {'P':>3}  where\n", style=DIM)
            elif "intervals" in s.coming:
                out.append("\nstates: still being read…\n", style=HEAD)
        out.rstrip()  # no blank last line
        return out

    def _dump_facts(self, out: Text) -> None:
        extras = self.session.model.extras
        assert extras is not None
        dg = getattr(extras[self.row], "g", None)
        if dg is None:
            return
        out.append("\ndump\n", style=HEAD)
        _kv(out, "status", lit(dg.raw_state))
        if dg.wait_minutes:
            _kv(out, "waiting", plural(dg.wait_minutes, "minute"))
        if dg.labels:
            _kv(out, "labels", labels_text(dg.labels))
        if dg.flags:
            _kv(out, "flags", lit(", ".join(sorted(dg.flags))))
        if dg.ancestors:
            _kv(out, "ancestors", " ← ".join(map(str, dg.ancestors)))
        if dg.frames_elided:
            _kv(out, "note", Text("the runtime elided frames from this stack", style=DIM))

    def _record_facts(self, out: Text) -> None:
        """A debug=1 profile's record: how many goroutines share the stack, and its labels."""
        s = self.session
        r = self.row
        _kv(out, "goroutines", Text(f"{s.weight(r):,} with this stack and these labels", style=BOLD))
        labels = s.labels(r)
        if labels:
            _kv(out, "labels", labels_text(labels))
        _kv(out, "note", Text(f"{s.model.source.format} prints no creators, waits or ids: ?debug=2 has them",
                              style=DIM))

    def _interval(self, ivl: Intervals, first: int, k: int) -> Text:
        """Line ``k`` of the state intervals, as the story scrolls it into view."""
        i = first + k
        tables = self.session.model.tables
        st = int(ivl.state[i])
        start = at(int(ivl.start[i]))
        if st == GoState.NOT_EXIST:  # the zero-length mark of its exit
            return Text(f"  {start:>9}  {'':>8}  ended", style=DIM)
        label = state_name(st, tables.strings[int(ivl.reason[i])]) if st == GoState.WAITING else \
            _STATE_WORD.get(GoState(st), state_name(st, ""))
        p = int(ivl.p[i])
        out = Text(f"  {start:>9}  {dur(int(ivl.end[i] - ivl.start[i])):>8}  ")
        out.append_text(lit(f"{label:<22}", state_colour(label)))
        out.append(f" {('P' + str(p)) if p >= 0 else '':>3}  ")
        if st != GoState.RUNNING:
            where = user_frame(tables.stack_frames(int(ivl.stack[i])))
            if where is not None:
                out.append_text(lit(site(where), DIM))
        return out

    # --- navigation -------------------------------------------------------
    def action_back(self) -> None:
        if self.history:
            self.show(self.history.pop())
            return
        self.in_use = False
        self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A profile's stack records name no creator and no goroutine ids: nothing to follow."""
        return not (action in ("creator", "children") and self.session.model.is_profile)

    def action_creator(self) -> None:
        creator = int(self.session.g.creator[self.row])
        crow = self.session.row_of(creator) if creator != NONE else None
        if crow is None:
            self.notify("its creator is not in the data", timeout=2)
            return
        self.post_message(OpenGoroutine(crow))

    def action_children(self) -> None:
        if len(self.kids):
            kids = self.query_one("#kids", GoroutineList)
            if kids.has_focus:
                self.query_one("#story", Story).focus()
            else:
                kids.focus()
        else:
            self.notify("it created no goroutines" if self.session.model.is_trace else
                        "no goroutine in the dump was created by it", timeout=2)

    @on(GoroutineList.Selected, "#kids")
    def _open(self, event: GoroutineList.Selected) -> None:
        self.post_message(OpenGoroutine(event.row))
