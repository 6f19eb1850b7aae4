"""Where a scan's tasks run: a local process pool by default, a Dask cluster on request.

Both run the same function (:func:`.analyse.analyse`) on the same tasks and
yield results as they complete, so the scan writes the same rows either way.

* Local: a ``ProcessPoolExecutor`` (one process per core by default; one file
  per process at a time, since a model of a big trace takes the memory of a
  process). At most ``4 x workers`` tasks are in flight, so a scan of a
  million paths does not queue a million futures. A worker that dies (the
  kernel's OOM killer, a crash) breaks the pool: the tasks it was running are
  then retried one by one in a process of their own, and only the one that
  kills its process again is reported as failed.
* Dask: ``--dask local`` starts a ``LocalCluster`` on this machine (loopback);
  ``--dask tcp://host:8786`` uses a running scheduler. Workers need gotrace
  installed and must see the paths (shared storage, or URLs fsspec opens).
  Dask retries a task whose worker died; a task that keeps killing workers
  ends as ``KilledWorker`` and is reported as failed.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from ..errors import GotraceError
from ..export import require
from .analyse import FileResult, analyse, failed
from .inputs import Task

IN_FLIGHT_PER_WORKER = 4

TaskFn = Callable[[Task], FileResult]


def _context() -> multiprocessing.context.BaseContext | None:
    """forkserver where there is one: forking a process that runs threads (the progress bar,
    Dask's client) is unsafe, and spawning re-imports everything per worker."""
    try:
        return multiprocessing.get_context("forkserver")
    except ValueError:
        return None


def _isolated(task: Task, task_fn: TaskFn) -> FileResult:
    """Run one task in a process of its own: the suspects of a crash are tried one by one."""
    with ProcessPoolExecutor(1, mp_context=_context()) as pool:
        try:
            return pool.submit(task_fn, task).result()
        except BrokenProcessPool:
            return failed(task, "the process analysing it died (out of memory?)")


def run_local(tasks: list[Task], workers: int, task_fn: TaskFn = analyse) -> Iterator[FileResult]:
    """Results of ``tasks`` run on ``workers`` local processes, in completion order (one worker:
    in this process). ``task_fn`` is :func:`.analyse.analyse`; a test swaps in one that crashes."""
    if workers <= 1:
        for task in tasks:
            yield task_fn(task)
        return
    pending = deque(tasks)
    suspects: list[Task] = []
    while pending:
        in_flight: dict[Future[FileResult], Task] = {}
        with ProcessPoolExecutor(workers, mp_context=_context()) as pool:
            while pending or in_flight:
                while pending and len(in_flight) < workers * IN_FLIGHT_PER_WORKER:
                    task = pending.popleft()
                    in_flight[pool.submit(task_fn, task)] = task
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                broken = False
                for fut in done:
                    task = in_flight.pop(fut)
                    try:
                        yield fut.result()
                    except BrokenProcessPool:
                        broken = True
                        suspects.append(task)
                    except Exception as e:  # the result could not come back (pickling...)
                        yield failed(task, f"{type(e).__name__}: {e}")
                if broken:
                    suspects.extend(in_flight.values())
                    in_flight.clear()
                    break
        for task in suspects:
            yield _isolated(task, task_fn)
        suspects.clear()


def run_dask(tasks: list[Task], scheduler: str, workers: int, task_fn: TaskFn = analyse
             ) -> Iterator[FileResult]:
    """Results of ``tasks`` run on a Dask cluster (``local``: a LocalCluster of ``workers``), in
    completion order. ``task_fn`` as for :func:`run_local`."""
    distributed = require("distributed", "fleet", "--dask")
    cluster = None
    try:
        if scheduler == "local":
            cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                               silence_logs=logging.ERROR, dashboard_address=None)
            client = distributed.Client(cluster)
        else:
            client = distributed.Client(scheduler, timeout="30s")
    except (OSError, TimeoutError, RuntimeError) as e:
        if cluster is not None:
            cluster.close()
        what = "cannot start a LocalCluster" if scheduler == "local" else "cannot reach the scheduler"
        raise GotraceError(f"--dask {scheduler}: {what} ({e})") from None
    try:
        keys = [f"gotrace-analyse-{i}" for i in range(len(tasks))]
        futures = client.map(task_fn, tasks, pure=False, key=keys)
        task_of = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        # with_results: the client fetches results in the background as tasks finish, instead of
        # one round trip per result here (which made the scan wait on the network, not the CPU).
        for fut, result in distributed.as_completed(futures, with_results=True, raise_errors=False):
            if fut.status == "error":  # KilledWorker, a worker without gotrace...
                error = fut.exception()
                yield failed(task_of[fut.key], f"dask: {type(error).__name__}: {error}")
            else:
                yield result
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
