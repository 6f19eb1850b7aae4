"""Which creation sites and blocking sites grow across files and hosts: the fleet's answer.

Input: per file, goroutines alive per creation site and blocked per blocking
site (:func:`.analyse.site_counts`), with the file's host and time. For each
site and host, the series is the site's count in each of the host's files in
time order (0 in a file where the site has no goroutine). Per site:

* ``hosts``: hosts where it has goroutines in some file;
* ``hosts_growing``: hosts where its count in the last file is higher than in
  the first; ``hosts_with_series`` counts the hosts that have two files or
  more (a host with one file cannot show growth);
* ``everywhere``: it grows on every host that has a series;
* ``first`` / ``last``: summed over hosts, in each host's first and last file;
  ``growth`` = last - first; ``peak``: its largest count in one file;
* ``files``: files where it has goroutines.

Sites are ranked by hosts growing, then growth: the creation site that grows
on every host comes first. Files without a host form one series, "(unknown)".
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

UNKNOWN_HOST = "(unknown)"

SCHEMA = pa.schema([
    ("kind", pa.string()), ("site_func", pa.string()), ("site_file", pa.string()), ("site_line", pa.int32()),
    ("hosts", pa.int64()), ("hosts_growing", pa.int64()), ("hosts_with_series", pa.int64()),
    ("everywhere", pa.bool_()), ("first", pa.int64()), ("last", pa.int64()), ("growth", pa.int64()),
    ("peak", pa.int64()), ("files", pa.int64()),
])


def file_order(files: list[tuple[str, str | None, datetime | None]]
               ) -> tuple[dict[str, tuple[str, int, int]], dict[str, int]]:
    """file -> (host, position among the host's files, number of the host's files); and
    host -> number of files."""
    by_host: dict[str, list[tuple[datetime | None, str]]] = {}
    for file, host, time in files:
        by_host.setdefault(host or UNKNOWN_HOST, []).append((time, file))
    out = {}
    for host, entries in by_host.items():
        entries.sort(key=lambda e: (e[0] is None, e[0] or datetime.min.replace(tzinfo=UTC), e[1]))
        for pos, (_, file) in enumerate(entries):
            out[file] = (host, pos, len(entries))
    return out, {host: len(entries) for host, entries in by_host.items()}


def growth_table(sites: list[pa.Table], files: list[tuple[str, str | None, datetime | None]]) -> pa.Table:
    """The ranked growth report of the ``sites`` tables (rows: file, kind, site_func/file/line,
    count) over the successful ``files`` (file, host, time)."""
    order, per_host = file_order(files)
    hosts_with_series = sum(1 for n in per_host.values() if n >= 2)
    if not sum(t.num_rows for t in sites):
        return SCHEMA.empty_table()
    needed = ["file", "kind", "site_func", "site_file", "site_line", "count"]
    cols = pa.concat_tables([t.select(needed) for t in sites]).to_pydict()
    site_ids: dict[tuple[str, str, str, int], int] = {}
    host_ids: dict[str, int] = {}
    sid = np.empty(len(cols["file"]), np.int64)
    hid = np.empty(len(cols["file"]), np.int64)
    pos = np.empty(len(cols["file"]), np.int64)
    nfiles = np.empty(len(cols["file"]), np.int64)
    columns = (cols["file"], cols["kind"], cols["site_func"], cols["site_file"], cols["site_line"])
    for i, (file, kind, func, sfile, line) in enumerate(zip(*columns, strict=True)):
        sid[i] = site_ids.setdefault((kind, func, sfile, line), len(site_ids))
        host, pos[i], nfiles[i] = order[file]
        hid[i] = host_ids.setdefault(host, len(host_ids))
    count = np.asarray(cols["count"], np.int64)
    n_sites, n_hosts = len(site_ids), len(host_ids)
    cell = sid * n_hosts + hid
    first = np.bincount(cell, weights=np.where(pos == 0, count, 0), minlength=n_sites * n_hosts)
    last = np.bincount(cell, weights=np.where(pos == nfiles - 1, count, 0), minlength=n_sites * n_hosts)
    seen = np.bincount(cell, minlength=n_sites * n_hosts) > 0
    series = np.zeros(n_sites * n_hosts, bool)
    series[cell] = nfiles >= 2
    first, last = first.reshape(n_sites, n_hosts), last.reshape(n_sites, n_hosts)
    grows = (last > first) & series.reshape(n_sites, n_hosts)
    peak = np.zeros(n_sites, np.int64)
    np.maximum.at(peak, sid, count)
    keys = list(site_ids)
    table = pa.table({
        "kind": pa.array([k[0] for k in keys], pa.string()),
        "site_func": pa.array([k[1] for k in keys], pa.string()),
        "site_file": pa.array([k[2] for k in keys], pa.string()),
        "site_line": pa.array([k[3] for k in keys], pa.int32()),
        "hosts": pa.array(seen.reshape(n_sites, n_hosts).sum(axis=1), pa.int64()),
        "hosts_growing": pa.array(grows.sum(axis=1), pa.int64()),
        "hosts_with_series": pa.array(np.full(n_sites, hosts_with_series), pa.int64()),
        "everywhere": pa.array((grows.sum(axis=1) == hosts_with_series) & (hosts_with_series > 0),
                               pa.bool_()),
        "first": pa.array(first.sum(axis=1).astype(np.int64), pa.int64()),
        "last": pa.array(last.sum(axis=1).astype(np.int64), pa.int64()),
        "growth": pa.array((last - first).sum(axis=1).astype(np.int64), pa.int64()),
        "peak": pa.array(peak, pa.int64()),
        "files": pa.array(np.bincount(sid, minlength=n_sites), pa.int64()),
    }, schema=SCHEMA)
    # Ties are broken by the site itself, so the order never depends on the files' completion order.
    rank = np.lexsort((np.array([k[3] for k in keys]), np.array([k[2] for k in keys]),
                       np.array([k[1] for k in keys]),
                       -table["growth"].to_numpy(), -table["hosts_growing"].to_numpy(),
                       np.array([k[0] != "created" for k in keys])))
    return table.take(pa.array(rank))
