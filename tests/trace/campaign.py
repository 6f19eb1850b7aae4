"""The hostile-input campaign: mutated traces through every command, on both reader paths.

    python tests/trace/campaign.py --format v2 --minutes 30 --out /tmp/campaign-v2

Each input is a seed trace (the repository's small traces; the corpus's too when
present) with one to three mutations from trace_mutate.py. A worker process runs, on the
C path and on the pure-Python path, what the CLI runs for ``info``, ``goroutines``,
``procs``, ``spikes`` and ``events`` (in process, through click, without options)
plus the TUI's precomputed analyses, and records each command's exit status,
output and notices. A finding is:

* a traceback: any exception that is not a GotraceError turned into exit 1;
* a usage error (exit 2): no option was given, so data was blamed on one;
* a twin difference: the two paths disagree on any status, output or notice;
* a timeout: a path taking longer than --limit seconds on an input (it is killed);
* memory: a path whose RSS passes --rss-mb on an input (the seeds need ~150 MB).

Each path runs in a child forked for the input (see _in_child), so the time and
RSS reported are those of one input on one path.

Findings are saved in --out as ``NNNN.trace`` with ``NNNN.json`` (what happened,
the mutation, the seed); ``summary.json`` holds the counts: inputs run, findings
by kind and distinct signature, the slowest input and the largest RSS.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import pickle
import random
import resource
import select
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DATA = REPO / "tests" / "data"
CORPUS = (REPO / ".." / "shared" / "corpus").resolve()
sys.path.insert(0, str(HERE))

COMMANDS: tuple[tuple[str, ...], ...] = (
    ("info", "--format", "json"),
    ("goroutines", "--format", "json"),
    ("goroutines",),
    ("procs", "--format", "json"),
    ("procs", "--width", "60"),
    ("spikes", "--format", "json"),
    ("spikes",),
    ("events",),
)


def seeds(fmt: str) -> list[Path]:
    """Small real traces of the format: quick to run, yet every kind of record is there."""
    if fmt == "v1":
        paths = [*sorted((DATA / "v1").glob("*_good")), DATA / "emptynames" / "emptynames.go1.21.trace",
                 REPO / "samples" / "spike.go1.21.trace"]
        corpus = ["go1.19/mixed.trace", "go1.21/mixed.trace"]
    else:
        paths = [*sorted((DATA / "gotests").glob("*.trace")),
                 *sorted((DATA / "emptynames").glob("*.go1.2[27].trace")),
                 DATA / "v2small.trace", REPO / "samples" / "spike.go1.25.trace",
                 REPO / "samples" / "leak-early.go1.23.trace"]
        corpus = ["go1.22/mixed.trace", "go1.23/mixed.trace"]
    paths += [CORPUS / c for c in corpus if (CORPUS / c).is_file()]
    return [p for p in paths if p.is_file()]


# --- the worker ---------------------------------------------------------------


def _observe(path: str, native: bool) -> dict[str, Any]:
    """Every command's (exit status, stdout, stderr) on one path; tracebacks apart."""
    from click.testing import CliRunner
    from twins import reader_path

    import gotrace.cli as cli_mod
    from gotrace.errors import GotraceError

    out: dict[str, Any] = {"tracebacks": []}
    models: dict[str, Any] = {}
    real_load = cli_mod.load_raw

    def load_once(raw: Any, *args: Any, **kw: Any) -> Any:
        # One model per input and path, shared by the commands (as the TUI shares it).
        if "m" not in models:
            models["m"] = real_load(raw, *args, **kw)
        return models["m"]

    cli_mod.load_raw = load_once
    try:
        with reader_path(native):
            runner = CliRunner()
            for cmd in COMMANDS:
                r = runner.invoke(cli_mod.cli, [*cmd, path])
                key = " ".join(cmd)
                stdout = r.stdout
                if cmd[0] == "info" and r.exit_code == 0:
                    doc = json.loads(stdout)
                    doc.pop("reader", None)
                    stdout = json.dumps(doc)
                out[key] = (r.exit_code, stdout, r.stderr)
                if r.exception is not None and not isinstance(r.exception, SystemExit):
                    out["tracebacks"].append((key, _signature(r.exc_info), "".join(
                        traceback.format_exception(*r.exc_info))))
                elif r.exit_code == 2:
                    out["tracebacks"].append((key, f"usage error: {r.stderr.strip()[-200:]}", ""))
            if "m" in models:
                from gotrace.tui.session import precompute

                try:
                    precompute(models["m"])
                except GotraceError:
                    pass
                except Exception:
                    info = sys.exc_info()
                    out["tracebacks"].append(("view (precompute)", _signature(info),
                                              traceback.format_exc()))
    finally:
        cli_mod.load_raw = real_load
    return out


def _signature(exc_info: Any) -> str:
    """Exception type and the innermost gotrace frame: one bug, however many inputs hit it."""
    etype, exc, tb = exc_info
    where = "?"
    for fr in traceback.extract_tb(tb):
        if "/gotrace/" in fr.filename or "/tui/" in fr.filename:
            where = f"{Path(fr.filename).name}:{fr.name}:{fr.lineno}"
    return f"{etype.__name__} at {where}: {str(exc)[:80]}"


def _in_child(path: str, native: bool, limit: float) -> dict[str, Any]:
    """_observe in a forked child: its own RSS high-water mark, killed past ``limit``.

    A fresh process per input and path measures what the tool needs for that
    input alone (the worker only pays the imports once), and nothing one input
    leaves behind (click's runner keeps output buffers) weighs on the next.
    """
    r, w = os.pipe()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(r)
        try:
            payload = pickle.dumps(_observe(path, native))
        except BaseException:  # the harness itself failed: report it
            payload = pickle.dumps({"tracebacks": [("harness", "harness error",
                                                    traceback.format_exc())]})
        with os.fdopen(w, "wb") as f:
            f.write(payload)
        os._exit(0)
    os.close(w)
    chunks = []
    deadline = t0 + limit
    with os.fdopen(r, "rb") as f:
        while True:
            left = deadline - time.perf_counter()
            if left <= 0 or not select.select([f], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                break
            chunk = f.read1(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    _, status, usage = os.wait4(pid, 0)
    secs = time.perf_counter() - t0
    if secs > limit or status != 0 or not chunks:
        return {"timeout": secs > limit, "status": status, "secs": secs,
                "rss_kb": usage.ru_maxrss, "tracebacks": []}
    res: dict[str, Any] = pickle.loads(b"".join(chunks))
    res["secs"] = secs
    res["rss_kb"] = usage.ru_maxrss
    return res


def _worker(conn: Any, mem_limit: int, limit: float) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (mem_limit, mem_limit))
    # Imported once here, inherited by every child.
    import gotrace.tui.session

    import gotrace.cli  # noqa: F401

    tmp = tempfile.mkdtemp(prefix="gotrace-campaign-")
    path = os.path.join(tmp, "input.trace")
    while True:
        job = conn.recv()
        if job is None:
            return
        with open(path, "wb") as f:
            f.write(job)
        res = {"c": _in_child(path, True, limit), "py": _in_child(path, False, limit)}
        conn.send(res)


# --- the campaign ---------------------------------------------------------------


class Worker:
    def __init__(self, mem_limit: int, limit: float) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, mem_limit, limit), daemon=True)
        self.proc.start()

    def run(self, data: bytes, limit: float) -> dict[str, Any] | None:
        """Both paths' observations, or None if the worker itself stopped answering."""
        self.conn.send(data)
        if not self.conn.poll(2 * limit + 60):
            return None
        result: dict[str, Any] = self.conn.recv()
        return result

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join()


_META = ("tracebacks", "secs", "rss_kb", "timeout", "status")


def _differences(res: dict[str, Any]) -> list[str]:
    c, py = res["c"], res["py"]
    return [k for k in c.keys() | py.keys() if k not in _META and c.get(k) != py.get(k)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--format", choices=("v1", "v2"), required=True)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--limit", type=float, default=60.0, help="seconds per input and path")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mem-gb", type=float, default=4.0, help="address-space limit of the worker")
    ap.add_argument("--rss-mb", type=float, default=500.0,
                    help="an input that takes the worker's RSS past this is a finding")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    from trace_mutate import mutate

    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    pool = [(p, p.read_bytes()) for p in seeds(args.format)]
    mem = int(args.mem_gb * (1 << 30))
    worker = Worker(mem, args.limit)
    stats: dict[str, Any] = {"format": args.format, "inputs": 0, "tracebacks": 0,
                             "twin_differences": 0, "timeouts": 0, "max_secs": 0.0,
                             "max_secs_input": "", "max_rss_mb": 0.0, "max_rss_input": "",
                             "signatures": {}}
    deadline = time.monotonic() + 60 * args.minutes
    saved = 0
    while time.monotonic() < deadline:
        seed_path, seed = rng.choice(pool)
        what, data = mutate(seed, rng, rng.choice((1, 1, 1, 2, 3)))
        stats["inputs"] += 1
        res = worker.run(data, args.limit)
        found: list[str] = []
        if res is None:
            worker.kill()
            worker = Worker(mem, args.limit)
            found.append("worker lost")
        else:
            for path in ("c", "py"):
                r = res[path]
                if r.get("timeout"):
                    stats["timeouts"] += 1
                    found.append(f"{path}: timeout > {args.limit}s")
                elif "status" in r:
                    found.append(f"{path}: died with status {r['status']}")
                if r["secs"] > stats["max_secs"]:
                    stats["max_secs"] = round(r["secs"], 3)
                    stats["max_secs_input"] = f"{path} path, {seed_path.name}: {what}"
                rss = round(r["rss_kb"] / 1024, 1)
                if rss > stats["max_rss_mb"]:
                    stats["max_rss_mb"] = rss
                    stats["max_rss_input"] = f"{path} path, {seed_path.name}: {what}"
                if rss > args.rss_mb:
                    found.append(f"{path}: RSS over {args.rss_mb:.0f} MB")
            tbs = res["c"]["tracebacks"] + res["py"]["tracebacks"]
            if tbs:
                stats["tracebacks"] += 1
                found += sorted({sig for _, sig, _ in tbs})
            diff = _differences(res)
            if diff:
                stats["twin_differences"] += 1
                found += [f"twins differ: {k}" for k in diff]
        new = [f for f in found if f not in stats["signatures"]]
        for f in found:
            stats["signatures"][f] = stats["signatures"].get(f, 0) + 1
        if new:
            saved += 1
            name = f"{saved:04d}"
            (args.out / f"{name}.trace").write_bytes(data)
            detail = {"seed": str(seed_path.relative_to(REPO) if seed_path.is_relative_to(REPO)
                                  else seed_path),
                      "mutation": what, "findings": found,
                      "sha256": hashlib.sha256(data).hexdigest()}
            if res is not None:
                detail["tracebacks"] = [tb for _, _, tb in res["c"]["tracebacks"]
                                        + res["py"]["tracebacks"]][:2]
                detail["c"] = {k: v for k, v in res["c"].items() if k != "tracebacks"}
                detail["py"] = {k: v for k, v in res["py"].items() if k != "tracebacks"}
            (args.out / f"{name}.json").write_text(json.dumps(detail, indent=1))
            print(f"[{stats['inputs']}] {name}: {new}", flush=True)
        if stats["inputs"] % 200 == 0:
            (args.out / "summary.json").write_text(json.dumps(stats, indent=1))
    worker.conn.send(None)
    worker.proc.join(10)
    (args.out / "summary.json").write_text(json.dumps(stats, indent=1))
    print(json.dumps({k: v for k, v in stats.items() if k != "signatures"}, indent=1))
    print(f"{len(stats['signatures'])} distinct findings")


if __name__ == "__main__":
    main()
