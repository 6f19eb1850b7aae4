"""The model cache: a second open maps the saved model; it is never trusted blindly."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from gotrace import cache, cachekey
from gotrace.cli import cli
from gotrace.inputs import open_input
from gotrace.load import cached, load, load_raw, remember

TRACE = SAMPLES / "spike.go1.27.trace"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache of its own, caching files of any size, and a copy of a sample trace."""
    monkeypatch.setenv("GOTRACE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cachekey, "MIN_SIZE", 0)
    copy = tmp_path / "t.trace"
    shutil.copy(TRACE, copy)
    return copy


def entry_dirs() -> list[Path]:
    return [e.path for e in cache.entries()]


def test_second_open_is_served_from_the_cache_and_equal(store: Path) -> None:
    key, model = cached(str(store))
    assert key is not None and model is None
    fresh = load(str(store))
    remember(key, fresh)
    assert len(entry_dirs()) == 1
    key2, again = cached(str(store))
    assert key2 == key and again is not None
    for name in ("id", "state", "reason", "wait_ns", "created_ns", "ended_ns", "exec_ns", "last_stack"):
        assert np.array_equal(getattr(fresh.goroutines, name), getattr(again.goroutines, name)), name
    assert np.array_equal(fresh.intervals.start, again.intervals.start)  # type: ignore[union-attr]
    assert fresh.wakes is not None and again.wakes is not None and len(fresh.wakes) > 0
    for name in ("stack", "count", "last_ns"):
        assert np.array_equal(getattr(fresh.wakes, name), getattr(again.wakes, name)), name
    assert fresh.tables.strings == again.tables.strings and fresh.tables.stacks == again.tables.stacks
    assert again.span_ns == fresh.span_ns
    assert again.info is not None and fresh.info is not None and again.info.events == fresh.info.events
    # the tables still intern: a string already there keeps its id
    assert again.tables.string(fresh.tables.strings[5]) == 5


def test_the_cli_uses_the_cache_and_says_the_same(store: Path) -> None:
    first = CliRunner().invoke(cli, ["goroutines", str(store), "--format", "json"])
    assert first.exit_code == 0 and len(entry_dirs()) == 1
    second = CliRunner().invoke(cli, ["goroutines", str(store), "--format", "json"])
    assert second.stdout == first.stdout


def test_a_lean_entry_serves_summaries_and_a_full_open_replaces_it(store: Path) -> None:
    """``goroutines`` builds no intervals and saves a lean entry; the summary commands
    map it, ``procs`` (which needs intervals) parses again and leaves a full entry that
    serves both."""
    runner = CliRunner()
    first = runner.invoke(cli, ["goroutines", str(store), "--format", "json"])
    assert first.exit_code == 0
    key, lean = cached(str(store), intervals=False)
    assert lean is not None and lean.intervals is None
    listed = runner.invoke(cli, ["cache"]).stdout
    assert "(summary only)" in listed
    assert [e.intervals for e in cache.entries()] == [False]
    assert cached(str(store))[1] is None  # the viewer would not take it
    procs = runner.invoke(cli, ["procs", str(store), "--format", "json"])
    assert procs.exit_code == 0, procs.output
    assert len(entry_dirs()) == 1
    _, full = cached(str(store))
    assert full is not None and full.intervals is not None
    assert "(summary only)" not in runner.invoke(cli, ["cache"]).stdout
    assert runner.invoke(cli, ["goroutines", str(store), "--format", "json"]).stdout == first.stdout
    # a lean model never replaces a full entry
    remember(key, load_raw(open_input(str(store)), intervals=False))
    assert cached(str(store))[1] is not None


def test_a_changed_file_is_never_served_from_the_cache(store: Path) -> None:
    key, _ = cached(str(store))
    remember(key, load(str(store)))
    data = bytearray(store.read_bytes())
    store.write_bytes(bytes(data[:-100]))  # another trace now: cut short
    key2, model = cached(str(store))
    assert key2 != key and model is None
    os.utime(store, ns=(0, 0))  # same bytes, other mtime: still a new key
    assert cached(str(store))[0] not in (key, None)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "manifest", "remove"])
def test_a_damaged_entry_is_rebuilt(store: Path, damage: str) -> None:
    key, _ = cached(str(store))
    remember(key, load(str(store)))
    (entry,) = entry_dirs()
    victim = entry / "g.wait_ns.npy"
    if damage == "truncate":
        victim.write_bytes(victim.read_bytes()[:50])
    elif damage == "garbage":
        size = victim.stat().st_size
        victim.write_bytes(b"\x93NUMPY" + b"x" * (size - 6))
    elif damage == "manifest":
        (entry / "manifest.json").write_text("{")
    else:
        victim.unlink()
    assert cached(str(store))[1] is None
    assert not entry.exists()  # removed, so the next open rebuilds it
    r = CliRunner().invoke(cli, ["info", str(store)])
    assert r.exit_code == 0 and len(entry_dirs()) == 1


def _open(path: str, cache_dir: str) -> None:
    os.environ["GOTRACE_CACHE_DIR"] = cache_dir
    cachekey.MIN_SIZE = 0
    key, model = cached(path)
    if model is None:
        remember(key, load(path))


def test_concurrent_opens_are_safe(store: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_open, args=(str(store), os.environ["GOTRACE_CACHE_DIR"])) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert len(entry_dirs()) == 1
    assert cached(str(store))[1] is not None
    assert not [d for d in cachekey.cache_dir().iterdir() if d.name.startswith(".")]


def test_no_cache_writes_nothing(store: Path) -> None:
    r = CliRunner().invoke(cli, ["--no-cache", "info", str(store)])
    assert r.exit_code == 0
    os.environ.pop("GOTRACE_NO_CACHE")
    assert entry_dirs() == [] and not cachekey.cache_dir().exists()


def test_eviction_and_clear(store: Path) -> None:
    key, _ = cached(str(store))
    remember(key, load(str(store)))
    other = store.with_name("u.trace")
    shutil.copy(SAMPLES / "leak.go1.23.trace", other)
    key2, _ = cached(str(other))
    remember(key2, load(str(other)))
    assert len(entry_dirs()) == 2
    newest = cache.entries()[0].size
    cache.evict(newest)
    assert len(entry_dirs()) == 1
    r = CliRunner().invoke(cli, ["cache"])
    assert "1 cached model" in r.stdout
    r = CliRunner().invoke(cli, ["cache", "--clear"])
    assert r.exit_code == 0 and entry_dirs() == []


def test_a_small_analysis_is_kept_beside_the_columns(store: Path) -> None:
    key, _ = cached(str(store))
    assert key is not None
    cache.store_analysis(key, "summary", {"goroutines": 3})
    assert cache.fetch_analysis(key, "summary") is None  # no entry yet: nothing is saved
    remember(key, load(str(store)))
    cache.store_analysis(key, "summary", {"goroutines": 3, "states": {"select": 2}})
    assert cache.fetch_analysis(key, "summary") == {"goroutines": 3, "states": {"select": 2}}
    f = cachekey.cache_dir() / key / "analysis.summary.json"
    f.write_text("{not json")
    assert cache.fetch_analysis(key, "summary") is None  # unreadable: computed again
    f.write_text(json.dumps({"model_version": cachekey.MODEL_VERSION - 1, "gotrace": "x", "value": {}}))
    assert cache.fetch_analysis(key, "summary") is None  # stale
    assert cache.fetch_analysis(None, "summary") is None
