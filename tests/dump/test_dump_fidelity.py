"""Dumps that went through editors, chat tools and noisy stderr read like the original.

Each variant of the real Go 1.27 crash (``go127_crash.txt``, made by
``tests/data/src/crashgen``) must give exactly the snapshot the clean file
gives: same goroutines, states, frames and creators; frame counts are checked
against the text itself.
"""

from __future__ import annotations

import re

import pytest
from conftest import DUMPS

from gotrace.dump.parse import parse_dumps, parse_file
from gotrace.dump.snapshot import Snapshot
from gotrace.tables import Tables


def facts(snap: Snapshot, tables: Tables) -> list[tuple[object, ...]]:
    return [
        (
            g.id,
            g.state,
            g.wait_minutes,
            tuple((f.func, f.file, f.line) for f in tables.stack_frames(g.stack_id)),
            g.frame_args,
            g.created_by,
            g.stack_unavailable,
        )
        for g in snap.goroutines
    ]


def text_frame_counts(text: str) -> dict[int, int]:
    """Frames per goroutine counted on the text: tab lines that are not a creator's."""
    counts: dict[int, int] = {}
    for block in text.split("\n\n"):
        lines = block.split("\n")
        heads = [k for k, line in enumerate(lines) if re.match(r"goroutine \d+ \[", line)]
        if not heads:
            continue
        body = lines[heads[0] + 1 :]
        files = [k for k, line in enumerate(body) if line.startswith("\t") and ":" in line]
        creators = [k + 1 for k, line in enumerate(body) if line.startswith("created by ")]
        gid = int(lines[heads[0]].split()[1])
        counts[gid] = len([k for k in files if k not in creators])
    return counts


@pytest.fixture(scope="module")
def clean() -> tuple[Snapshot, Tables]:
    tables = Tables()
    (snap,) = parse_file(DUMPS / "go127_crash.txt", tables)
    return snap, tables


def test_clean_crash_frame_counts_match_the_text(clean: tuple[Snapshot, Tables]) -> None:
    snap, tables = clean
    text = (DUMPS / "go127_crash.txt").read_text()
    assert snap.kind == "traceback" and snap.panic_message == "fatal error: concurrent map writes"
    assert len(snap.goroutines) == text.count("\ngoroutine ") == 25
    counts = text_frame_counts(text)
    assert {g.id: len(tables.stacks[g.stack_id]) for g in snap.goroutines} == counts
    assert snap.warnings == [] and snap.noise_lines == 0 and snap.dropped_lines == 0


@pytest.mark.parametrize(
    "name",
    ["go127_crash_tabs_expanded.txt", "go127_crash_two_space_indent.txt", "go127_crash_log_noise.txt"],
)
def test_variants_read_like_the_clean_crash(name: str, clean: tuple[Snapshot, Tables]) -> None:
    snap0, tables0 = clean
    tables = Tables()
    snaps = parse_file(DUMPS / name, tables)
    assert len(snaps) == 1, "one crash is one dump, log lines or not"
    (snap,) = snaps
    assert facts(snap, tables) == facts(snap0, tables0)
    assert snap.panic_message == snap0.panic_message
    assert snap.dropped_lines == 0


def test_log_noise_is_counted_and_said() -> None:
    (snap,) = parse_file(DUMPS / "go127_crash_log_noise.txt", Tables())
    # three lines inside stacks; the two before headers are outside any stack
    assert snap.noise_lines == 3
    assert any("skipped 3 line(s)" in w for w in snap.warnings)


def test_log_line_before_a_running_goroutine_keeps_one_dump() -> None:
    text = (DUMPS / "headers.txt").read_text()
    text = text.replace("\ngoroutine 1 [running]:", "\nlevel=info msg=tick\ngoroutine 1 [running]:")
    text = "level=info msg=start\n" + text
    text += "\nlevel=info msg=again\ngoroutine 77 [running]:\nmain.f()\n\t/x.go:1\n"
    (snap,) = parse_dumps(text, Tables())
    assert len(snap.goroutines) == 13


def test_cgo_frame_indented_by_one_space_keeps_every_frame() -> None:
    tables = Tables()
    (snap,) = parse_file(DUMPS / "cgo_one_space_frame.txt", tables)
    (g,) = snap.goroutines
    frames = [(f.func, f.file, f.line) for f in tables.stack_frames(g.stack_id)]
    assert frames == [
        ("github.com/cockroachdb/cockroach/storage/engine._Cfunc_DBIterSeek", "??", 0),
        ("gopkg.in/yaml%2ev2.handleErr", "/gopath/src/gopkg.in/yaml.v2/yaml.go", 153),
        ("reflect.Value.assignTo", "/goroot/src/reflect/value.go", 2125),
        ("main.main", "/gopath/src/github.com/maruel/panicparse/stack/stack.go", 428),
    ]
    assert g.created_by == ("main.main", "/gopath/src/github.com/maruel/panicparse/stack/stack.go", 400, 1)
    assert snap.warnings == []


def test_repeated_goroutine_in_one_crash_is_one_dump_counted_once(clean: tuple[Snapshot, Tables]) -> None:
    snap0, tables0 = clean
    tables = Tables()
    snaps = parse_file(DUMPS / "go127_crash_repeated_goroutine.txt", tables)
    assert len(snaps) == 1
    (snap,) = snaps
    assert facts(snap, tables) == facts(snap0, tables0)
    assert snap.warnings == [
        "goroutine 29 is printed twice (lines 4 and 36); counted once"
    ]


def test_repeated_id_with_another_header_in_a_crash_starts_a_new_dump() -> None:
    text = (DUMPS / "go127_crash.txt").read_text() + "\ngoroutine 1 [running]:\nmain.main()\n\t/x.go:1 +0x1\n"
    snaps = parse_dumps(text, Tables())
    assert [len(s.goroutines) for s in snaps] == [25, 1]


def test_orphan_stack_lines_are_counted_as_dropped() -> None:
    text = "goroutine 1 [running]:\n\t/src/x.go:1 +0x1\nmain.main()\n\t/src/main.go:2 +0x1\n"
    tables = Tables()
    (snap,) = parse_dumps(text, tables)
    assert [f.func for f in tables.stack_frames(snap.goroutines[0].stack_id)] == ["main.main"]
    assert snap.dropped_lines == 1
    assert any("1 stack line(s) could not be attached" in w for w in snap.warnings)
