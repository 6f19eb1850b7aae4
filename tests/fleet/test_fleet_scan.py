"""gotrace scan: a fleet of traces and dumps into one Parquet dataset, on a local pool or on Dask."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPUS, SAMPLES, needs_corpus

from gotrace.cli import cli

pq = pytest.importorskip("pyarrow.parquet", reason="gotrace[fleet] (pyarrow) is not installed")

from gotrace.fleet.analyse import FileResult, analyse  # noqa: E402
from gotrace.fleet.inputs import Task, expand, tasks_for  # noqa: E402
from gotrace.fleet.runners import run_dask, run_local  # noqa: E402
from gotrace.fleet.scan import ScanReport, scan  # noqa: E402

TABLES = ("groups", "spikes", "suspects", "sites")
SERVE = "example.com/samples/leak/reports.(*Handler).ServeHTTP"


def corrupt_trace(path: Path) -> Path:
    """A trace cut short with garbage after it: a real header, then nonsense."""
    data = (SAMPLES / "spike.go1.27.trace").read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data[:3000] + b"\xff" * 500)
    return path


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    """Two hosts that each went from 100 to 300 leaked renderers, one host with a trace, one
    corrupt file."""
    root = tmp_path / "fleet"
    for host in ("web-1", "web-2"):
        (root / host).mkdir(parents=True)
        shutil.copy(SAMPLES / "leak-early.go1.23.debug2.txt", root / host / "2024-05-01T1200.debug2.txt")
        shutil.copy(SAMPLES / "leak.go1.23.debug2.txt", root / host / "2024-05-01T1215.debug2.txt")
    (root / "web-3").mkdir()
    shutil.copy(SAMPLES / "leak.go1.23.trace", root / "web-3" / "2024-05-01T1215.trace")
    corrupt_trace(root / "web-2" / "2024-05-01T1230.trace")
    return root


def rows(out: Path, table: str) -> list[str]:
    """A table's rows in a canonical order (parts and row order depend on completion order)."""
    parts = sorted((out / table).glob("part-*.parquet"))
    return sorted(repr(r) for p in parts for r in pq.read_table(p).to_pylist())


def local_scan(files: list[str], out: Path, workers: int = 1) -> ScanReport:
    return scan(tasks_for(files), out, workers=workers)


def test_scan_writes_one_dataset_and_reports_the_corrupt_file(fleet: Path, tmp_path: Path) -> None:
    files, _ = expand([str(fleet)])
    out = tmp_path / "out"
    report = local_scan(files, out)
    assert len(report.results) == 6
    (bad,) = report.failures
    assert bad.file.endswith("web-2/2024-05-01T1230.trace") and bad.error and bad.file in bad.error
    status = pq.read_table(out / "files.parquet").to_pylist()
    assert [(Path(r["file"]).parent.name, r["ok"], r["kind"]) for r in status] == [
        ("web-1", True, "dump"), ("web-1", True, "dump"), ("web-2", True, "dump"), ("web-2", True, "dump"),
        ("web-2", False, "trace"), ("web-3", True, "trace")]
    groups = pq.read_table(out / "groups").to_pylist()
    assert {r["file"] for r in groups} == {r["file"] for r in status if r["ok"]}
    assert {r["host"] for r in groups} == {"web-1", "web-2", "web-3"}
    spikes = pq.read_table(out / "spikes").to_pylist()
    assert {Path(r["file"]).parent.name for r in spikes} == {"web-3"}, "only a trace has spikes"
    growth = pq.read_table(out / "growth.parquet").to_pylist()
    top = growth[0]
    assert (top["kind"], top["site_func"], top["site_line"]) == ("created", SERVE, 28)
    assert (top["hosts"], top["hosts_growing"], top["hosts_with_series"]) == (3, 2, 2)
    assert top["everywhere"]
    assert (top["growth"], top["peak"]) == (400, 300)
    blocking = next(r for r in growth if r["kind"] == "blocking")
    assert blocking["site_func"] == "example.com/samples/leak/reports.(*Handler).render"
    assert blocking["growth"] == 400


def test_a_second_scan_replaces_the_first(fleet: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    files, _ = expand([str(fleet)])
    local_scan(files, out)
    assert (out / "spikes" / "part-00000.parquet").exists()
    local_scan(files[:1], out)
    assert set(pq.read_table(out / "groups")["file"].to_pylist()) == {files[0]}
    assert not list((out / "spikes").glob("*.parquet")), "the dump-only rescan has no spikes"
    assert pq.read_table(out / "files.parquet").num_rows == 1


def test_the_local_pool_gives_the_rows_of_one_process(fleet: Path, tmp_path: Path) -> None:
    files, _ = expand([str(fleet)])
    one = local_scan(files, tmp_path / "one", workers=1)
    pool = local_scan(files, tmp_path / "pool", workers=2)
    assert pool.runner == "2 local processes"
    for table in TABLES:
        assert rows(tmp_path / "one", table) == rows(tmp_path / "pool", table), table
    assert [r.error for r in one.results] == [r.error for r in pool.results]


def crash_on(task: Task) -> FileResult:
    """Analyse, except that a file named ``crash`` kills its process (the OOM killer's way)."""
    if "crash" in task.file:
        os._exit(3)
    return analyse(task)


def test_a_worker_that_dies_fails_its_file_only(fleet: Path, tmp_path: Path) -> None:
    files, _ = expand([str(fleet / "web-1")])
    crash = tmp_path / "crash.txt"
    crash.write_text("goroutine 1 [running]:\nmain.main()\n\t/x.go:1\n")
    results = list(run_local(tasks_for([str(crash), *files]), 2, crash_on))
    assert sorted(r.file for r in results) == sorted([str(crash), *files])
    died = [r for r in results if r.error and "died" in r.error]
    assert [r.file for r in died] == [str(crash)]
    assert sum(r.ok for r in results) == 2


def raise_on(task: Task) -> FileResult:
    """Analyse, except that a file named ``crash`` raises out of the task (a worker without
    gotrace, a KilledWorker: whatever Dask itself reports as the task's error)."""
    if "crash" in task.file:
        raise RuntimeError("no gotrace on this worker")
    return analyse(task)


def test_a_task_dask_reports_as_failed_fails_its_file_only(fleet: Path) -> None:
    pytest.importorskip("distributed", reason="gotrace[fleet] (dask distributed) is not installed")
    files, _ = expand([str(fleet / "web-1")])
    crash = fleet / "crash.txt"
    crash.write_text("goroutine 1 [running]:\nmain.main()\n\t/x.go:1\n")
    results = list(run_dask(tasks_for([str(crash), *files]), "local", 2, raise_on))
    assert sorted(r.file for r in results) == sorted([str(crash), *files])
    (bad,) = [r for r in results if not r.ok]
    assert bad.file == str(crash)
    assert bad.error == f"{crash}: dask: RuntimeError: no gotrace on this worker"
    assert sum(r.ok for r in results) == 2


def test_urls_are_read_through_fsspec(fleet: Path, tmp_path: Path) -> None:
    pytest.importorskip("fsspec")
    files, _ = expand([f"file://{fleet}/web-1/*.txt"])
    report = local_scan(files, tmp_path / "out")
    assert [r.ok for r in report.results] == [True, True]
    assert report.growth.to_pylist()[0]["growth"] == 200


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_cli_scan_summary_and_json(fleet: Path, tmp_path: Path) -> None:
    r = run("scan", str(fleet), "--out", str(tmp_path / "out"), "--workers", "1")
    assert r.exit_code == 0, r.output
    assert "scanned 6 files in" in r.stdout and "5 analysed (4 dumps, 1 trace), 1 failed" in r.stdout
    assert "2/2" in r.stdout and "+400" in r.stdout and "reports.go:28" in r.stdout
    assert "gotrace: warning: failed:" in r.stderr and "2024-05-01T1230.trace" in r.stderr
    r = run("scan", str(fleet), "--out", str(tmp_path / "out"), "--workers", "1", "--format", "json")
    doc = json.loads(r.stdout)
    assert (doc["files"], doc["analysed"], len(doc["failed"])) == (6, 5, 1)
    assert doc["growth"][0]["site_func"] == SERVE


def test_cli_scan_errors(tmp_path: Path) -> None:
    r = run("scan", str(tmp_path / "nothing-*.txt"), "--out", str(tmp_path / "out"))
    assert r.exit_code == 1 and "no file to scan" in r.stderr and r.stderr.count("gotrace: error") == 1
    r = run("scan", str(SAMPLES), "--out", str(tmp_path / "o"), "--name-pattern", "(x)")
    assert r.exit_code == 2 and "named group host or time" in r.output


# --- the shared corpus, on the local pool and on a real Dask cluster -------------------------------


@pytest.fixture(scope="module")
def corpus_scan(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Task], Path, ScanReport]:
    if not CORPUS.is_dir():
        pytest.skip("reference corpus not available")
    base = tmp_path_factory.mktemp("corpus-scan")
    corrupt = corrupt_trace(base / "in" / "go1.27" / "corrupt.trace")
    files, _ = expand([*sorted(str(p) for p in CORPUS.glob("go1.*")), str(corrupt)])
    tasks = tasks_for(files)
    return tasks, base, scan(tasks, base / "local", workers=2)


@needs_corpus
def test_corpus_scan_on_the_local_pool(corpus_scan: tuple[list[Task], Path, ScanReport]) -> None:
    tasks, base, report = corpus_scan
    assert len(tasks) >= 70
    (bad,) = report.failures
    assert bad.file.endswith("corrupt.trace")
    kinds = report.kinds
    assert kinds["trace"] >= 20 and kinds["dump"] >= 45
    suspects = pq.read_table(base / "local" / "suspects").to_pylist()
    leaky = {(r["host"], r["count"]) for r in suspects if r["blocking_func"]
             and r["blocking_func"].endswith("server.longRunningTask") and r["verdict"] == "leak"}
    assert {h for h, _ in leaky} >= {"go1.19", "go1.21", "go1.22", "go1.23", "go1.26"}


@needs_corpus
def test_corpus_scan_on_dask_gives_the_same_rows(corpus_scan: tuple[list[Task], Path, ScanReport]) -> None:
    pytest.importorskip("distributed", reason="gotrace[fleet] (dask distributed) is not installed")
    tasks, base, local = corpus_scan
    report = scan(tasks, base / "dask", workers=2, dask="local")
    assert report.runner == "a Dask LocalCluster of 2 workers"
    for table in TABLES:
        assert rows(base / "dask", table) == rows(base / "local", table), table
    assert [(r.file, r.error) for r in report.results] == [(r.file, r.error) for r in local.results]
    growth = [pq.read_table(base / run / "growth.parquet") for run in ("dask", "local")]
    assert growth[0].equals(growth[1])
