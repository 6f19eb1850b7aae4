"""The goroutine lifecycle model: the one seam every analysis and view reads.

A trace and a goroutine dump both become a :class:`Model`. A trace fills every
column and the interval tables; a dump is a single snapshot at its end (no
intervals, waits as printed). Columns are numpy arrays indexed by goroutine
*row* (rows sorted by goroutine id); per-goroutine Python objects are made only
for what a view shows (:meth:`Model.goroutine`).
"""

from .core import (
    NONE,
    Goroutines,
    Intervals,
    Model,
    ProcIntervals,
    Ranges,
    Source,
    Wakes,
    count_by,
    state_name,
    sum_by,
)

__all__ = [
    "NONE",
    "Goroutines",
    "Intervals",
    "Model",
    "ProcIntervals",
    "Ranges",
    "Source",
    "Wakes",
    "count_by",
    "state_name",
    "sum_by",
]
