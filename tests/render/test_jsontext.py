"""render.jsontext writes exactly what json.dumps(doc, indent=1, ensure_ascii=False) writes."""

from __future__ import annotations

import json
import math
import random

import pytest

from gotrace.render.jsontext import Streamed, dumps, iterencode


def reference(doc: object) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False)


SHARED = [{"func": "main.f", "file": "/src/ä.go", "line": 3},
          {"func": "x\u2028\x00\"\\", "file": "", "line": 0}]

DOCS = [
    None, True, False, 0, -7, 2**70, 1.5, -0.0, 1e300, float("nan"), float("inf"), -float("inf"), "", "é\n\t",
    [], {}, [[]], [{}], {"a": []}, {"a": {}}, (1, (2, 3)), [None, True, 1.25, "s"],
    {"stack": SHARED, "groups": [{"stack": SHARED, "n": 1}, {"stack": SHARED}], "again": [SHARED, [SHARED]]},
    {1: "int key", 2.5: "float key", False: "f", None: "n", "s": "str", math.inf: "inf"},
    {True: "t", 3: "three"},
    {"deep": [[[[{"x": [1, {"y": []}]}]]]]},
]


@pytest.mark.parametrize("doc", DOCS, ids=range(len(DOCS)))
def test_same_text(doc: object) -> None:
    assert dumps(doc) == reference(doc)
    assert "".join(iterencode(doc, size=5)) == reference(doc)


def test_same_text_on_random_documents() -> None:
    rng = random.Random(16)
    leaves = [None, True, False, 0, 1, -1, 2**64, 0.1, float("nan"), "", "a", "\x7f\u00e9\ud7ff", "\"\\/"]

    def make(depth: int) -> object:
        k = rng.randrange(4 if depth < 4 else 1)
        if k == 0:
            return rng.choice(leaves)
        if k == 1:
            return [make(depth + 1) for _ in range(rng.randrange(4))]
        if k == 2:
            return tuple(make(depth + 1) for _ in range(rng.randrange(3)))
        return {rng.choice(["k", "é", 1, 2.0, None, True]): make(depth + 1) for _ in range(rng.randrange(4))}

    for _ in range(500):
        doc = make(0)
        assert dumps(doc) == reference(doc)
        assert "".join(iterencode(doc, size=rng.randrange(1, 50))) == reference(doc)


@pytest.mark.parametrize("doc", [{"a": object()}, [set()], {(1, 2): 3}], ids=["object", "set", "tuple key"])
def test_same_errors(doc: object) -> None:
    with pytest.raises(TypeError) as ours:
        dumps(doc)
    with pytest.raises(TypeError) as theirs:
        reference(doc)
    assert str(ours.value) == str(theirs.value)


def _streamed(o: object) -> object:
    """``o`` with every list made a Streamed array of the same items."""
    if isinstance(o, dict):
        return {k: _streamed(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        items = [_streamed(v) for v in o]
        return Streamed(lambda: iter(items), len(items))
    return o


@pytest.mark.parametrize("doc", DOCS, ids=range(len(DOCS)))
def test_a_streamed_array_is_written_as_the_list_of_its_items(doc: object) -> None:
    streamed = _streamed(doc)
    assert dumps(streamed) == reference(doc)  # at every level, streamed or not
    assert "".join(iterencode(streamed, size=5)) == reference(doc)


def test_a_streamed_array_makes_each_item_once_and_only_while_written() -> None:
    made: list[int] = []

    def items() -> object:
        for i in range(3):
            made.append(i)
            yield {"i": i}

    pieces = iterencode({"head": 1, "records": Streamed(items, 3)}, size=1)
    assert next(pieces) == "{" and made == []  # nothing is made before it is written
    text = "{" + "".join(pieces)
    assert made == [0, 1, 2]
    assert text == reference({"head": 1, "records": [{"i": 0}, {"i": 1}, {"i": 2}]})
