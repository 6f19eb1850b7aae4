"""Shared fixtures and paths: the repository, its test data, the samples and the corpus.

The reference corpus (``../shared/corpus``) is optional: tests that need it skip
when it is absent. ``GOTRACE_TEST_NO_CORPUS=1`` hides it even when present, so CI
proves that a bare clone passes (``.ci/run`` runs the suite both ways).

``python -m pytest`` puts the checkout first on ``sys.path``, where the source
folder ``gotrace/`` would shadow the installed package (which alone has
``gotrace.tui`` and the compiled accelerators). The checkout is taken off the path
before anything imports gotrace, so both ``pytest`` and ``python -m pytest`` test
the installed package.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if "gotrace" not in sys.modules:
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO]

try:
    import gotrace.tui  # noqa: F401  (installed with the package)
except ImportError:  # pragma: no cover - a setup mistake, said plainly
    raise SystemExit("gotrace is not installed: run  pip install '.[test]'  first, then  pytest -q") from None

DATA = REPO / "tests" / "data"
DUMPS = DATA / "dumps"
SAMPLES = REPO / "samples"
NO_CORPUS = os.environ.get("GOTRACE_TEST_NO_CORPUS", "") not in ("", "0")
CORPUS = (REPO / ".." / "shared" / "corpus").resolve()
if NO_CORPUS:
    CORPUS = REPO / "tests" / "no-corpus (GOTRACE_TEST_NO_CORPUS is set)"
HAS_CORPUS = CORPUS.is_dir()
VERSIONS = ["go1.19", "go1.21", "go1.22", "go1.23", "go1.26"]
SCENARIOS = ["keepalive", "leakhttp", "mixed", "timingwheel", "worker"]

needs_corpus = pytest.mark.skipif(not HAS_CORPUS, reason="reference corpus ../shared/corpus not available")


def corpus_file(version: str, name: str) -> Path:
    p = CORPUS / version / name
    if not p.exists():
        pytest.skip(f"reference corpus not available ({p})")
    return p


@pytest.fixture
def corpus() -> Path:
    if not HAS_CORPUS:
        pytest.skip("reference corpus ../shared/corpus not available")
    return CORPUS


@pytest.fixture(autouse=True, scope="session")
def _private_model_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never read or write the user's model cache: each run gets its own."""
    os.environ["GOTRACE_CACHE_DIR"] = str(tmp_path_factory.mktemp("gotrace-cache"))
    os.environ.pop("GOTRACE_NO_CACHE", None)


@pytest.fixture(autouse=True)
def _times_as_durations() -> Iterator[None]:
    """A command that opened a trace timed in ticks switches the formatting for its process
    (gotrace.durations.show_ticks); the next test starts from durations again."""
    yield
    from gotrace.durations import show_ticks

    show_ticks(False)
