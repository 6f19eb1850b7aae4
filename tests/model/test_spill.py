"""The interval table kept in files (gotrace.model.spill, _summary.c's sort_spilled).

The spilled table must be the in-memory one, column for column, whatever the batch and
window sizes (the C sort's corners: one interval a batch, windows smaller than a row's
intervals, more windows than batches), from either twin; its files must be all that is
left; a write that fails is one line naming the directory; and the model cache links the
files rather than copying them.
"""

from __future__ import annotations

import dataclasses
import errno
import gzip
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA, SAMPLES

from gotrace import cache, cachekey, spilldir
from gotrace.errors import GotraceError
from gotrace.inputs import open_input
from gotrace.load import load_raw, load_trace, remember
from gotrace.model import from_trace, spill
from gotrace.model.core import Intervals

TRACES = [SAMPLES / "spike.go1.27.trace", SAMPLES / "spike.go1.21.trace", SAMPLES / "leak.go1.23.trace",
          DATA / "v1" / "keepalive_1_21_cut.trace"]
native = pytest.mark.skipif(from_trace._native is None, reason="C summary gotrace.model._summary not built")


@pytest.fixture
def sizes() -> Iterator[None]:
    """Restore the C sort's batch and window sizes after a test changes them."""
    if from_trace._native is None:
        yield
        return
    old = from_trace._native.spill_sizes(1, 1)
    from_trace._native.spill_sizes(*old)
    yield
    from_trace._native.spill_sizes(*old)


def assert_same(a: Intervals, b: Intervals) -> None:
    for f in dataclasses.fields(Intervals):
        x, y = getattr(a, f.name), getattr(b, f.name)
        assert x.dtype == y.dtype, f.name
        np.testing.assert_array_equal(x, y, err_msg=f.name)


@native
@pytest.mark.parametrize("path", TRACES, ids=lambda p: p.name)
@pytest.mark.parametrize(("batch", "window"), [(1, 1), (7, 5), (1000, 3), (3, 100_000), (1 << 20, 1 << 20)])
def test_spilled_table_is_the_one_kept_in_memory(path: Path, batch: int, window: int, tmp_path: Path,
                                                 sizes: None) -> None:
    whole = load_trace(open_input(str(path)))
    assert from_trace._native is not None
    from_trace._native.spill_sizes(batch, window)
    spilled = load_trace(open_input(str(path)), spill=tmp_path)
    assert whole.intervals is not None and spilled.intervals is not None and len(whole.intervals) > 1000
    assert_same(whole.intervals, spilled.intervals)
    # Mapped read-only from one folder of .npy files; the scratch files are gone.
    (folder,) = tmp_path.iterdir()
    names = sorted(f"{f.name}.npy" for f in dataclasses.fields(Intervals))
    assert sorted(p.name for p in folder.iterdir()) == names
    for f in dataclasses.fields(Intervals):
        col = getattr(spilled.intervals, f.name)
        assert isinstance(col, np.memmap) and not col.flags.writeable
        assert spill.file_of(col) == folder / f"{f.name}.npy"


@pytest.mark.parametrize("native_twin", [False, True])
def test_both_twins_spill_the_same_table(native_twin: bool, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    if native_twin and from_trace._native is None:
        pytest.skip("C summary not built")
    monkeypatch.setattr(from_trace, "NATIVE", native_twin)
    path = SAMPLES / "spike.go1.27.trace"
    whole = load_trace(open_input(str(path)))
    spilled = load_trace(open_input(str(path)), spill=tmp_path)
    assert whole.intervals is not None and spilled.intervals is not None
    assert_same(whole.intervals, spilled.intervals)
    assert isinstance(spilled.intervals.start, np.memmap)


@pytest.mark.parametrize("native_twin", [False, True])
def test_an_empty_table_spills(native_twin: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A trace with no goroutine transition has no interval: empty files, mapped."""
    from gotrace.tables import Tables
    from gotrace.trace.events import TraceInfo

    if native_twin and from_trace._native is None:
        pytest.skip("C summary not built")
    monkeypatch.setattr(from_trace, "NATIVE", native_twin)
    tables = Tables()
    info = TraceInfo(header="go 1.27 trace", version=27, size=0, events=0, reader="test")
    model = from_trace.build_trace_model([], info, tables, "t", spill=tmp_path)
    assert model.intervals is not None and len(model.intervals) == 0 and len(model.intervals.starts) == 1


@native
def test_a_failed_write_is_one_line_naming_the_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          sizes: None) -> None:
    """The spill files refusing writes (as a full disk does) during the read."""
    assert from_trace._native is not None
    from_trace._native.spill_sizes(8, 8)
    ro = tmp_path / "ro"
    ro.write_bytes(b"")

    def read_only(where: Path) -> tuple[object, object]:
        return open(ro, "rb"), open(ro, "rb")

    monkeypatch.setattr(spill, "scratch", read_only)
    with pytest.raises(GotraceError, match=f"cannot write the interval table's files in {tmp_path}: "):
        load_trace(open_input(str(SAMPLES / "spike.go1.27.trace")), spill=tmp_path)


def test_a_failed_sort_is_one_line_naming_the_directory(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(spill, "create", full)
    monkeypatch.setattr(spill, "saved", full)
    with pytest.raises(GotraceError, match="No space left on device"):
        load_trace(open_input(str(SAMPLES / "spike.go1.27.trace")), spill=tmp_path)


def test_the_cache_links_spilled_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOTRACE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cachekey, "MIN_SIZE", 0)
    trace = tmp_path / "t.trace"
    shutil.copy(SAMPLES / "spike.go1.27.trace", trace)
    (tmp_path / "spill").mkdir()
    model = load_raw(open_input(str(trace)), spill=tmp_path / "spill")
    key = cachekey.key_of(str(trace))
    assert key is not None and model.intervals is not None
    remember(key, model)
    src = spill.file_of(model.intervals.start)
    assert src is not None
    entry = cachekey.cache_dir() / key
    assert os.stat(entry / "i.start.npy").st_ino == os.stat(src).st_ino  # linked, not copied
    shutil.rmtree(tmp_path / "spill")  # the spill folder goes with its process; the entry stays
    again = cache.fetch(key, str(trace))
    assert again is not None and again.intervals is not None
    assert_same(model.intervals, again.intervals)


def test_a_slice_or_an_array_in_memory_is_no_file(tmp_path: Path) -> None:
    ivl = load_trace(open_input(str(SAMPLES / "spike.go1.27.trace")), spill=tmp_path).intervals
    assert ivl is not None
    assert spill.file_of(ivl.start[1:]) is None and spill.file_of(ivl.start[:-1]) is None
    assert spill.file_of(np.array(ivl.start)) is None


def test_directories_of_dead_processes_are_swept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(spilldir.tempfile, "tempdir", None)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    gone = tmp_path / f"gotrace-spill-{dead}-abc"
    alive = tmp_path / f"gotrace-spill-{os.getppid()}-abc"
    other = tmp_path / "gotrace-spill-notapid-abc"
    for d in (gone, alive, other):
        d.mkdir()
        (d / "x.npy").write_bytes(b"x")
    monkeypatch.setattr(spilldir, "_dir", None)
    mine = spilldir.directory()
    assert mine.parent == tmp_path and mine.name.startswith(f"gotrace-spill-{os.getpid()}-")
    assert not gone.exists() and alive.exists() and other.exists()
    assert spilldir.directory() == mine


@pytest.mark.parametrize("args", [["procs"], ["procs", "--format", "json"]])
def test_a_command_on_a_spilled_table_says_the_same(args: list[str], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """``procs`` on a trace past the size from which commands spill (lowered to 0 here)."""
    from click.testing import CliRunner

    from gotrace.cli import cli

    path = str(SAMPLES / "spike.go1.27.trace")
    monkeypatch.setenv("GOTRACE_NO_CACHE", "1")  # as --no-cache does, undone after the test
    plain = CliRunner().invoke(cli, [*args, path])
    monkeypatch.setattr(spill, "SPILL_FROM", 0)
    monkeypatch.setattr(spilldir, "_dir", tmp_path)
    spilled = CliRunner().invoke(cli, [*args, path])
    assert plain.exit_code == spilled.exit_code == 0 and plain.output == spilled.output
    assert [p.name[:10] for p in tmp_path.iterdir()].count("intervals-") == 1


HOSTILE = sorted((DATA / "tracefuzz").glob("*.trace")) + sorted((DATA / "gotests").glob("*.trace"))


@native
@pytest.mark.parametrize("path", HOSTILE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_hostile_and_go_test_traces_spill_the_table_they_keep(path: Path, tmp_path: Path,
                                                              sizes: None) -> None:
    """Go's own test cases and the hostile-input corpus: what loads gives the same table
    spilled (in batches of 3 and windows of 2) as kept, and what fails fails alike."""
    assert from_trace._native is not None

    def outcome(spill_to: Path | None) -> tuple[str, Intervals | None]:
        try:
            return "", load_trace(open_input(str(path)), spill=spill_to).intervals
        except GotraceError as e:
            return str(e), None

    want = outcome(None)
    from_trace._native.spill_sizes(3, 2)
    got = outcome(tmp_path)
    assert got[0] == want[0]
    if want[1] is not None:
        assert got[1] is not None
        assert_same(want[1], got[1])


def test_no_room_for_the_folder_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spilldir.tempfile, "tempdir", str(tmp_path / "missing"))
    monkeypatch.setattr(spilldir, "_dir", None)
    with pytest.raises(GotraceError, match=f"cannot make a folder for the interval table's files in "
                                           f"{tmp_path / 'missing'}: No such file or directory"):
        spilldir.directory()


@pytest.mark.parametrize("to", ["perfetto", "chrome"])
def test_an_export_of_a_spilled_table_is_the_same_file(to: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from gotrace.cli import cli

    path = str(SAMPLES / "spike.go1.27.trace")
    monkeypatch.setenv("GOTRACE_NO_CACHE", "1")
    kept, spilled = tmp_path / "kept.out", tmp_path / "spilled.out"
    assert CliRunner().invoke(cli, ["export", path, "--to", to, "-o", str(kept)]).exit_code == 0
    monkeypatch.setattr(spill, "SPILL_FROM", 0)
    monkeypatch.setattr(spilldir, "_dir", tmp_path / "spill")
    (tmp_path / "spill").mkdir()
    assert CliRunner().invoke(cli, ["export", path, "--to", to, "-o", str(spilled)]).exit_code == 0
    assert any((tmp_path / "spill").iterdir())
    if to == "chrome":  # gzip: its header holds the time it was written
        assert gzip.decompress(kept.read_bytes()) == gzip.decompress(spilled.read_bytes())
    else:
        assert kept.read_bytes() == spilled.read_bytes()


def test_a_column_let_go_reads_the_same(tmp_path: Path) -> None:
    """Its pages dropped from the process, a mapped column reads the same again (from the
    page cache or the file); a column in memory is left alone."""
    ivl = load_trace(open_input(str(SAMPLES / "spike.go1.27.trace")), spill=tmp_path).intervals
    assert ivl is not None
    want = np.array(ivl.start)
    spill.let_go(ivl.start, 0, len(ivl.start))
    spill.let_go(ivl.start, 5, 7)
    np.testing.assert_array_equal(ivl.start, want)
    spill.let_go(want, 0, len(want))
    np.testing.assert_array_equal(ivl.start, want)
