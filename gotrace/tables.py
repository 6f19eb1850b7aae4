"""Interned strings, frames and stacks shared by every input kind.

A 100 MB trace names the same few thousand functions millions of times; storing
each once and referring to it by a small integer is what keeps the event columns
and the model compact, and makes "same stack" a cheap integer comparison.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Frame:
    """One call frame, leaf-first order within a stack."""

    func: str
    file: str
    line: int

    def label(self) -> str:
        """``pkg.Func (file.go:42)``: the form tables show a frame in."""
        return site_label(self.func, self.file, self.line)


def site_label(func: str, file: str, line: int) -> str:
    return f"{func} ({file.rsplit('/', 1)[-1]}:{line})"


class Tables:
    """Global id spaces for strings, frames and stacks.

    Id 0 is reserved in each space: the empty string, and the empty stack ("no
    stack"), so a zero in an event column always means "nothing".
    """

    __slots__ = ("_frame_ids", "_stack_ids", "_string_ids", "frames", "stacks", "strings")

    def __init__(self) -> None:
        self.strings: list[str] = [""]
        self._string_ids: dict[str, int] = {"": 0}
        self.frames: list[Frame] = [Frame("", "", 0)]
        self._frame_ids: dict[Frame, int] = {}
        self.stacks: list[tuple[int, ...]] = [()]
        self._stack_ids: dict[tuple[int, ...], int] = {(): 0}

    def rebuild_index(self) -> None:
        """Rebuild the lookups from the lists (after the lists were set wholesale, e.g. from
        the model cache), so that interning more strings, frames or stacks still dedupes."""
        self._string_ids = {s: i for i, s in enumerate(self.strings)}
        self._frame_ids = {f: i for i, f in enumerate(self.frames) if i}
        self._stack_ids = {s: i for i, s in enumerate(self.stacks)}

    def string_id(self, s: str) -> int | None:
        """The id of ``s`` if it is interned, without interning it."""
        return self._string_ids.get(s)

    def string(self, s: str) -> int:
        sid = self._string_ids.get(s)
        if sid is None:
            sid = len(self.strings)
            self.strings.append(s)
            self._string_ids[s] = sid
        return sid

    def frame(self, func: str, file: str, line: int) -> int:
        f = Frame(func, file, line)
        fid = self._frame_ids.get(f)
        if fid is None:
            fid = len(self.frames)
            self.frames.append(f)
            self._frame_ids[f] = fid
        return fid

    def stack(self, frame_ids: tuple[int, ...]) -> int:
        sid = self._stack_ids.get(frame_ids)
        if sid is None:
            sid = len(self.stacks)
            self.stacks.append(frame_ids)
            self._stack_ids[frame_ids] = sid
        return sid

    def stack_frames(self, stack_id: int) -> list[Frame]:
        """Frames of a stack, leaf first."""
        frames = self.frames
        return [frames[f] for f in self.stacks[stack_id]]

    def top_frame(self, stack_id: int) -> Frame | None:
        ids = self.stacks[stack_id]
        return self.frames[ids[0]] if ids else None

    def root_frame(self, stack_id: int) -> Frame | None:
        ids = self.stacks[stack_id]
        return self.frames[ids[-1]] if ids else None
