"""``gotrace cache [--clear]``: where the model cache is, what it holds, and emptying it."""

from __future__ import annotations

import click

from .. import cache as model_cache
from .. import cachekey
from ..render.text import plural, safe
from .common import emit_json, format_option


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


@click.command()
@click.option("--clear", is_flag=True, help="Remove every cached model.")
@format_option
def cache(clear: bool, fmt: str) -> None:
    """The model cache: a trace opened again maps its saved model instead of parsing.

    \b
    Location: $GOTRACE_CACHE_DIR, else $XDG_CACHE_HOME/gotrace, else ~/.cache/gotrace.
    Size cap: $GOTRACE_CACHE_MAX bytes (default 4 GiB), least recently used go first.
    Off: gotrace --no-cache COMMAND ..., or GOTRACE_NO_CACHE=1.
    An entry marked (summary only) has no state intervals: the summary
    commands saved it; view, procs and export read the trace once more and
    save it whole.
    """
    if clear:
        n = model_cache.clear()
        click.echo(f"removed {plural(n, 'cached model')} from {safe(str(cachekey.cache_dir()))}")
        return
    found = model_cache.entries()
    total = sum(e.size for e in found)
    if fmt == "json":
        emit_json({"schema_version": 1, "dir": str(cachekey.cache_dir()), "enabled": cachekey.enabled(),
                   "max_bytes": model_cache.max_bytes(), "bytes": total,
                   "entries": [{"source": e.source, "bytes": e.size, "last_used": e.last_used,
                                "intervals": e.intervals} for e in found]})
        return
    state = "" if cachekey.enabled() else " (off: GOTRACE_NO_CACHE is set)"
    click.echo(f"{safe(str(cachekey.cache_dir()))}{state}: {plural(len(found), 'cached model')}, "
               f"{_mb(total)} of {_mb(model_cache.max_bytes())}")
    for e in found:
        lean = "" if e.intervals else "  (summary only)"
        click.echo(f"  {_mb(e.size):>12}  {safe(e.source)}{lean}")
