"""``gotrace info``: what the file is and what it holds, in a dozen lines."""

from __future__ import annotations

import click

from ..analysis.summary import summarize
from ..durations import format_duration
from ..render.text import safe
from .common import emit_json, format_option, open_model


@click.command()
@click.argument("file")
@format_option
def info(file: str, fmt: str) -> None:
    """Format, span, event and goroutine counts, Ps, GCs, and any data lost."""
    model = open_model(file)
    s = summarize(model)
    if fmt == "json":
        emit_json(s)
        return
    width = max(len(k) for k in s)
    for k, v in s.items():
        if isinstance(v, dict):
            v = ", ".join(f"{kk} {vv:,}" if isinstance(vv, int) else f"{kk} {vv}" for kk, vv in v.items())
        elif isinstance(v, list):
            v = "; ".join(map(str, v)) or "none"
        elif isinstance(v, int) and k.endswith("_ns"):
            v = format_duration(v)
        elif isinstance(v, int):
            v = f"{v:,}"
        click.echo(f"{k.removesuffix('_ns').replace('_', ' '):<{width}}  {safe(str(v))}")
