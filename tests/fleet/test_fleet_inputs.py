"""Which files a scan reads, and each file's host and time."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gotrace.errors import InputError
from gotrace.fleet.inputs import expand, from_name, parse_time, read_meta, tasks_for


def t(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("path,host,time", [
    ("fleet/web-7_2024-05-01T12:15:00Z.txt", "web-7", t(2024, 5, 1, 12, 15)),
    ("fleet/web-7_20240501-1215.debug2.txt", "web-7", t(2024, 5, 1, 12, 15)),
    ("fleet/web-7/2024-05-01T1215.debug2.txt", "web-7", t(2024, 5, 1, 12, 15)),
    ("fleet/2024-05-01_12-15/web-7.debug2.txt", "web-7", t(2024, 5, 1, 12, 15)),
    ("fleet/db.2024-05-01T12:15:30+02:00.pb.gz", "db", t(2024, 5, 1, 10, 15, 30)),
    ("fleet/db-1714565700.trace", "db", t(2024, 5, 1, 12, 15)),
    ("corpus/go1.19/leakhttp.trace", "go1.19", None),
    ("fleet/web-7/20241399.txt", "web-7", None),  # digits, not a date
])
def test_host_and_time_from_the_name(path: str, host: str, time: datetime | None) -> None:
    task = from_name(path)
    assert (task.host, task.time) == (host, time)


def test_parse_time_forms() -> None:
    assert parse_time("2024-05-01") == t(2024, 5, 1)
    assert parse_time("1714565700") == t(2024, 5, 1, 12, 15)
    assert parse_time("nothing") is None


def test_meta_csv_wins_and_matches_base_names(tmp_path: Path) -> None:
    meta = tmp_path / "meta.csv"
    meta.write_text("file,host,time\na/x.txt,web-1,2024-05-01T10:00:00Z\ny.txt,web-2,1714565700\n")
    known = read_meta(str(meta))
    tasks = tasks_for(["a/x.txt", "b/y.txt", "c/web-9_2024-01-01.txt"], known)
    assert [(k.host, k.time) for k in tasks] == [
        ("web-1", t(2024, 5, 1, 10)), ("web-2", t(2024, 5, 1, 12, 15)), ("web-9", t(2024, 1, 1))]


def test_meta_csv_errors_name_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "meta.csv"
    bad.write_text("path,host\nx,y\n")
    with pytest.raises(InputError, match="needs a header with a 'file' column"):
        read_meta(str(bad))
    bad.write_text("file,host,time\nx,y,yesterday\n")
    with pytest.raises(InputError, match=r"meta.csv:2: 'yesterday' is not a time"):
        read_meta(str(bad))
    with pytest.raises(InputError, match="no such file"):
        read_meta(str(tmp_path / "missing.csv"))


def test_name_pattern_groups() -> None:
    rx = re.compile(r"dumps/(?P<host>[^/]+)/(?P<time>\d+)\.out$")
    (task,) = tasks_for(["dumps/api-3/1714565700.out"], pattern=rx)
    assert (task.host, task.time) == ("api-3", t(2024, 5, 1, 12, 15))


def test_expand_folders_globs_and_missing_paths(tmp_path: Path) -> None:
    for name in ("a/1.txt", "a/b/2.txt", "a/.hidden", "a/.git/x", "c.trace"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    files, notices = expand([str(tmp_path / "a"), str(tmp_path / "*.trace"), str(tmp_path / "a" / "1.txt"),
                             str(tmp_path / "none-*.txt"), str(tmp_path / "missing.txt")])
    rel = [str(Path(f).relative_to(tmp_path)) for f in files]
    assert rel == ["a/1.txt", "a/b/2.txt", "c.trace", "missing.txt"]
    assert notices == [f"{tmp_path / 'none-*.txt'}: matches no file"]


def test_expand_urls_through_fsspec(tmp_path: Path) -> None:
    pytest.importorskip("fsspec")
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / "1.txt").write_text("x")
    (tmp_path / "h" / "2.txt").write_text("x")
    files, _ = expand([f"file://{tmp_path}/h/*.txt"])
    assert files == [f"file://{tmp_path}/h/1.txt", f"file://{tmp_path}/h/2.txt"]
    files, _ = expand([f"file://{tmp_path}/h"])
    assert len(files) == 2
