"""``gotrace spikes``: creating call sites ranked by their creation-rate peak."""

from __future__ import annotations

import click

from ..analysis.spikes import Site, Spikes, creation_spikes, spikes_json
from ..durations import DURATION, format_duration
from ..render.table import count, render_table
from ..tables import Frame
from .common import emit_json, format_option, open_model

_SPARK = " ▁▂▃▄▅▆▇█"


def frame_label(f: Frame | None) -> str:
    if f is None:
        return "(unknown creator: existed before the trace or no creation stack)"
    return f.label()


def rate(per_s: float) -> str:
    if per_s >= 1e6:
        return f"{per_s / 1e6:.1f}M/s"
    if per_s >= 1e4:
        return f"{per_s / 1e3:.0f}k/s"
    if per_s >= 1e3:
        return f"{per_s / 1e3:.1f}k/s"
    return f"{per_s:.0f}/s" if per_s >= 10 or per_s == 0 else f"{per_s:.1f}/s"


def sparkline(series: list[int], width: int) -> str:
    """The series squeezed into ``width`` cells (max per cell), scaled to its own peak."""
    if not series:
        return ""
    n = len(series)
    cells = min(width, n)
    bins = [max(series[i * n // cells : max((i + 1) * n // cells, i * n // cells + 1)]) for i in range(cells)]
    top = max(bins) or 1
    return "".join(_SPARK[0 if v == 0 else max(1, round(v * 8 / top))] for v in bins)


def _details(sp: Spikes, s: Site) -> list[str]:
    w = sp.window_ns
    lines = [f"  {frame_label(s.frame)}"]
    if s.peak_window >= 0:
        lines.append(f"    per {format_duration(w)}: |{sparkline(s.series.tolist(), 100)}|")
    if s.burst is not None:
        b = s.burst
        start, end = b.start_window * w, min((b.end_window + 1) * w, sp.span_ns)
        lines.append(f"    burst {format_duration(start)} – {format_duration(end)}: {count(b.count)} "
                     f"created ({100 * b.count / s.total:.1f}% of the site's), "
                     f"{rate(b.count * 1e9 / max(end - start, 1))} on average")
    for c in s.callers:
        chain = " ← ".join(f.label() for f in c.frames)
        share = f"{100 * c.count / s.total:5.1f}% {count(c.count):>8}"
        lines.append(f"    {share}  ← {chain or '(no caller frames)'}")
    return lines


def render(sp: Spikes, top: int) -> str:
    per_s = 1e9 / sp.window_ns
    total = sum(s.total for s in sp.sites)
    spikes = [s for s in sp.sites if s.is_spike]
    out = [f"{count(total)} goroutines from {len(sp.sites):,} creating sites; window "
           f"{format_duration(sp.window_ns)}, trace-wide baseline {rate(sp.baseline * per_s)}; "
           + (f"{len(spikes)} spiking site{'s' if len(spikes) != 1 else ''}" if spikes else "no spike")]
    rows = []
    shown = sp.sites[:top]
    for s in shown:
        peak = (f"{count(s.peak_count)} @ {format_duration(s.peak_window * sp.window_ns)}"
                if s.peak_window >= 0 else "-")
        rows.append([
            "SPIKE" if s.is_spike else "", count(s.total), peak,
            rate(s.peak_count * per_s) if s.peak_window >= 0 else "-",
            rate(s.baseline * per_s) if s.peak_window >= 0 else "-",
            count(s.alive_at_end), s.end_state or "-", frame_label(s.frame),
        ])
    out.append(render_table(["", "CREATED", "PEAK @ WINDOW", "PEAK RATE", "BASELINE", "ALIVE", "END STATE",
                             "CREATED AT"], rows, right=(1, 2, 3, 4, 5)))
    for s in shown:
        if s.is_spike or s is shown[0]:
            out.append("")
            out.extend(_details(sp, s))
    if len(sp.sites) > top:
        out.append(f"\n({len(sp.sites) - top:,} more sites; use --top)")
    return "\n".join(out)


@click.command()
@click.argument("file")
@click.option("--window", type=DURATION, metavar="DUR",
              help="Rate window, e.g. 10ms (default: the trace span / 100, rounded).")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, metavar="N",
              help="Show the first N sites.")
@click.option("--user-frames", is_flag=True,
              help="Name each site by its first frame of your own code, skipping the runtime, "
                   "the standard library (sync.WaitGroup.Go, net/http) and wrappers like errgroup.")
@format_option
def spikes(file: str, window: int | None, top: int, user_frames: bool, fmt: str) -> None:
    """Where goroutines were created, and which call site suddenly created many.

    A site spikes when one window holds at least 5x its own quiet rate, at least
    50 creations, and more extra creations than the whole program usually makes
    in a window. The first site listed is the one to look at.

    \b
    Examples:
      gotrace spikes trace.out
      gotrace spikes trace.out --window 5ms --user-frames
      gotrace spikes trace.out --format json | jq '.sites[0].callers'

    \b
    JSON: {"window_ns", "span_ns", "baseline_rate_per_s", "sites_total",
           "sites": [{"func", "file", "line" (null: unknown creator), "total",
                      "alive_at_end", "end_state", "is_spike",
                      "peak": {"start_ns", "count", "rate_per_s"} | null,
                      "burst": {"start_ns", "end_ns", "count"} | null,
                      "baseline_rate_per_s",
                      "callers": [{"stack": [{"func", "file", "line"}], "count", "share"}],
                      "series": [creations per window]}]}
    """
    model = open_model(file, want="trace")
    if window is not None and window <= 0:
        raise click.BadParameter("must be positive", param_hint="--window")
    try:
        sp = creation_spikes(model, window, user_frames)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--window") from e
    if fmt == "json":
        emit_json(spikes_json(sp, top))
        return
    click.echo(render(sp, top))
