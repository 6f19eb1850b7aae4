"""``json.dumps(doc, indent=1, ensure_ascii=False)``, byte for byte, in a tenth of the time.

With ``indent`` set, Python's json module (3.11) encodes in pure Python, one value
at a time: the goroutine listing of a 364 k-goroutine dump (287 MB) took 24 s.
Our documents repeat themselves: every goroutine's ``stack`` is one list shared by
all goroutines with that stack (``render.documents.Stacks``). Here each shared list
is encoded once per indent level and its text reused; the rest follows json's own
rules (the same escaping function, number formats, key conversions and errors).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from json.encoder import INFINITY, encode_basestring
from typing import Any


class Streamed:
    """A JSON array whose items are made while it is written: :func:`iterencode` writes
    them one at a time and lets each go, so a listing of millions of records never sits
    in memory whole. ``make`` returns a fresh iterable of the ``n`` items each time the
    array is encoded. ``json.dumps`` does not know it; :func:`dumps` writes it as a list."""

    __slots__ = ("make", "n")

    def __init__(self, make: Callable[[], Iterable[Any]], n: int) -> None:
        self.make = make
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[Any]:
        return iter(self.make())


def dumps(doc: Any) -> str:
    """The document as ``json.dumps(doc, indent=1, ensure_ascii=False)`` writes it."""
    return "".join(iterencode(doc))


def iterencode(doc: Any, size: int = 1 << 20) -> Iterator[str]:
    """The text of :func:`dumps` in pieces of about ``size`` characters: the document's
    own dict and lists are written item by item, so that a 287 MB listing never sits in
    memory as one string (nor as the strings of all its items at once).

    Every list and dict of ``doc`` is alive while it is encoded, so a list's identity
    names it for the reuse of its text. The cycle collector is paused meanwhile: a
    big document is millions of containers, and each collection walked them again.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        buf: list[str] = []
        n = 0
        for piece in _Encoder().stream(doc, 0, 2):
            buf.append(piece)
            n += len(piece)
            if n >= size:
                yield "".join(buf)
                buf, n = [], 0
        if buf:
            yield "".join(buf)
    finally:
        if paused:
            gc.enable()


def _float(o: float) -> str:
    if o != o:
        return "NaN"
    if o == INFINITY:
        return "Infinity"
    if o == -INFINITY:
        return "-Infinity"
    return float.__repr__(o)


def _key(k: Any) -> str:
    if isinstance(k, str):
        return encode_basestring(k)
    if isinstance(k, float):
        return encode_basestring(_float(k))
    if k is True:
        return '"true"'
    if k is False:
        return '"false"'
    if k is None:
        return '"null"'
    if isinstance(k, int):
        return encode_basestring(int.__repr__(k))
    raise TypeError(f"keys must be str, int, float, bool or None, not {k.__class__.__name__}")


class _Encoder:
    def __init__(self) -> None:
        self.lists: dict[tuple[int, int], str] = {}  # (id, level) -> text
        self.keys: dict[Any, str] = {}  # a dict key -> its text (documents repeat their keys)

    def value(self, o: Any, level: int) -> str:
        t = type(o)  # the exact common types first; json's order of checks after them
        if t is str:
            return encode_basestring(o)
        if t is int:
            return int.__repr__(o)
        if t is dict:
            return self.dict(o, level)
        if isinstance(o, str):
            return encode_basestring(o)
        if o is None:
            return "null"
        if o is True:
            return "true"
        if o is False:
            return "false"
        if isinstance(o, int):
            return int.__repr__(o)
        if isinstance(o, float):
            return _float(o)
        if isinstance(o, Streamed):  # encoded whole only when nested below the streamed levels
            return self.array(o, level)
        if isinstance(o, (list, tuple)):
            if not o:
                return "[]"
            key = (id(o), level)
            text = self.lists.get(key)
            if text is None:
                text = self.lists[key] = self.array(o, level)
            return text
        if isinstance(o, dict):
            return self.dict(o, level)
        raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")

    def stream(self, o: Any, level: int, depth: int) -> Iterator[str]:
        """``value(o, level)`` in pieces: the items of the outer ``depth`` levels of
        lists and dicts one by one."""
        if depth == 0 or not o or not isinstance(o, (list, tuple, dict, Streamed)):
            yield self.value(o, level)
            return
        inner = ",\n" + " " * (level + 1)
        if isinstance(o, dict):
            yield "{"
            for i, (k, v) in enumerate(o.items()):
                yield (inner if i else inner[1:]) + _key(k) + ": "
                yield from self.stream(v, level + 1, depth - 1)
            yield "\n" + " " * level + "}"
        else:
            yield "["
            for i, v in enumerate(o):
                yield inner if i else inner[1:]
                yield from self.stream(v, level + 1, depth - 1)
            yield "\n" + " " * level + "]"

    def array(self, o: Iterable[Any], level: int) -> str:
        """The text of a list (or a Streamed one) at ``level``, its items made as they come."""
        items = [self.value(v, level + 1) for v in o]
        if not items:
            return "[]"
        inner = "\n" + " " * (level + 1)
        return "[" + inner + ("," + inner).join(items) + "\n" + " " * level + "]"

    def dict(self, o: dict[Any, Any], level: int) -> str:
        if not o:
            return "{}"
        keys = self.keys
        items = []
        for k, v in o.items():
            ks = keys.get(k) if type(k) is str else None
            if ks is None:
                ks = _key(k) + ": "
                if type(k) is str:
                    keys[k] = ks
            t = type(v)
            if t is str:
                items.append(ks + encode_basestring(v))
            elif t is int:
                items.append(ks + int.__repr__(v))
            elif v is None:
                items.append(ks + "null")
            else:
                items.append(ks + self.value(v, level + 1))
        inner = "\n" + " " * (level + 1)
        return "{" + inner + ("," + inner).join(items) + "\n" + " " * level + "}"
