"""Readers for the exports, built from the formats' own definitions, not from gotrace's writers.

* pprof: ``Profile`` message classes made by the protobuf runtime from
  ``profile.proto``'s fields (github.com/google/pprof/proto/profile.proto),
  transcribed below as a descriptor: protobuf parses the bytes, not our code.
* Perfetto: the ``perfetto`` package's compiled ``perfetto_trace.proto``.
* A Go toolchain for ``go tool pprof``, when one is installed.
"""

from __future__ import annotations

import glob
import gzip
import os
import shutil
from typing import Any

import pytest

# (message, [(field, number, type, label, message type)]) from profile.proto.
_I64, _U64, _BOOL, _MSG = "TYPE_INT64", "TYPE_UINT64", "TYPE_BOOL", "TYPE_MESSAGE"
_OPT, _REP = "LABEL_OPTIONAL", "LABEL_REPEATED"
PROFILE_PROTO = [
    ("Profile", [
        ("sample_type", 1, _MSG, _REP, "ValueType"), ("sample", 2, _MSG, _REP, "Sample"),
        ("mapping", 3, _MSG, _REP, "Mapping"), ("location", 4, _MSG, _REP, "Location"),
        ("function", 5, _MSG, _REP, "Function"), ("string_table", 6, "TYPE_STRING", _REP, None),
        ("drop_frames", 7, _I64, _OPT, None), ("keep_frames", 8, _I64, _OPT, None),
        ("time_nanos", 9, _I64, _OPT, None), ("duration_nanos", 10, _I64, _OPT, None),
        ("period_type", 11, _MSG, _OPT, "ValueType"), ("period", 12, _I64, _OPT, None),
        ("comment", 13, _I64, _REP, None), ("default_sample_type", 14, _I64, _OPT, None),
    ]),
    ("ValueType", [("type", 1, _I64, _OPT, None), ("unit", 2, _I64, _OPT, None)]),
    ("Sample", [("location_id", 1, _U64, _REP, None), ("value", 2, _I64, _REP, None),
                ("label", 3, _MSG, _REP, "Label")]),
    ("Label", [("key", 1, _I64, _OPT, None), ("str", 2, _I64, _OPT, None), ("num", 3, _I64, _OPT, None),
               ("num_unit", 4, _I64, _OPT, None)]),
    ("Mapping", [("id", 1, _U64, _OPT, None), ("memory_start", 2, _U64, _OPT, None),
                 ("memory_limit", 3, _U64, _OPT, None), ("file_offset", 4, _U64, _OPT, None),
                 ("filename", 5, _I64, _OPT, None), ("build_id", 6, _I64, _OPT, None),
                 ("has_functions", 7, _BOOL, _OPT, None), ("has_filenames", 8, _BOOL, _OPT, None),
                 ("has_line_numbers", 9, _BOOL, _OPT, None), ("has_inline_frames", 10, _BOOL, _OPT, None)]),
    ("Location", [("id", 1, _U64, _OPT, None), ("mapping_id", 2, _U64, _OPT, None),
                  ("address", 3, _U64, _OPT, None), ("line", 4, _MSG, _REP, "Line"),
                  ("is_folded", 5, _BOOL, _OPT, None)]),
    ("Line", [("function_id", 1, _U64, _OPT, None), ("line", 2, _I64, _OPT, None),
              ("column", 3, _I64, _OPT, None)]),
    ("Function", [("id", 1, _U64, _OPT, None), ("name", 2, _I64, _OPT, None),
                  ("system_name", 3, _I64, _OPT, None), ("filename", 4, _I64, _OPT, None),
                  ("start_line", 5, _I64, _OPT, None)]),
]


def profile_class() -> Any:
    """The ``perftools.profiles.Profile`` message class (skips without protobuf)."""
    descriptor_pb2 = pytest.importorskip("google.protobuf.descriptor_pb2")
    from google.protobuf import descriptor_pool, message_factory

    fd = descriptor_pb2.FileDescriptorProto(name="gotrace_test_profile.proto", package="perftools.profiles",
                                            syntax="proto3")
    for name, fields in PROFILE_PROTO:
        msg = fd.message_type.add(name=name)
        for fname, number, ftype, label, type_name in fields:
            f = msg.field.add(name=fname, number=number,
                              type=descriptor_pb2.FieldDescriptorProto.Type.Value(ftype),
                              label=descriptor_pb2.FieldDescriptorProto.Label.Value(label))
            if type_name:
                f.type_name = f".perftools.profiles.{type_name}"
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("perftools.profiles.Profile"))


def read_profile(path: os.PathLike[str] | str) -> Any:
    with open(path, "rb") as f:
        data = f.read()
    assert data[:2] == b"\x1f\x8b", "a pprof file is gzipped"
    prof = profile_class()()
    prof.ParseFromString(gzip.decompress(data))
    return prof


def samples_of(prof: Any) -> list[tuple[tuple[str, ...], dict[str, str], int]]:
    """(function names leaf first, labels, count) of every sample."""
    st = list(prof.string_table)
    funcs = {f.id: st[f.name] for f in prof.function}
    locs = {loc.id: funcs[loc.line[0].function_id] for loc in prof.location}
    return [(tuple(locs[i] for i in s.location_id), {st[lab.key]: st[lab.str] for lab in s.label},
             s.value[0]) for s in prof.sample]


def perfetto_trace() -> Any:
    """The ``Trace`` message class of the perfetto package (skips without it)."""
    pytest.importorskip("google.protobuf")
    mod = pytest.importorskip("perfetto.protos.perfetto.trace.perfetto_trace_pb2")
    return mod.Trace


def go_binary() -> str | None:
    """A Go toolchain's ``go`` command: on PATH, else the newest installed under /usr/lib or /opt."""
    found = shutil.which("go")
    if found:
        return found
    candidates = glob.glob("/opt/go-debian/usr/lib/go-1.*/bin/go") + glob.glob("/usr/lib/go-1.*/bin/go")
    candidates += glob.glob("/opt/go-1.*/go/bin/go")
    candidates = [c for c in candidates if os.access(c, os.X_OK)]
    return max(candidates, key=lambda p: [int(x) for x in p.split("go-1.")[1].split("/")[0].split(".")],
               default=None)
