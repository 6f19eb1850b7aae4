import gzip
from pathlib import Path

import pytest

from gotrace.errors import InputError, UnknownInputError
from gotrace.inputs import open_input, sniff


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
    p.write_bytes(gzip.compress(b"goroutine 1 [running]:\nmain.main()\n\t/x.go:1 +0x1\n"))
    raw = open_input(str(p))
    assert raw.kind == "dump"
    assert raw.data.startswith(b"goroutine 1")


def test_truncated_gzip_keeps_what_it_can(tmp_path: Path) -> None:
    body = b"goroutine 1 [running]:\nmain.main()\n\t/x.go:1 +0x1\n" * 200
    p = tmp_path / "d.txt.gz"
    p.write_bytes(gzip.compress(body)[:-30])
    raw = open_input(str(p))
    assert raw.data and body.startswith(raw.data)
