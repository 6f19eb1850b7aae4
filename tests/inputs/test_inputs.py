"""Files, stdin and gzip: what kind of input it is, the cap after decompression, damage kept."""

from __future__ import annotations

import gzip
import io
import os
import sys
import tracemalloc
import zlib
from pathlib import Path

import pytest
from hostile_server import DUMP_BLOCK, ZERO_BOMB, gzip_of_repeats

from gotrace.errors import InputError, UnknownInputError
from gotrace.inputs import open_input, sniff
from gotrace.inputs.limits import human_size, max_input_bytes, parse_size

DUMP = b"goroutine 1 [running]:\nmain.main()\n\t/x.go:1 +0x1\n"


def test_trace_header_is_a_trace() -> None:
    assert sniff("x", b"go 1.26 trace\x00\x00\x00rest") == "trace"


def test_dump_text_is_a_dump() -> None:
    assert sniff("x", b"goroutine 1 [running]:\nmain.main()\n") == "dump"
    assert sniff("x", b"goroutine profile: total 3\n") == "dump"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"\x7fELF\x02\x01\x01" + bytes(100), "ELF"),
        (b'{"a": 1}', "JSON"),
        (bytes(range(256)) * 4, "binary data"),
        (b"hello world\nsecond line\n", "text starting 'hello world'"),
    ],
)
def test_unknown_input_says_what_it_saw(data: bytes, words: str) -> None:
    with pytest.raises(UnknownInputError, match=words):
        sniff("f", data)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        open_input(str(tmp_path / "nope.trace"))


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory"):
        open_input(str(tmp_path))


def test_gzip_is_transparent(tmp_path: Path) -> None:
    p = tmp_path / "d.txt.gz"
    p.write_bytes(gzip.compress(DUMP))
    raw = open_input(str(p))
    assert raw.kind == "dump"
    assert raw.data == DUMP
    assert raw.notices == []


def test_gzip_is_recognised_by_its_bytes_not_its_name(tmp_path: Path) -> None:
    p = tmp_path / "dump.txt"
    p.write_bytes(gzip.compress(DUMP))
    assert open_input(str(p)).data == DUMP


def test_truncated_gzip_keeps_what_it_can_and_says_so(tmp_path: Path) -> None:
    body = DUMP * 2000
    p = tmp_path / "d.txt.gz"
    p.write_bytes(gzip.compress(body)[:-30])
    raw = open_input(str(p))
    assert raw.data and body.startswith(raw.data)
    assert len(raw.notices) == 1
    assert raw.notices[0].startswith(f"{p}: the gzip data ends early")


def test_gzip_cut_before_any_content_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "d.gz"
    p.write_bytes(gzip.compress(DUMP)[:10])  # the header alone
    with pytest.raises(InputError, match="ends before any content"):
        open_input(str(p))


def test_corrupt_gzip_start_is_one_line(tmp_path: Path) -> None:
    p = tmp_path / "d.gz"
    p.write_bytes(b"\x1f\x8b\x09" + bytes(50))  # compression method 9 does not exist
    with pytest.raises(InputError, match="corrupt gzip data") as err:
        open_input(str(p))
    assert "\n" not in str(err.value)


def test_corrupt_gzip_middle_keeps_the_prefix(tmp_path: Path) -> None:
    body = b"".join(b"goroutine %d [select]:\nmain.f()\n\t/x.go:%d +0x1\n\n" % (i, i) for i in range(20_000))
    gz = bytearray(gzip.compress(body))
    gz[len(gz) // 2: len(gz) // 2 + 64] = b"\xff" * 64
    p = tmp_path / "d.gz"
    p.write_bytes(gz)
    raw = open_input(str(p))
    assert raw.kind == "dump"
    assert 0 < len(raw.data) < len(body)
    assert "corrupt after" in raw.notices[0]


def test_concatenated_gzip_members_are_all_read(tmp_path: Path) -> None:
    p = tmp_path / "d.gz"
    p.write_bytes(gzip.compress(DUMP) + gzip.compress(DUMP.replace(b"1", b"2")) + bytes(16))
    raw = open_input(str(p))
    assert raw.data == DUMP + DUMP.replace(b"1", b"2")
    assert raw.notices == []


def test_garbage_after_gzip_is_ignored_with_a_notice(tmp_path: Path) -> None:
    p = tmp_path / "d.gz"
    p.write_bytes(gzip.compress(DUMP) + b"garbage")
    raw = open_input(str(p))
    assert raw.data == DUMP
    assert "not gzip; ignored" in raw.notices[0]


def test_gzip_bomb_of_zeros_is_refused_from_its_first_bytes(tmp_path: Path) -> None:
    """1 MB inflating to 1 GiB of zeros: refused after the first inflated MiB, not the GiB."""
    p = tmp_path / "bomb.gz"
    p.write_bytes(ZERO_BOMB)
    tracemalloc.start()
    try:
        with pytest.raises(UnknownInputError, match="binary data starting 00 00"):
            open_input(str(p))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20


def test_gzip_bomb_of_dump_text_stops_at_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOTRACE_MAX_INPUT", "8M")
    p = tmp_path / "bomb.txt.gz"
    p.write_bytes(gzip_of_repeats(DUMP_BLOCK, 64 << 20))
    with pytest.raises(InputError) as err:
        open_input(str(p))
    assert str(err.value) == (f"{p}: inflates to more than the 8 MiB gotrace reads "
                              "(set GOTRACE_MAX_INPUT, e.g. GOTRACE_MAX_INPUT=16G, to read more)")


def test_the_cap_applies_to_plain_files_before_reading(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOTRACE_MAX_INPUT", "1K")
    p = tmp_path / "big.txt"
    p.write_bytes(DUMP * 100)
    with pytest.raises(InputError, match=r"big.txt: 4.\d+ KiB is more than the 1 KiB gotrace reads"):
        open_input(str(p))


def test_the_cap_applies_to_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOTRACE_MAX_INPUT", "1K")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DUMP * 100)))
    with pytest.raises(InputError, match=r"^stdin: more than the 1 KiB gotrace reads"):
        open_input("-")


def test_stdin_is_read() -> None:
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(gzip.compress(DUMP)))
    try:
        raw = open_input("-")
    finally:
        sys.stdin = saved
    assert (raw.name, raw.kind, raw.data) == ("stdin", "dump", DUMP)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_binary_stream_is_refused_early(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOTRACE_MAX_INPUT", "10M")  # should it read on, it fails differently
    with pytest.raises(UnknownInputError, match="/dev/zero: not a Go execution trace or goroutine dump"):
        open_input("/dev/zero")


def test_a_dump_after_a_long_log_is_still_found(tmp_path: Path) -> None:
    p = tmp_path / "service.log"
    p.write_bytes("journal: démarrage du service ✓\n".encode() * 5000 + b"\n" + DUMP)
    raw = open_input(str(p))
    assert raw.kind == "dump"


def test_long_text_that_is_not_a_dump_is_refused_whole(tmp_path: Path) -> None:
    p = tmp_path / "notes.txt"
    p.write_bytes(b"hello world\n" * 20_000)
    with pytest.raises(UnknownInputError, match="text starting 'hello world'"):
        open_input(str(p))


@pytest.mark.parametrize(("text", "size"), [("4G", 4 << 30), ("512m", 512 << 20), ("1.5GiB", 3 << 29),
                                            ("100000", 100_000), ("2 KB", 2048)])
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_a_bad_cap_setting_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOTRACE_MAX_INPUT", "lots")
    with pytest.raises(InputError, match="GOTRACE_MAX_INPUT='lots' is not a size"):
        max_input_bytes()


def test_default_cap_is_generous(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOTRACE_MAX_INPUT", raising=False)
    assert human_size(max_input_bytes()) == "4 GiB"


def test_raw_zlib_is_not_mistaken_for_gzip(tmp_path: Path) -> None:
    p = tmp_path / "d.z"
    p.write_bytes(zlib.compress(DUMP))
    with pytest.raises(UnknownInputError, match="binary data"):
        open_input(str(p))


def test_a_plain_file_read_at_once_is_the_same_bytes_as_its_stream(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A regular file is read whole once its start is sniffed; a pipe (stdin) is read a
    megabyte at a time: the same bytes either way, past the first chunk too."""
    data = DUMP * (3 * (1 << 20) // len(DUMP))
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    from_file = open_input(str(path))
    assert from_file.kind == "dump" and from_file.data == data
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    from_stdin = open_input("-")
    assert from_stdin.data == data
    # a file that grew past the cap after it was looked at: refused, not cut
    from gotrace.inputs.local import read_whole

    with pytest.raises(InputError, match=r"big\.txt"):
        read_whole(str(path), len(data) - 1)


def test_a_whole_read_allocates_the_files_size_not_the_cap(tmp_path: Path) -> None:
    """A 4 GiB cap must not become a 4 GiB allocation for every file read."""
    from gotrace.inputs.local import read_whole

    path = tmp_path / "d.txt"
    path.write_bytes(DUMP * 1000)
    tracemalloc.start()
    try:
        assert read_whole(str(path), 4 << 30) == DUMP * 1000
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20
