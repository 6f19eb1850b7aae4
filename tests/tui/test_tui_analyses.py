"""Two changes in gotrace/analysis that the viewer's first screen needed.

A debug=1 profile's summary counted stack records per state, not goroutines; and
the state index sorted every goroutine (a second on two million, paid by the
summary, the grouping and the leak verdicts, all on the way to Overview).
"""

from __future__ import annotations

import numpy as np
from conftest import SAMPLES
from tui_inputs import SPIKE_TRACE, model_of

from gotrace.analysis.selection import state_label_index
from gotrace.analysis.summary import summarize
from gotrace.model import state_name


def test_a_profile_summary_counts_goroutines_per_state() -> None:
    states = summarize(model_of(SAMPLES / "stuck.go1.27.debug1.txt"))["states"]
    assert sum(states.values()) == 231  # the profile's total, not its 13 records
    assert states["running"] == 121 and states["sync.Mutex.Lock"] == 22


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
