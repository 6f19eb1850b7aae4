"""Shared fixtures: where the reference corpus and the samples live."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = (REPO / ".." / "shared" / "corpus").resolve()
SAMPLES = REPO / "samples"
VERSIONS = ["go1.19", "go1.21", "go1.22", "go1.23", "go1.26"]
SCENARIOS = ["keepalive", "leakhttp", "mixed", "timingwheel", "worker"]


def corpus_file(version: str, name: str) -> Path:
    p = CORPUS / version / name
    if not p.exists():
        pytest.skip(f"reference corpus not available ({p})")
    return p


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.exists():
        pytest.skip("reference corpus ../shared/corpus not available")
    return CORPUS
