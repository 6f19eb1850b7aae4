"""Two changes in gotrace/analysis that the viewer's first screen needed.

A debug=1 profile's summary counted stack records per state, not goroutines; and
the state index sorted every goroutine (a second on two million, paid by the
summary, the grouping and the leak verdicts, all on the way to Overview).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SAMPLES
from tui_inputs import SPIKE_TRACE, model_of

from gotrace.analysis.selection import state_label_index
from gotrace.analysis.summary import summarize
from gotrace.model import state_name


def test_a_profile_summary_counts_goroutines_per_state() -> None:
    states = summarize(model_of(SAMPLES / "stuck.go1.27.debug1.txt"))["states"]
    assert sum(states.values()) == 231  # the profile's total, not its 13 records
    assert states["running"] == 1 and states["sync.Mutex.Lock"] == 22  # the writer alone runs
    assert states["chan send or receive"] == 122  # labelled workers: pprof.Do is on their stacks


def test_state_labels_without_sorting_every_goroutine() -> None:
    """The O(n) path for big models gives exactly np.unique's labels and indexes."""
    for path in (SPIKE_TRACE, SAMPLES / "spike.go1.27.debug2.txt"):
        model = model_of(path)
        g = model.goroutines
        assert len(g) > 1000  # the fast path
        labels, inv = state_label_index(model)
        key = g.state.astype(np.int64) << 32 | g.reason.astype(np.int64)
        uniq, expected = np.unique(key, return_inverse=True)
        assert inv.tolist() == expected.reshape(-1).tolist()
        strings = model.tables.strings
        assert labels == [state_name(int(k >> 32), strings[int(k & 0xFFFFFFFF)]) for k in uniq.tolist()]


@pytest.mark.parametrize("slice_", [7, 1 << 18])
def test_creation_rate_bars_are_numpys_histogram(slice_: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Overview's bars put each goroutine where exact arithmetic does (bar ``created * bins //
    span``; the last bar takes the trace's end), goroutines made before the trace (NONE) in none,
    on random traces short and long, binned whole or 7 at a time. (``np.histogram`` does not:
    its float edges put a goroutine exactly on an edge one bar early.)"""
    from types import SimpleNamespace

    from gotrace.tui import session
    from gotrace.tui.session import creation_rate

    monkeypatch.setattr(session, "RATE_SLICE", slice_)

    rng = np.random.default_rng(7)
    for trial in range(200):
        span = int(rng.integers(1, 50)) if trial % 3 == 0 else int(rng.integers(1, 10**13))
        bins = int(rng.integers(1, 300))
        created = rng.integers(-1, span + 1, size=500)
        created[:3] = (0, span, -1)
        model = SimpleNamespace(span_ns=span, goroutines=SimpleNamespace(created_ns=created))
        want = [0] * bins
        for c in created[created >= 0].tolist():
            want[min(c * bins // span, bins - 1)] += 1
        assert creation_rate(model, bins).tolist() == want, (span, bins)  # type: ignore[arg-type]


def test_the_viewer_summary_carries_the_bars_of_a_trace() -> None:
    from gotrace.tui.session import RATE_BINS, viewer_summary

    model = model_of(SPIKE_TRACE)
    bars = viewer_summary(model)["created_per_bar"]
    assert len(bars) == RATE_BINS and sum(bars) == int((model.goroutines.created_ns >= 0).sum()) > 0
    assert "created_per_bar" not in viewer_summary(model_of(SAMPLES / "stuck.go1.27.debug1.txt"))
