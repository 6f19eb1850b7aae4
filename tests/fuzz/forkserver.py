"""A gotrace imported once, forking one watched child per command: fuzzing at the speed of the
work, not of Python's start-up (over a second here, against tens of milliseconds per run).

Run as ``python -P tests/fuzz/forkserver.py`` with the environment the runs need
(``GOTRACE_PURE_PYTHON=1`` for the pure-Python readers: the accelerators are
chosen at import). It reads one JSON job per line on stdin::

    {"args": [...], "stdout": PATH, "stderr": PATH, "timeout_s": 30, "rss_limit": BYTES,
     "debug": false}

forks, and in the child runs ``gotrace ARGS`` as the console script does
(stdout and stderr to the given files, stdin from /dev/null, exit status from
``sys.exit``; an exception that escapes is printed as Python prints it, so a
traceback shows). The parent is the watchdog: it kills the child at
``timeout_s`` of wall time or when its resident memory passes ``rss_limit``,
and answers one JSON line::

    {"code": int, "signal": "SIGSEGV" | null, "killed": "time" | "rss" | null,
     "wall_s": float, "cpu_s": float, "maxrss": BYTES}

Only the standard library and gotrace: it must not depend on the test tree.
"""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import sys
import time
import traceback
from typing import Any

PAGE = os.sysconf("SC_PAGE_SIZE")


def _preload() -> None:
    """Import everything a command may import lazily, so the children need not."""
    import gotrace.analysis.diff
    import gotrace.analysis.grouping
    import gotrace.analysis.leaks
    import gotrace.analysis.procs
    import gotrace.analysis.spikes
    import gotrace.analysis.summary
    import gotrace.cli
    import gotrace.model.from_dump
    import gotrace.model.from_trace
    import gotrace.trace.reader
    import gotrace.trace.v1
    import gotrace.trace.v2  # noqa: F401


def _child(job: dict[str, Any], proto_fds: tuple[int, ...], encodings: tuple[tuple[str, str], ...]) -> None:
    """Become ``gotrace ARGS``; never returns."""
    code = 1
    try:
        for fd in proto_fds:
            os.close(fd)
        null = os.open(os.devnull, os.O_RDONLY)
        out = os.open(job["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        err = os.open(job["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        for src, dst in ((null, 0), (out, 1), (err, 2)):
            os.dup2(src, dst)
            os.close(src)
        (out_enc, out_errors), (err_enc, err_errors) = encodings
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding=out_enc, errors=out_errors)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding=err_enc,
                                      errors=err_errors, line_buffering=True)
        if job.get("debug"):
            os.environ["GOTRACE_DEBUG"] = "1"
        # A backstop for address space only: the watchdog judges resident memory.
        limit = int(job["rss_limit"]) * 4 + _vm_size()
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        from gotrace.cli import cli

        try:
            cli.main(args=list(job["args"]), prog_name="gotrace", standalone_mode=True)
            code = 0
        except SystemExit as e:
            if e.code is None or isinstance(e.code, int):
                code = e.code or 0
            else:  # as the interpreter does with sys.exit("text")
                print(e.code, file=sys.stderr)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                traceback.print_exc()  # as the interpreter reports a failed flush at exit
                code = 120
    finally:
        os._exit(code)


def _vm_size() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * PAGE


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def run(job: dict[str, Any], proto_fds: tuple[int, ...], encodings: tuple[tuple[str, str], ...]
        ) -> dict[str, Any]:
    """Fork, watch, reap: the job's result."""
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(job, proto_fds, encodings)
    killed = None
    delay = 0.001
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if killed is None:
            if _rss(pid) > job["rss_limit"]:
                killed = "rss"
            elif time.monotonic() - t0 > job["timeout_s"]:
                killed = "time"
            if killed is not None:
                os.kill(pid, signal.SIGKILL)
        time.sleep(delay)
        delay = min(delay * 2, 0.01)
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
    return {
        "code": os.waitstatus_to_exitcode(status),
        "signal": signal.Signals(sig).name if sig else None,
        "killed": killed,
        "wall_s": round(time.monotonic() - t0, 4),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 4),
        "maxrss": usage.ru_maxrss * 1024,
    }


def main() -> None:
    _preload()
    # The protocol gets its own descriptors; the children's 0/1/2 are their files.
    jobs = os.fdopen(os.dup(0), "r", encoding="utf-8")
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    encodings = ((sys.stdout.encoding, sys.stdout.errors or "strict"),
                 (sys.stderr.encoding, sys.stderr.errors or "backslashreplace"))
    proto = (jobs.fileno(), answers.fileno())
    answers.write('{"ready": true}\n')
    answers.flush()
    for line in jobs:
        answers.write(json.dumps(run(json.loads(line), proto, encodings)) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
