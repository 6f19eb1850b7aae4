"""``go test -json`` output (test2json), read as the test log it encodes.

CI systems keep a test run as ``go test -json`` events, one JSON object a line
(``cmd/test2json``): ``{"Action":"output","Package":...,"Test":...,"Output":"goroutine 7
[chan send]:\\n"}``. A test timeout's traceback, a goleak report or a panic is then spread
over hundreds of events. :func:`as_text` joins each package's ``Output`` back into the text
its test binary printed, package after package (packages tested in parallel interleave
their events), so that the dump reader finds what it would in ``go test``'s plain output.
Lines that are not such events (a build error on stderr, ``2>&1``) are kept, in order,
before the packages' text. Line numbers in warnings then count lines of that text.
"""

from __future__ import annotations

import json
from typing import Final

_SNIFF: Final = 4096


def is_test_json(data: bytes) -> bool:
    """Whether ``data`` starts as ``go test -json`` output (its first line is an event)."""
    head = data[:_SNIFF].lstrip()
    first = head.split(b"\n", 1)[0]
    return first.startswith(b"{") and b'"Action"' in first


def as_text(data: bytes) -> bytes:
    """The test log ``data`` encodes, or ``data`` itself when it is not ``go test -json``."""
    if not is_test_json(data):
        return data
    other: list[str] = []
    packages: dict[str, list[str]] = {}
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            event = json.loads(raw)
        except (ValueError, RecursionError):  # not JSON (stderr mixed in), cut off, or hostile
            event = None
        if not isinstance(event, dict):  # a line of text, not an event
            other.append(raw.decode("utf-8", "replace") + "\n")
            continue
        out = event.get("Output")
        if event.get("Action") != "output" or not isinstance(out, str):
            continue
        package = event.get("Package")
        packages.setdefault(package if isinstance(package, str) else "", []).append(out)
    blocks = ["".join(other), *("".join(chunks) for chunks in packages.values())]
    text = "\n".join(b if b.endswith("\n") or not b else b + "\n" for b in blocks if b)
    return text.encode("utf-8", "surrogatepass")
