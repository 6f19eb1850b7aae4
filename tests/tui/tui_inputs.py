"""Models of the shipped samples and the corpus, loaded once per test session."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS, DATA, SAMPLES
from textual.app import App
from textual.pilot import Pilot

from gotrace.load import load
from gotrace.model import Model
from gotrace.model.from_dump import build_dump_series

SPIKE_TRACE = SAMPLES / "spike.go1.27.trace"
SPIKE_TRACE_V1 = SAMPLES / "spike.go1.21.trace"
LEAK_DUMP = SAMPLES / "leak.go1.23.debug2.txt"
LEAK_CORPUS = CORPUS / "go1.26" / "leakhttp.trace"
TIMINGWHEEL_CORPUS = CORPUS / "go1.26" / "timingwheel.trace"
# Old-format traces (the whole set is tried by hand; these two keep the test fast).
V1_CORPUS = [CORPUS / "go1.19" / "leakhttp.trace", CORPUS / "go1.21" / "worker.trace"]


@cache
def _load(path: Path) -> Model:
    return load(str(path))


def model_of(path: Path, shown_as: str | None = None) -> Model:
    """A fresh copy per test would cost seconds; tests must not mutate what they get."""
    if not path.exists():
        pytest.skip(f"{path} not available")
    m = _load(path)
    if shown_as is not None:
        m.source.path = shown_as
    return m


#: A leaking service's debug=2 dumps, three minutes apart, appended to one file
#: (``curl ...?debug=2 >> dumps.txt``): 12, then 24, then 36 senders left behind.
SERIES_PARTS = [DATA / "zoo" / "out-minutes" / f"timeout_sender.go1.27.debug2.{i}.txt" for i in (1, 2, 3)]


def _series_bytes() -> bytes:
    return b"".join(p.read_bytes() for p in SERIES_PARTS)


def series_file(directory: Path) -> Path:
    """The three dumps of :data:`SERIES_PARTS` in one file in ``directory``."""
    path = directory / "dumps.txt"
    path.write_bytes(_series_bytes())
    return path


def series_of(wanted: int | None = None, shown_as: str = "dumps.txt") -> tuple[Model, list[Model]]:
    """The dump of the series file the viewer shows (the largest, or ``wanted``), and the
    dumps before it, as the loader's child reads them."""
    *earlier, model = build_dump_series(_series_bytes(), shown_as, wanted)
    return model, earlier


async def settle(pilot: Pilot[object]) -> None:
    """Let workers (grouping, spikes) finish and their results reach the screen."""
    app: App[object] = pilot.app
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def sync(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async Pilot test with asyncio.run (no async pytest plugin is required)."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return run
