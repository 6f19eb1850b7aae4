"""The session's analyses as they arrive: pages wait for what the loader will send."""

from __future__ import annotations

from gotrace.tui.session import ANALYSES, Session, precompute
from tui_inputs import LEAK_DUMP, SPIKE_TRACE, model_of


def test_pages_wait_for_what_is_coming_and_go_on_when_it_arrives() -> None:
    model = model_of(SPIKE_TRACE)
    pre = precompute(model)
    session = Session(model, {"summary": pre["summary"]}, coming=[n for n in pre if n != "summary"])
    calls: list[str] = []
    session.when_ready(("summary",), lambda: calls.append("summary"))  # here: at once
    session.when_ready(("spikes", "site_index"), lambda: calls.append("spikes page"))
    session.when_ready(("leaks",), lambda: calls.append("leaks page"))
    assert calls == ["summary"]
    session.deliver("spikes", pre["spikes"])
    assert calls == ["summary"]  # site_index still to come
    session.deliver("site_index", pre["site_index"])
    assert calls == ["summary", "spikes page"] and session.spikes() is pre["spikes"]
    session.stop_coming()  # the loader stopped: what it did not send is computed here
    assert calls == ["summary", "spikes page", "leaks page"]
    assert not session.ready("leaks") and session.leaks().suspects  # computed on demand


def test_precompute_is_what_the_loader_sends() -> None:
    trace, dump = model_of(SPIKE_TRACE), model_of(LEAK_DUMP)
    sent = {n for n, a in ANALYSES.items() if not a.local}  # the earlier dumps stay in the child
    assert set(precompute(trace)) == sent - {"intervals"}  # loaded with them
    assert set(precompute(dump)) == {n for n in sent if not ANALYSES[n].traces_only}


def test_a_trace_whose_intervals_are_still_coming_gets_them_from_the_loader_or_reads_them() -> None:
    """The loader sends a fresh trace's model before its interval table; the session puts
    the table in the model when it arrives, or reads the trace again if the loader stopped."""
    import numpy as np

    from gotrace.inputs import open_input
    from gotrace.load import start_trace

    full = model_of(SPIKE_TRACE)
    assert full.intervals is not None
    for loader_sends in (True, False):
        model, rest = start_trace(open_input(str(SPIKE_TRACE)))
        assert model.intervals is None and rest is not None
        assert "intervals" in {n for n, a in ANALYSES.items() if a.applies(model)}
        session = Session(model, coming=["intervals", "procs"])
        if loader_sends:
            session.deliver("intervals", rest())
        else:
            session.stop_coming()
            assert session.procs() is not None  # asks for the intervals first
        assert model.intervals is not None
        np.testing.assert_array_equal(model.intervals.start, full.intervals.start)
        np.testing.assert_array_equal(model.intervals.stack, full.intervals.stack)


def test_an_analysis_that_asks_for_another_is_computed_without_waiting_on_itself() -> None:
    """``site_index`` asks for ``spikes`` while it is computed under the session's lock."""
    session = Session(model_of(SPIKE_TRACE))
    _, bounds = session.get("site_index")
    assert session.ready("spikes") and len(bounds) == len(session.get("spikes").sites) + 1
