"""Label quoting and the default snapshot of a file holding several dumps."""

from __future__ import annotations

from conftest import DUMPS as DATA

from gotrace.dump.labels import parse_label_list, unquote
from gotrace.dump.parse import parse_file
from gotrace.dump.snapshot import largest_snapshot_index
from gotrace.tables import Tables


def test_largest_snapshot_is_the_default() -> None:
    snaps = parse_file(DATA / "two_dumps_in_log.txt", Tables())
    assert largest_snapshot_index(snaps) == 1


def test_label_quoting() -> None:
    assert unquote(r'"a\x01\u00e9\"\\b"') == 'a\x01é"\\b'
    assert parse_label_list(r'"a": "1", b: c, "": ""') == {"a": "1", "b": "c", "": ""}
    assert parse_label_list('"k":"v", "k2":"v,2"') == {"k": "v", "k2": "v,2"}
    assert parse_label_list("not labels at all") is None
