"""A dump's per-goroutine objects, packed for the trip from the loader's child to the UI.

A dump's model keeps one ``DumpGoroutine`` per goroutine (state as printed,
labels, flags, ancestors, ...) in ``model.extras`` and in its snapshot.
Pickled one object at a time, the million goroutines of a 100 MB dump took
30 s to send and 22 s to receive, and held 600 MB in the UI. Packed, each field
becomes a column of codes (a numpy array, sent out of band) into the field's
distinct values (labels, flags and creators repeat across thousands of
goroutines), and a goroutine's object is built only when something asks for it:
the goroutine page shows one, a list shows a screenful.

:class:`PackedExtras` stands in for ``model.extras`` (``extras[row].g``,
``x.matches(rx)`` over all rows for a search) and :class:`PackedGoroutines` for
the snapshot's goroutine list, in row order.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator, Sequence
from operator import attrgetter
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from gotrace.dump.snapshot import DumpGoroutine
from gotrace.model import Model
from gotrace.model.from_dump import DumpExtras, DumpFields, labels_match

# Every field but the frames' argument text, which no view shows and which a dump's reader
# reads lazily from the input's bytes (sending it would send those bytes).
FIELDS = tuple(f for f in DumpGoroutine.FIELDS if f != "frame_args")


def _key(value: Any) -> Any:
    """A hashable stand-in for a field's value (labels are dicts, ancestors lists)."""
    if isinstance(value, dict):
        return ("dict", tuple(value.items()))
    if isinstance(value, list):
        return ("list", tuple(value))
    return value


class PackedGoroutines(Sequence[DumpGoroutine]):
    """DumpGoroutines as one column of codes per field; ``self[i]`` builds goroutine ``i``.

    Equal values are stored once and shared by the goroutines built from them
    (a labels dict, a flags set): nothing here changes them.
    """

    def __init__(self, goroutines: Sequence[DumpGoroutine]) -> None:
        self.codes: dict[str, npt.NDArray[np.int32]] = {}
        self.values: dict[str, list[Any]] = {}
        for name in FIELDS:
            column = list(map(attrgetter(name), goroutines))
            try:  # most fields' values are hashable: intern them as they are
                index: dict[Any, int] = {}
                codes = [index.setdefault(v, len(index)) for v in column]
                values = list(index)
            except TypeError:  # labels (dicts), ancestors (lists)
                index, values = {}, []
                codes = []
                for v in column:
                    k = _key(v)
                    code = index.get(k)
                    if code is None:
                        code = index[k] = len(values)
                        values.append(v)
                    codes.append(code)
            self.codes[name] = np.array(codes, np.int32)
            self.values[name] = values

    def __len__(self) -> int:
        return len(self.codes[FIELDS[0]])

    @overload
    def __getitem__(self, i: int) -> DumpGoroutine: ...
    @overload
    def __getitem__(self, i: slice) -> list[DumpGoroutine]: ...

    def __getitem__(self, i: int | slice) -> DumpGoroutine | list[DumpGoroutine]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        return DumpGoroutine(frame_args=(), **{f: self.values[f][int(self.codes[f][i])] for f in FIELDS})


class _Row:
    """``model.extras[row]`` of a packed model: ``.g`` is built on first use."""

    __slots__ = ("_g", "i", "packed")

    def __init__(self, packed: PackedExtras, i: int) -> None:
        self.packed = packed
        self.i = i
        self._g: DumpGoroutine | None = None

    @property
    def g(self) -> DumpGoroutine:
        if self._g is None:
            self._g = self.packed.goroutines[self.i]
        return self._g

    def matches(self, rx: re.Pattern[str]) -> bool:
        return self.packed.label_matches(self.i, rx)


class PackedExtras(Sequence[Any]):
    """``model.extras`` (``gotrace.model.from_dump.DumpRows``) over :class:`PackedGoroutines`.

    A search asks every row whether a label matches; that is answered once per
    distinct label set, not once per goroutine, and so are the masks of every row
    (``leaked()``, ``labelled()``, ``label_hits(rx)``).
    """

    def __init__(self, goroutines: PackedGoroutines) -> None:
        self.goroutines = goroutines
        self._rx: re.Pattern[str] | None = None
        self._hits: dict[int, bool] = {}

    def __len__(self) -> int:
        return len(self.goroutines)

    @overload
    def __getitem__(self, i: int) -> _Row: ...
    @overload
    def __getitem__(self, i: slice) -> list[_Row]: ...

    def __getitem__(self, i: int | slice) -> _Row | list[_Row]:
        if isinstance(i, slice):
            return [_Row(self, k) for k in range(*i.indices(len(self)))]
        return _Row(self, i + len(self) if i < 0 else i)

    def __iter__(self) -> Iterator[_Row]:
        return (_Row(self, i) for i in range(len(self)))

    def label_matches(self, i: int, rx: re.Pattern[str]) -> bool:
        if rx is not self._rx:
            self._rx, self._hits = rx, {}
        code = int(self.goroutines.codes["labels"][i])
        hit = self._hits.get(code)
        if hit is None:  # the first goroutine with these labels answers for all of them
            hit = self._hits[code] = DumpExtras(self.goroutines[i]).matches(rx)
        return hit

    def _per_value(self, name: str, fact: Callable[[Any], bool]) -> npt.NDArray[np.bool_]:
        """``fact`` of each row's value of field ``name``, asked once per distinct value."""
        by_value = np.array([fact(v) for v in self.goroutines.values[name]], bool)
        codes = self.goroutines.codes[name]
        return by_value[codes] if len(by_value) else np.zeros(len(codes), bool)

    def leaked(self) -> npt.NDArray[np.bool_]:
        return self._per_value("flags", lambda flags: "leaked" in flags)

    def durable(self) -> npt.NDArray[np.bool_]:
        return self._per_value("flags", lambda flags: "durable" in flags) & \
            self._per_value("synctest_bubble", lambda bubble: bubble is not None)

    def labelled(self) -> npt.NDArray[np.bool_]:
        return self._per_value("labels", bool)

    def label_hits(self, rx: re.Pattern[str]) -> npt.NDArray[np.bool_]:
        return self._per_value("labels", lambda labels: labels_match(labels, rx))

    def fields(self, rows: npt.NDArray[np.int64]) -> list[DumpFields]:
        return [(g.labels, g.flags, g.synctest_bubble, g.ancestors, g.frames_elided)
                for g in (self.goroutines[i] for i in rows.tolist())]

    def labels(self, rows: npt.NDArray[np.int64]) -> dict[str, list[str]]:
        seen: dict[str, set[str]] = {}
        values = self.goroutines.values["labels"]
        for code in np.unique(self.goroutines.codes["labels"][rows]).tolist():
            for k, v in values[code].items():
                seen.setdefault(k, set()).add(v)
        return {k: sorted(v) for k, v in sorted(seen.items())}

    def __reduce__(self) -> tuple[type[PackedExtras], tuple[PackedGoroutines]]:
        return PackedExtras, (self.goroutines,)  # not a search's cache


def packed(model: Model) -> Model:
    """The model to send: a dump's goroutine objects packed (a trace's model as it is).

    The snapshot keeps everything but its goroutine list, which becomes the packed
    one, in row order (the UI reads only its length and the panic).
    """
    if model.extras is None or not model.extras:
        return model
    goroutines = PackedGoroutines([x.g for x in model.extras])
    out = copy.copy(model)
    out.extras = PackedExtras(goroutines)  # type: ignore[assignment]
    if model.snapshot is not None and model.snapshot.goroutines:
        out.snapshot = copy.copy(model.snapshot)
        out.snapshot.goroutines = goroutines
    return out
