"""``gotrace leaks FILE...``: which goroutines leak, how sure, and why; a CI gate.

Exit status: 0 no suspect at or above ``--fail-on``; 3 at least one (with
``--baseline``: one that is new or grew); 1 an error; 2 a usage error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..analysis.baseline import against_baseline, site_key
from ..analysis.leaks import VERDICTS, find_leaks, verdict_rank
from ..errors import InputError
from ..load import distinct_captures
from ..render.documents import LEAKS_SCHEMA, leaks_document
from ..render.leaks import leaks_report
from ..tables import Tables
from .common import emit_json, format_option, load_series, notice, output_width, read_input, wide_option

EXIT_FOUND = 3


def read_baseline(path: str) -> dict[Any, int]:
    """Suspect counts by site from a previous ``leaks --format json``."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a gotrace leaks JSON document (not text: a capture? "
                         "--baseline takes a previous `gotrace leaks --format json`)") from None
    except (OSError, json.JSONDecodeError) as e:
        raise InputError(f"{path}: not a gotrace leaks JSON document ({e})") from None
    if not isinstance(doc, dict) or doc.get("schema_version") != LEAKS_SCHEMA or \
            not isinstance(doc.get("suspects"), list):
        raise InputError(f"{path}: not a gotrace leaks --format json document (schema_version "
                         f"{LEAKS_SCHEMA} expected)")
    out: dict[Any, int] = {}
    for s in doc["suspects"]:
        if not isinstance(s, dict) or not isinstance(s.get("count"), int):
            raise InputError(f"{path}: a suspect without a count")
        key = site_key(str(s.get("state")), s.get("blocking_site"), s.get("created_at"))
        out[key] = max(out.get(key, 0), s["count"])
    return out


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--fail-on", type=click.Choice([*VERDICTS[:-1], "never"]), default="leak", show_default=True,
              help="Exit 3 when a suspect has at least this verdict (never: always exit 0).")
@click.option("--baseline", metavar="JSON",
              help="A previous `gotrace leaks --format json`: fail only on suspects that are new or grew.")
@click.option("--all", "show_all", is_flag=True,
              help="List every group: every benign one, not only the first few, and every suspect "
              "past the first 100.")
@wide_option
@format_option
def leaks(files: tuple[str, ...], fail_on: str, baseline: str | None, show_all: bool, wide: bool,
          fmt: str) -> None:
    """Which goroutines leak: each group of blocked goroutines judged leak, likely, watch
    or benign, with a score (0-100) and the evidence for it.

    FILE is a trace, a goroutine dump of any kind, or Go's goroutineleak profile;
    a go test log, plain or -json (a timeout's traceback, goleak's report, a
    deadlocked synctest bubble), or a dump a test binary took in TestMain after
    m.Run says most.
    Several files of the same service taken over time (oldest first), or one file
    of dumps appended over time, are a series: growth between them is evidence.

    \b
    Examples:
      gotrace leaks dump.txt
      gotrace leaks before.txt after-1h.txt after-2h.txt
      gotrace leaks trace.out --format json > leaks.json
      gotrace leaks dump.txt --baseline leaks.json --fail-on likely   # CI gate

    \b
    Exit status: 0 nothing at or above --fail-on, 3 found (new or grown ones
    with --baseline), 1 error, 2 usage error.
    """
    known = read_baseline(baseline) if baseline is not None else None
    unique, again = distinct_captures([read_input(f) for f in files])
    for line in again:
        notice(line)
    tables = Tables()
    report = find_leaks([m for raw in unique for m in load_series(raw, tables)])
    marks = against_baseline(report, known) if known is not None else None
    threshold = None if fail_on == "never" else verdict_rank(fail_on)
    failed = threshold is not None and any(
        verdict_rank(s.verdict) <= threshold and (marks is None or marks[i] != "known")
        for i, s in enumerate(report.suspects))
    if fmt == "json":
        emit_json(leaks_document(report, marks, fail_on, failed))
    else:
        click.echo(leaks_report(report, None if wide else output_width(), wide, show_all, marks))
    if failed:
        raise SystemExit(EXIT_FOUND)
