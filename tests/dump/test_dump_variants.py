"""One hand-made (or trimmed real) fixture per header and body variant Go prints."""

from __future__ import annotations

import json

import pytest
from conftest import DUMPS as DATA

from gotrace.dump.parse import parse_dumps, parse_file
from gotrace.dump.snapshot import DumpGoroutine, Snapshot
from gotrace.errors import DumpFormatError
from gotrace.tables import Tables


def load(name: str) -> tuple[list[Snapshot], Tables]:
    tables = Tables()
    return parse_file(DATA / name, tables), tables


def by_id(snap: Snapshot) -> dict[int, DumpGoroutine]:
    return {g.id: g for g in snap.goroutines}


def funcs(tables: Tables, g: DumpGoroutine) -> list[str]:
    return [f.func for f in tables.stack_frames(g.stack_id)]


def test_header_decorations() -> None:
    (snap,), _ = load("headers.txt")
    g = by_id(snap)
    assert snap.kind == "debug2" and len(g) == 12
    assert (g[5].state, g[5].wait_minutes, g[5].flags) == ("select", 12, frozenset())
    assert g[6].state == "chan receive" and g[6].raw_state == "chan receive (scan)"
    assert g[6].flags == {"scan", "locked to thread"} and g[6].wait_minutes == 3
    assert (g[7].state, g[7].flags, g[7].synctest_bubble) == ("chan receive", {"durable"}, 4)
    assert (g[8].state, g[8].flags) == ("sleep", {"durable"})
    # Go 1.24 spelling: "(synctest)" reason and "synctest group N"
    assert (g[9].state, g[9].flags, g[9].synctest_bubble) == ("select", {"durable"}, 4)
    assert (g[10].state, g[10].flags, g[10].wait_minutes) == ("chan send", {"leaked"}, 61)
    assert (g[11].state, g[11].flags) == ("leaked", {"leaked"})
    # "(nil chan)" is part of the wait reason, not a decoration
    assert g[12].state == "chan receive (nil chan)" and g[12].wait_minutes == 1
    assert (g[13].state, g[13].flags) == ("sync.WaitGroup.Wait", {"durable"})
    assert g[1].wait_minutes is None and g[1].labels == {}


def test_labels_after_brackets_go127_syntax() -> None:
    (snap,), _ = load("headers.txt")
    g = by_id(snap)[14]
    assert g.state == "IO wait" and g.wait_minutes == 7
    assert g.labels == {"request id": 'r"1\tx', "user": "alice"}


def test_labels_inside_brackets_go126_syntax() -> None:
    (snap,), _ = load("headers.txt")
    g = by_id(snap)[15]
    assert (g.state, g.wait_minutes) == ("semacquire", 2)
    assert g.labels == {"job": "sync", "shard": "3"}


def test_real_go126_debug2_labels_and_elided_frames() -> None:
    (snap,), tables = load("go126_debug2_labels.txt")
    g = by_id(snap)
    assert g[18].labels == {"req": "a b", "user": "bob"}
    assert g[18].state == "chan receive"
    assert g[19].frames_elided and not g[18].frames_elided
    # 50 inner + 50 outer frames around "...21 frames elided..."
    assert len(tables.stacks[g[19].stack_id]) == 100
    assert g[20].flags == {"locked to thread"}
    assert g[21].created_by == ("main.main.func2", "example.com/sample/main.go", 27, 20)


def test_real_go127_panic_labels_ancestors_inlined() -> None:
    (snap,), tables = load("go127_panic_labels_ancestors.txt")
    assert snap.kind == "traceback"
    assert snap.panic_message == "panic: boom\n\tsecond line"
    g = by_id(snap)
    assert g[6].labels == {"req": "a b", "user": "bob"}
    assert g[6].ancestors == [1]
    assert g[9].ancestors == [8, 1]
    # ancestor frames never leak into the goroutine's own stack
    assert funcs(tables, g[6]) == ["main.main.func1.1"]
    assert funcs(tables, g[9]) == ["main.main.func2.1"]
    assert g[9].created_by == ("main.main.func2", "example.com/sample/main.go", 27, 8)
    # inlined frame "main.deep(...)" with no +0x offset
    top = tables.stack_frames(g[7].stack_id)[0]
    assert (top.func, top.line) == ("main.deep", 13)
    assert g[7].frame_args[0] == "..."
    assert g[7].frames_elided


def test_old_created_by_form_go119() -> None:
    (snap,), _ = load("go119_panic_ancestors.txt")
    assert snap.panic_message == "panic: boom\nsecond line"
    g = by_id(snap)
    assert g[6].created_by == ("main.main.func1", "example.com/sample/main.go", 22, None)
    assert g[9].ancestors == [8, 1]


def test_traceback_gp_m_headers_prefix_and_registers() -> None:
    (snap,), tables = load("child_sigquit_prefixed.txt")
    assert snap.kind == "traceback" and snap.prefix == "[child 4242] "
    assert snap.panic_message == "SIGQUIT: quit\nPC=0x46cac1 m=0 sigcode=0"
    assert [g.id for g in snap.goroutines] == [0, 1, 2, 7, 8]
    g = by_id(snap)
    assert (g[0].gp, g[0].m, g[0].mp) == ("0x9abe80", 0, "0x9ac9a0")
    assert (g[1].gp, g[1].m, g[1].mp) == ("0xc0000061c0", None, None)  # m=nil
    assert (g[1].state, g[1].wait_minutes) == ("sleep", 3)
    # fp= sp= pc= suffixes do not end up in file names
    assert [f.file for f in tables.stack_frames(g[1].stack_id)][2] == "example.com/child/main.go"
    assert g[7].stack_unavailable and g[7].stack_id == 0 and g[7].m == 3
    assert g[7].created_by is not None
    assert funcs(tables, g[8])[1] == "example.com/child.send"  # inlined (...) frame
    assert snap.start_line == 3 and snap.end_line == 51
    assert snap.warnings == []


def test_crash_mode_per_m_sections_stay_one_dump() -> None:
    (snap,), _ = load("crash_continued.txt")
    assert snap.panic_message is not None and snap.panic_message.startswith("SIGABRT: abort")
    assert [g.id for g in snap.goroutines] == [0, 1, 5, 0]
    assert snap.goroutines[-1].m == 2


def test_go_test_timeout_embedded_in_test_output() -> None:
    (snap,), tables = load("gotest_timeout.txt")
    assert snap.kind == "traceback"
    assert snap.panic_message == (
        "panic: test timed out after 2s\n\trunning tests:\n\t\tTestHang (2s)"
    )
    assert [g.id for g in snap.goroutines] == [21, 1, 20]
    assert funcs(tables, by_id(snap)[20]) == ["example.com/app.TestHang", "testing.tRunner"]
    assert snap.start_line == 4 and snap.warnings == []


def test_t_log_indented_dump() -> None:
    (snap,), tables = load("tlog_indented.txt")
    assert [g.id for g in snap.goroutines] == [1, 6]
    assert funcs(tables, snap.goroutines[1]) == ["example.com/app.loop"]
    assert snap.goroutines[1].created_by == ("example.com/app.Start", "/src/app/loop.go", 5, 1)


@pytest.mark.parametrize(("name", "ids", "start"), [
    ("goleak_verifynone.go1.27.txt", [19, 20, 21], 2),  # t.Error: indented, goleak 1.3+
    ("goleak_old_header.go1.27.txt", [7, 8, 9], 2),  # goleak < 1.3: the header under its line
    ("goleak_testmain.go1.27.txt", [7, 8], 2),  # VerifyTestMain on stderr
])
def test_goleak_report_is_a_dump(name: str, ids: list[int], start: int) -> None:
    (snap,), tables = load(name)
    assert snap.kind == "traceback" and snap.panic_message.startswith("goleak: ")
    assert "found unexpected goroutines:" in snap.panic_message
    assert [g.id for g in snap.goroutines] == ids and snap.start_line == start
    assert all(g.state == "chan send" for g in snap.goroutines)
    assert funcs(tables, snap.goroutines[0]) == ["example.com/goleakgen.items.func1"]
    assert snap.goroutines[0].created_by is not None
    assert snap.goroutines[0].created_by[0] == "example.com/goleakgen.items"
    assert snap.warnings == []


def test_goleak_rewrite_keeps_lines_and_leaves_other_text_alone() -> None:
    from gotrace.dump.goleak import as_dump

    data = (DATA / "goleak_old_header.go1.27.txt").read_bytes()
    assert as_dump(data).count(b"\n") == data.count(b"\n")
    plain = (DATA / "tlog_indented.txt").read_bytes()
    assert as_dump(plain) is plain
    # "Goroutine N in state" outside a report is nobody's header.
    stray = b"log: Goroutine 7 in state chan send, with f on top of the stack:\n"
    assert as_dump(stray) == stray
    # Hostile lines megabytes long are read in one pass (the first took minutes by regex).
    lead = b"found unexpected goroutines:\n"
    for line in (b"Goroutine 1 in state " + b"x, with " * 200_000 + b"zzz",
                 b"Goroutine 1 in state " + b"x" * 2_000_000):
        assert as_dump(lead + line + b"\n") == lead + line + b"\n"  # no goroutine's line: left as it is
    odd = lead + b"[Goroutine 9 in state chan send, 3 minutes, with f, with g on top of the stack:\n"
    assert as_dump(odd).split(b"\n")[1] == b"goroutine 9 [chan send, 3 minutes]:"


def test_go_test_json_output_is_read_as_its_log() -> None:
    """``go test -json`` spreads a timeout's traceback over one event a line."""
    (snap,), tables = load("gotest_json_timeout.go1.27.txt")
    assert snap.kind == "traceback" and snap.panic_message.startswith("panic: test timed out after 2s")
    funcs_seen = {funcs(tables, g)[0] for g in snap.goroutines if funcs(tables, g)}
    assert {"example.com/testjsongen.TestHang", "example.com/testjsongen.TestHang.func1"} <= funcs_seen
    assert snap.warnings == []
    (snap,), _ = load("goleak_json.go1.27.txt")  # goleak's report inside the events
    assert snap.panic_message.startswith("goleak: ") and len(snap.goroutines) == 3


def test_go_test_json_events_by_package_and_hostile_lines() -> None:
    from gotrace.dump.testjson import as_text

    def ev(pkg: str, out: str) -> bytes:
        return json.dumps({"Action": "output", "Package": pkg, "Output": out}).encode()

    data = b"\n".join([
        b'{"Action":"start","Package":"a"}',
        ev("a", "goroutine 1 [running]:\n"), ev("b", "panic: boom\n"), ev("a", "main.main()\n"),
        b"# a build error on stderr", b'{"Action":"output","Package":"b","Output":7}', b"{cut off",
        b"[1, 2]", ev("b", "more"), b"[" * 100_000,
    ])
    assert as_text(data) == (b"# a build error on stderr\n{cut off\n[1, 2]\n" + b"[" * 100_000 + b"\n\n"
                             b"goroutine 1 [running]:\nmain.main()\n\npanic: boom\nmore\n")
    plain = (DATA / "gotest_timeout.txt").read_bytes()
    assert as_text(plain) is plain


def test_several_dumps_in_a_log() -> None:
    snaps, _ = load("two_dumps_in_log.txt")
    assert [[g.id for g in s.goroutines] for s in snaps] == [[1, 6], [1, 6, 9], [1]]
    assert [g.wait_minutes for g in snaps[1].goroutines] == [None, 4, 1]
    assert [(s.start_line, s.end_line) for s in snaps] == [(2, 12), (15, 31), (33, 37)]
    assert all(s.warnings == [] for s in snaps)


def test_debug1_profile_with_labels() -> None:
    (snap,), tables = load("debug1_labels.txt")
    assert snap.kind == "debug1" and snap.total == 7
    assert [g.count for g in snap.groups] == [4, 2, 1]
    assert snap.groups[0].labels == {"handler": "upload", "tenant": 'a"b'}
    assert snap.groups[0].stack == snap.groups[1].stack
    frames = tables.stack_frames(snap.groups[0].stack)
    assert (frames[0].func, frames[0].file, frames[0].line) == (
        "example.com/app.(*Server).upload",
        "/src/app/server.go",
        88,
    )
    assert snap.warnings == []


def test_debug1_total_mismatch_is_a_warning() -> None:
    text = (DATA / "debug1_labels.txt").read_text().replace("total 7", "total 9")
    (snap,) = parse_dumps(text, Tables())
    assert len(snap.warnings) == 1 and "total 9" in snap.warnings[0]


def test_crlf_line_endings() -> None:
    raw = (DATA / "headers.txt").read_bytes()
    t1, t2 = Tables(), Tables()
    (a,) = parse_dumps(raw, t1)
    (b,) = parse_dumps(raw.replace(b"\n", b"\r\n"), t2)
    assert [(g.id, g.state, g.labels, g.wait_minutes) for g in a.goroutines] == [
        (g.id, g.state, g.labels, g.wait_minutes) for g in b.goroutines
    ]
    assert [t1.stack_frames(g.stack_id) for g in a.goroutines] == [
        t2.stack_frames(g.stack_id) for g in b.goroutines
    ]
    assert (a.start_line, a.end_line) == (b.start_line, b.end_line)


def test_truncated_last_goroutine_is_kept_with_a_warning() -> None:
    text = (DATA / "headers.txt").read_text()
    cut = text[: text.index("example.com/app/worker.(*Store).Put")] + "example.com/app/wor"
    (snap,) = parse_dumps(cut, Tables())
    assert [g.id for g in snap.goroutines][-1] == 15
    assert len(snap.goroutines) == 12
    assert len(snap.warnings) == 1 and "goroutine 15" in snap.warnings[0]


def test_header_only_at_end_is_reported() -> None:
    text = (DATA / "headers.txt").read_text() + "\ngoroutine 99 [select]:\n"
    (snap,) = parse_dumps(text, Tables())
    assert snap.goroutines[-1].id == 99 and snap.goroutines[-1].stack_id == 0
    assert any("goroutine 99" in w for w in snap.warnings)


def test_cut_header_is_reported() -> None:
    text = (DATA / "headers.txt").read_text() + "\ngoroutine 99 [chan rec"
    (snap,) = parse_dumps(text, Tables())
    assert snap.goroutines[-1].id == 15
    assert any("cut off" in w for w in snap.warnings)


def test_noise_around_and_inside_is_ignored() -> None:
    body = (DATA / "headers.txt").read_text()
    text = "starting server\nlistening on :8080\n\n" + body + "\nshutting down\nbye\n"
    (snap,) = parse_dumps(text, Tables())
    assert len(snap.goroutines) == 12 and snap.warnings == []
    assert snap.start_line == 4


def test_panic_word_in_a_log_line_is_not_a_dump_start() -> None:
    body = (DATA / "headers.txt").read_text()
    text = "level=error msg=handler panic: nil map\nrequest served\n" + body
    (snap,) = parse_dumps(text, Tables())
    assert snap.panic_message is None and snap.kind == "debug2"


@pytest.mark.parametrize(
    "data",
    [b"", "", b"\x00\x01\x02\xff\xfe" * 1000, bytes(range(256)) * 100, b"hello\nworld\n"],
)
def test_bad_inputs_raise_one_line_errors(data: bytes | str) -> None:
    with pytest.raises(DumpFormatError) as err:
        parse_dumps(data, Tables())
    assert "\n" not in str(err.value)


def test_binary_garbage_around_a_dump_keeps_the_dump() -> None:
    body = (DATA / "headers.txt").read_bytes()
    (snap,) = parse_dumps(b"\x00\xff\xfe garbage\n\n" + body + b"\n\x00\x00\xff", Tables())
    assert len(snap.goroutines) == 12


def test_cgo_frames_without_file() -> None:
    text = (
        "goroutine 1 [syscall, locked to thread]:\n"
        "non-Go function at pc=0x7f0a1b2c3d4e\n"
        "runtime.cgocall(0x4a1f20, 0xc000059f18)\n"
        "\truntime/cgocall.go:167 +0x4b fp=0xc000059ee8 sp=0xc000059eb0 pc=0x4043cb\n"
        "main.main()\n"
        "\t/src/app/main.go:12 +0x25\n"
    )
    tables = Tables()
    (snap,) = parse_dumps(text, tables)
    g = snap.goroutines[0]
    assert g.flags == {"locked to thread"} and g.state == "syscall"
    assert [f.func for f in tables.stack_frames(g.stack_id)] == [
        "non-Go function at pc=0x7f0a1b2c3d4e",
        "runtime.cgocall",
        "main.main",
    ]
    assert tables.stack_frames(g.stack_id)[1].file == "runtime/cgocall.go"


def test_large_input_is_split_in_pieces_without_losing_goroutines() -> None:
    body = (DATA / "headers.txt").read_text()
    copies = 6000  # ~17 MB: several internal pieces
    text = ("\n" + body) * copies
    tables = Tables()
    snaps = parse_dumps(text.encode(), tables)
    assert len(snaps) == copies
    assert all(len(s.goroutines) == 12 for s in snaps)
    assert snaps[-1].end_line == text.count("\n") + (0 if text.endswith("\n") else 1)


@pytest.mark.parametrize(("wanted", "ids"), [
    (None, [[1, 6], [1, 6, 9]]), (1, [[1, 6]]), (3, [[1, 6], [1, 6, 9], [1]])])
def test_a_dump_and_the_dumps_before_it_in_its_file(wanted: int | None, ids: list[list[int]]) -> None:
    """What the viewer judges leaks on: the dump it shows (the largest, or --snapshot's),
    last, after the ones before it, each named by its place, all in one Tables."""
    from gotrace.model.from_dump import build_dump_model, build_dump_series

    data = (DATA / "two_dumps_in_log.txt").read_bytes()
    tables = Tables()
    models = build_dump_series(data, "log.txt", wanted, tables)
    assert [m.goroutines.id.tolist() for m in models] == ids
    assert [m.source.path for m in models] == [f"log.txt #{i + 1}" for i in range(len(ids) - 1)] + ["log.txt"]
    assert all(m.tables is tables for m in models)
    shown = build_dump_model(data, "log.txt", wanted)
    assert models[-1].notices == shown.notices and models[-1].notices[0].startswith("log.txt holds 3 dumps")
    assert models[-1].goroutines.last_stack.tolist() == shown.goroutines.last_stack.tolist()
