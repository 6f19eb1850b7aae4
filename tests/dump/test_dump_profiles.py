"""Goroutine leak profiles, pprof protobuf profiles and race reports.

Fixtures under ``tests/data/dumps/pprof`` come from ``tests/data/src/dumpgen``
run with Go 1.19, 1.22, 1.26 (GOEXPERIMENT=goroutineleakprofile) and 1.27
(file names say which); ``*.traces.txt`` is ``go tool pprof -traces`` on the
same profile, an independent reader to check the decoder against. The race
reports come from ``tests/data/src/racegen`` built with ``-race``.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import DUMPS

from gotrace.dump.parse import parse_dumps, parse_file
from gotrace.errors import DumpFormatError, UnknownInputError
from gotrace.inputs import describe, sniff
from gotrace.model.from_dump import build_dump_model
from gotrace.tables import Tables

PPROF = DUMPS / "pprof"
PROTOS = sorted(PPROF.glob("*.pb.gz"))


def oracle(path: Path) -> Counter[tuple[int, tuple[str, ...], tuple[tuple[str, str], ...]]]:
    """Samples as ``go tool pprof -traces`` printed them: count, functions, labels."""
    text = path.with_name(path.name.replace(".pb.gz", ".traces.txt")).read_text()
    out: Counter[tuple[int, tuple[str, ...], tuple[tuple[str, str], ...]]] = Counter()
    for block in text.split("-----------+-------------------------------------------------------")[1:]:
        labels: list[tuple[str, str]] = []
        funcs: list[str] = []
        count = 0
        for line in block.strip("\n").split("\n"):
            lm = re.match(r"\s+(\S+):\s+(.*)$", line)
            cm = re.match(r"\s+(\d+)\s+(\S+)", line)
            if cm:
                count = int(cm.group(1))
                funcs.append(cm.group(2))
            elif lm and not funcs:
                labels.append((lm.group(1), lm.group(2)))
            elif line.strip():
                funcs.append(line.split()[0])
        if funcs:
            out[(count, tuple(funcs), tuple(sorted(labels)))] += 1
    return out


@pytest.mark.parametrize("path", PROTOS, ids=lambda p: p.name)
def test_protobuf_profiles_match_go_tool_pprof(path: Path) -> None:
    tables = Tables()
    (snap,) = parse_file(path, tables)
    assert snap.kind == "debug1" and snap.origin == "pprof proto" and snap.warnings == []
    leak = "goroutineleak" in path.name
    assert snap.profile == ("goroutineleak" if leak else "goroutine")
    assert snap.format_name == ("goroutineleak pprof proto" if leak else "pprof proto")
    got: Counter[tuple[int, tuple[str, ...], tuple[tuple[str, str], ...]]] = Counter()
    for grp in snap.groups:
        assert grp.leaked == leak
        funcs = tuple(f.func for f in tables.stack_frames(grp.stack))
        if funcs:  # pprof -traces leaves out a sample without locations
            got[(grp.count, funcs, tuple(sorted(grp.labels.items())))] += 1
    assert got == oracle(path)
    assert snap.total == snap.goroutine_count


def test_protobuf_frames_have_files_and_lines() -> None:
    tables = Tables()
    (snap,) = parse_file(PPROF / "go1.27.goroutine.debug0.pb.gz", tables)
    leak = next(g for g in snap.groups if g.count == 5)
    top = tables.stack_frames(leak.stack)[-1]
    assert (top.func, top.file, top.line) == ("main.leak.func1", "example.com/dumpgen/main.go", 32)


def test_cut_protobuf_profile_is_an_error_naming_the_cause() -> None:
    raw = gzip.decompress((PPROF / "go1.27.goroutine.debug0.pb.gz").read_bytes())
    with pytest.raises(DumpFormatError, match="cut off before its string table ends"):
        parse_dumps(raw[: len(raw) // 2], Tables())


@pytest.mark.parametrize("version", ["1.26", "1.27"])
def test_goroutineleak_debug1_is_read_and_leaked(version: str) -> None:
    path = PPROF / f"go{version}.goroutineleak.debug1.txt"
    raw = path.read_bytes()
    assert sniff(path.name, raw) == "dump"
    tables = Tables()
    (snap,) = parse_file(path, tables)
    assert (snap.kind, snap.profile, snap.format_name) == ("debug1", "goroutineleak", "goroutineleak debug=1")
    assert [(g.count, g.leaked) for g in snap.groups] == [(5, True)]
    assert snap.leaked_count == 5 and snap.total == 5 and snap.warnings == []
    assert [f.func for f in tables.stack_frames(snap.groups[0].stack)] == ["main.leak.func1"]


@pytest.mark.parametrize("version", ["1.26", "1.27"])
def test_goroutineleak_debug2_marks_leaked_goroutines(version: str) -> None:
    (snap,) = parse_file(PPROF / f"go{version}.goroutineleak.debug2.txt", Tables())
    leaked = sorted(g.id for g in snap.goroutines if g.leaked)
    assert len(leaked) == 5 and snap.leaked_count == 5
    assert all(g.state == "chan send" for g in snap.goroutines if g.leaked)
    model = build_dump_model((PPROF / f"go{version}.goroutineleak.debug2.txt").read_bytes(), "x")
    assert model.extras is not None
    assert sorted(int(model.goroutines.id[r]) for r, x in enumerate(model.extras) if x.leaked) == leaked


def test_goroutine_debug1_is_not_leaked() -> None:
    (snap,) = parse_file(DUMPS / "debug1_labels.txt", Tables())
    assert snap.profile == "goroutine" and snap.format_name == "debug=1"
    assert not any(g.leaked for g in snap.groups)


@pytest.mark.parametrize("name", ["go127_race.txt", "go122_race.txt"])
def test_race_reports_name_goroutines_and_creation_sites(name: str) -> None:
    raw = (DUMPS / name).read_bytes()
    assert sniff(name, raw) == "dump"
    tables = Tables()
    (snap,) = parse_dumps(raw, tables)
    assert snap.origin == "race report" and snap.format_name == "race report"
    assert snap.panic_message == "WARNING: DATA RACE: 2 report(s) (Found 2 data race(s))"
    g = {(x.id, x.raw_state.split(" at ")[0]): x for x in snap.goroutines}
    assert sorted(g) == [(1, "previous read"), (7, "read"), (8, "previous write"), (9, "write")]
    assert g[(9, "write")].state == "running" and g[(8, "previous write")].state == "finished"
    assert g[(9, "write")].created_by == ("main.main", "example.com/racegen/main.go", 30, None)
    assert g[(7, "read")].created_by == ("main.main", "example.com/racegen/main.go", 26, None)
    assert g[(1, "previous read")].created_by is None
    funcs = [f.func for f in tables.stack_frames(g[(7, "read")].stack_id)]
    assert funcs == ["main.(*counter).bump", "main.worker", "main.main.gowrap1"]
    model = build_dump_model(raw, name)
    assert model.source.format == "race report" and len(model.goroutines) == 4


def test_sniff_and_describe_other_profiles() -> None:
    heap = bytes.fromhex("0a0408011002") + b"\x32\x00" + b"\x32\x0dalloc_objects\x32\x05count"
    assert describe(heap) == "a pprof protobuf profile of alloc_objects, not of goroutines"
    with pytest.raises(UnknownInputError, match="alloc_objects"):
        sniff("heap.pb", heap)


@pytest.mark.parametrize(
    "name",
    ["go1.19.goroutine.debug0.pb.gz", "go1.27.goroutineleak.debug0.pb.gz", "go1.27.goroutineleak.debug1.txt"],
)
def test_profiles_through_the_cli(name: str) -> None:
    import json

    from click.testing import CliRunner

    from gotrace.cli import cli
    from gotrace.load import load

    path = str(PPROF / name)
    runner = CliRunner()
    table = runner.invoke(cli, ["goroutines", path])
    assert table.exit_code == 0, table.output
    fmt = "goroutineleak " if "leak" in name else ""
    fmt += "pprof proto" if name.endswith(".gz") else "debug=1"
    assert f"({fmt})" in table.output and "main.leak.func1" in table.output
    doc = json.loads(runner.invoke(cli, ["goroutines", "--format", "json", path]).output)
    assert doc["source"]["format"] == fmt and doc["groups"][0]["count"] == 5
    other = str(PPROF / "go1.27.goroutine.debug0.pb.gz")
    diff = runner.invoke(cli, ["diff", "--format", "json", path, other])
    assert diff.exit_code == 0, diff.output
    assert json.loads(diff.output)["old"]["format"] == fmt
    model = load(path)  # what `gotrace view` loads
    assert model.source.format == fmt and model.snapshot.goroutine_count >= 5
