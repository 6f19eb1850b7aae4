"""Creation-rate spikes by creating call site: "who made 20,000 goroutines, and when".

A goroutine's *creating site* is the top frame of its creation stack, the ``go``
statement. With ``user_frames`` it is instead the first frame of that stack that
is neither the standard library / runtime nor a known goroutine-spawning wrapper
(``sync.(*WaitGroup).Go``, errgroup, ``net/http`` internals...), so that
``errgroup.(*Group).Go`` is not blamed for what its callers asked for.
Goroutines the runtime creates for itself (a ``go`` statement inside package
``runtime``: GC workers, the trace reader) keep their runtime site: no caller of
theirs "matters". Goroutines with no creation stack (they existed before the
trace began, or the trace recorded none) form the *unknown creator* site; they
are counted, never dropped, but have no creation time, so no rate.

Rates are counted in fixed windows ``[i*w, (i+1)*w)`` from the first event; the
default ``w`` is span/100 rounded up to 1, 2 or 5 x 10^k ns (at least 1 µs).

Spike, precisely. For a site with counts ``c[i]`` per window:

* its *smoothed* series ``s[i]`` is the mean of ``c`` over windows ``i-2..i+2``
  (fewer at the edges), so a poll loop that creates a batch every other window
  has a steady level rather than alternating zeros;
* its *baseline* ``b`` is the 25th percentile of ``s``: the level the site
  stays at or above three quarters of the time. A burst may thus cover up to
  three quarters of the trace and still stand out (the timingwheel burst fills
  more than half of its trace, so a median would make the burst its own
  baseline), while a steady site's baseline is its steady level. A site that
  starts creating at a high rate part-way through the trace has ``b = 0`` and
  is reported: from nothing to a flood is what a user needs to see first;
* the *trace-wide baseline* ``B`` is the same computation on the total count of
  all sites per window;
* window ``i`` is a *spike window* when all of ``c[i] >= K*b`` (K = 5),
  ``c[i] >= MIN_COUNT`` (50 creations: a handful of goroutines is never an
  incident) and ``c[i] - b >= B`` (the site's excess alone at least doubles the
  whole program's usual creation count in that window);
* a site *is a spike* when it has a spike window. Its *peak* is its busiest
  window; its *burst* is the stretch of windows around the peak whose counts are
  at least ``max(2*b, BURST_FLOOR)``, where gaps of up to BURST_GAP windows
  (a GC pause) do not end the burst.

Sites are ranked spikes first, then by peak count, then by total, then the
user's own code before the standard library's.

Everything per goroutine is a numpy operation (bincount / fancy indexing); the
Python loops run over distinct stacks and sites, never over goroutines, because
a churn trace has millions of goroutines and a few thousand stacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..durations import nice_ceiling
from ..model import Model, state_name
from ..stacks import is_std
from ..tables import Frame, Tables
from ..trace.events import GoState

K = 5
MIN_COUNT = 50
BURST_FLOOR = 10
BURST_GAP = 2
SMOOTH = 5
QUIET = 25
MAX_WINDOWS = 20_000
MAX_CALLERS = 10

# Goroutine-spawning helpers whose ``go`` statement is never the interesting one.
# The standard library (sync.(*WaitGroup).Go, net/http's conn handling, runtime)
# is skipped through ``is_std`` already.
WRAPPER_PREFIXES = (
    "golang.org/x/sync/errgroup.",
    "golang.org/x/sync/singleflight.",
    "github.com/sourcegraph/conc.",
    "github.com/sourcegraph/conc/",
    "github.com/panjf2000/ants",
)


@dataclass(slots=True)
class Caller:
    """One distinct chain of frames below a site (callers of the site, innermost first)."""

    frames: list[Frame]
    count: int


@dataclass(slots=True)
class Burst:
    start_window: int
    end_window: int  # inclusive
    count: int


@dataclass(slots=True)
class Site:
    frame: Frame | None  # None: unknown creator
    total: int
    series: npt.NDArray[np.int64]  # creations per window (timed ones only)
    baseline: float  # creations per window
    is_spike: bool
    peak_window: int  # -1 when no creation of the site has a time
    alive_at_end: int
    end_state: str | None  # dominant state of those alive at the end
    callers: list[Caller]
    burst: Burst | None = None
    index: int = 0  # position in ``Spikes.site_of_row``'s numbering

    @property
    def peak_count(self) -> int:
        return int(self.series[self.peak_window]) if self.peak_window >= 0 else 0


@dataclass(slots=True)
class Spikes:
    window_ns: int
    span_ns: int
    baseline: float  # trace-wide, creations per window
    sites: list[Site]  # ranked
    site_of_row: npt.NDArray[np.int32] = field(repr=False)  # Site.index of each goroutine row

    def rows_of(self, site: Site) -> npt.NDArray[np.int64]:
        """Goroutine rows created at ``site`` (for views that list them)."""
        return np.flatnonzero(self.site_of_row == site.index)

    def burst_span(self, site: Site) -> tuple[int, int]:
        """[start, end) in ns of the site's burst, or of its peak window when it has none."""
        if site.burst is not None:
            lo, hi = site.burst.start_window, site.burst.end_window + 1
        else:
            lo = max(site.peak_window, 0)
            hi = lo + 1
        return lo * self.window_ns, min(hi * self.window_ns, self.span_ns)


def default_window(span_ns: int) -> int:
    """span/100 rounded up to 1, 2 or 5 x 10^k ns, at least 1 µs."""
    return nice_ceiling(max(span_ns / 100, 1000))


def _is_wrapper(func: str) -> bool:
    return not func or is_std(func) or func.startswith(WRAPPER_PREFIXES)


def _site_depth(tables: Tables, stack_id: int, user_frames: bool, cache: dict[int, bool]) -> int:
    """Index in the stack of the frame that names the creating site (-1: none)."""
    ids = tables.stacks[stack_id]
    if not ids:
        return -1
    if not user_frames or tables.frames[ids[0]].func.startswith("runtime."):
        return 0
    for depth, fid in enumerate(ids):
        wrapper = cache.get(fid)
        if wrapper is None:
            wrapper = cache[fid] = _is_wrapper(tables.frames[fid].func)
        if not wrapper:
            return depth
    return 0


def smoothed(counts: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Centred moving mean over SMOOTH windows along the last axis (shorter at the edges)."""
    n = counts.shape[-1]
    half = SMOOTH // 2
    csum = np.concatenate([np.zeros((*counts.shape[:-1], 1)), np.cumsum(counts, axis=-1)], axis=-1)
    idx = np.arange(n)
    lo = np.clip(idx - half, 0, n)
    hi = np.clip(idx + half + 1, 0, n)
    return np.asarray((csum[..., hi] - csum[..., lo]) / (hi - lo), np.float64)


def baseline(counts: npt.NDArray[np.int64]) -> float:
    """The quiet level of a series: QUIET-th percentile of its smoothed counts."""
    if counts.shape[-1] == 0:
        return 0.0
    return float(np.percentile(smoothed(counts), QUIET))


def spike_windows(counts: npt.NDArray[np.int64], site_base: float, trace_base: float
                  ) -> npt.NDArray[np.bool_]:
    return np.asarray((counts >= K * site_base) & (counts >= MIN_COUNT)
                      & (counts - site_base >= trace_base), bool)


def _burst(counts: npt.NDArray[np.int64], site_base: float, peak: int) -> Burst:
    elevated = np.flatnonzero(counts >= max(2 * site_base, BURST_FLOOR))
    breaks = np.concatenate([[0], np.cumsum(np.diff(elevated) > BURST_GAP + 1)])
    part = elevated[breaks == breaks[np.searchsorted(elevated, peak)]]
    lo, hi = int(part[0]), int(part[-1])
    return Burst(lo, hi, int(counts[lo : hi + 1].sum()))


def creation_spikes(model: Model, window_ns: int | None = None, user_frames: bool = False) -> Spikes:
    """Every creating site with its per-window series, baseline, spike flag and callers."""
    g = model.goroutines
    t = model.tables
    span = int(model.span_ns or 0)
    w = window_ns or default_window(span)
    nw = span // w + 1
    if nw > MAX_WINDOWS:
        raise ValueError(f"a {w:,} ns window cuts the {span:,} ns trace into more than "
                         f"{MAX_WINDOWS:,} windows; use a longer window")

    # Per distinct creation stack: its site and the caller chain below it.
    stack_counts = np.bincount(g.creation_stack, minlength=len(t.stacks))
    used = np.flatnonzero(stack_counts)
    site_of_frame: dict[int, int] = {}
    frames: list[Frame | None] = [None]
    site_of_stack = np.zeros(len(t.stacks), np.int32)
    chains: list[dict[tuple[int, ...], int]] = [{}]
    cache: dict[int, bool] = {}
    for sid, n in zip(used.tolist(), stack_counts[used].tolist(), strict=True):
        depth = _site_depth(t, sid, user_frames, cache)
        if depth < 0:
            continue
        ids = t.stacks[sid]
        site = site_of_frame.get(ids[depth])
        if site is None:
            site = site_of_frame[ids[depth]] = len(frames)
            frames.append(t.frames[ids[depth]])
            chains.append({})
        site_of_stack[sid] = site
        chain = ids[depth + 1 :]
        chains[site][chain] = chains[site].get(chain, 0) + n
    nsites = len(frames)

    row_site = site_of_stack[g.creation_stack]
    totals = np.bincount(row_site, minlength=nsites)
    timed = g.created_ns >= 0
    widx = np.minimum(g.created_ns[timed] // w, nw - 1)
    series = np.bincount(row_site[timed].astype(np.int64) * nw + widx,
                         minlength=nsites * nw).reshape(nsites, nw)
    alive = g.state != GoState.NOT_EXIST
    alive_counts = np.bincount(row_site[alive], minlength=nsites)
    end_states = _dominant_end_states(model, row_site[alive], nsites)

    trace_base = baseline(series.sum(axis=0))
    quiet = np.percentile(smoothed(series), QUIET, axis=1) if nw else np.zeros(nsites)
    sites: list[Site] = []
    for i in range(nsites):
        c = series[i]
        peak = int(c.argmax()) if c.any() else -1
        b = float(quiet[i])
        spike = peak >= 0 and bool(spike_windows(c, b, trace_base).any())
        callers = sorted((Caller([t.frames[f] for f in chain], n) for chain, n in chains[i].items()),
                         key=lambda x: (-x.count, [f.func for f in x.frames]))
        sites.append(Site(
            frame=frames[i], total=int(totals[i]), series=c, baseline=b, is_spike=spike,
            peak_window=peak, alive_at_end=int(alive_counts[i]), end_state=end_states[i],
            callers=callers[:MAX_CALLERS], burst=_burst(c, b, peak) if spike else None, index=i,
        ))
    sites = [s for s in sites if s.total]
    # Ties (a site and the std helper it always goes through) put the user's code first.
    sites.sort(key=lambda s: (not s.is_spike, -s.peak_count, -s.total,
                              s.frame is None or is_std(s.frame.func), s.index))
    return Spikes(window_ns=w, span_ns=span, baseline=trace_base, sites=sites, site_of_row=row_site)


def _dominant_end_states(model: Model, alive_site: npt.NDArray[np.int32], nsites: int) -> list[str | None]:
    """Most common user-facing state among each site's goroutines alive at the end."""
    g = model.goroutines
    alive = g.state != GoState.NOT_EXIST
    nstr = len(model.tables.strings)
    key = g.state[alive].astype(np.int64) * nstr + g.reason[alive]
    present = np.flatnonzero(np.bincount(key, minlength=1))
    label_of_key = np.zeros(len(present) and int(present[-1]) + 1, np.int64)
    label_of_key[present] = np.arange(len(present))
    nlab = max(len(present), 1)
    per = np.bincount(alive_site.astype(np.int64) * nlab + label_of_key[key],
                      minlength=nsites * nlab).reshape(nsites, nlab)
    names = [state_name(int(k // nstr), model.tables.strings[int(k % nstr)]) for k in present.tolist()]
    best = per.argmax(axis=1)
    return [names[int(best[i])] if per[i, best[i]] else None for i in range(nsites)]
