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
    assert set(precompute(trace)) == set(ANALYSES)
    assert set(precompute(dump)) == {n for n, a in ANALYSES.items() if not a.traces_only}
