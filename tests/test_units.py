"""The units of a run: Parquet row groups planned as slices (big ones cut in pieces, numbered on),
read where they are audited; `--engine local --jobs 2` reads them in its worker processes too."""

import json
import os
import textwrap

import pytest
from click.testing import CliRunner

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from checker import audit  # noqa: E402
from checker.cli import main  # noqa: E402
from checker.read import RoleMap, read_file  # noqa: E402
from checker.read import parquet as parquet_reader  # noqa: E402
from checker.units import plan_units, read_slice  # noqa: E402

from .test_audit import SCHEME  # noqa: E402
from .test_resume import files  # noqa: E402

TEXTS = ["喂，说吧", "您好，请讲", "您好，这个我不能办", "您好，你是不是神经病"]


def call(i: int) -> dict:
    return {
        "call_id": f"p{i}",
        "agent_id": f"A{i % 3}",
        "turns": [
            {"speaker": "agent", "text": TEXTS[i % 4], "start": 0.0, "end": 1.5},
            {"speaker": "customer", "text": "我的手机号是13812345678", "start": 1.6, "end": 3.0},
        ],
    }


def write_groups(path, sizes: list[int]) -> None:
    """One row a call, in row groups of `sizes` rows; the 20th row has no turns (an error)."""
    records = [call(i) for i in range(sum(sizes))]
    records[19] = {**records[19], "turns": []}
    with pq.ParquetWriter(path, pa.Table.from_pylist(records[:1]).schema) as writer:
        at = 0
        for n in sizes:
            writer.write_table(pa.Table.from_pylist(records[at : at + n]))
            at += n


def test_big_row_groups_are_cut_in_pieces_numbered_on(tmp_path):
    write_groups(tmp_path / "calls.parquet", [16, 7, 3, 3])
    slices = list(plan_units([tmp_path], RoleMap(), remote=True, slice_rows=5))
    # a group of at least twice the slice is cut in pieces; smaller ones are taken whole, together
    assert [(s.groups, s.first_row, s.skip, s.rows) for s in slices] == [
        ((0,), 1, 0, 4),
        ((0,), 5, 4, 4),
        ((0,), 9, 8, 4),
        ((0,), 13, 12, 4),
        ((1,), 17, 0, 7),
        ((2, 3), 24, 0, 6),
    ]
    whole = list(read_file(tmp_path / "calls.parquet", RoleMap()))
    pieces = [item for s in slices for item in read_slice(s, RoleMap())]
    assert pieces == whole and len(whole) == 29
    error = whole[19]
    assert error.line == 20 and "no turns" in error.reason  # numbered as the whole file numbers it


def test_local_workers_read_their_own_row_groups(tmp_path, monkeypatch):
    """`--jobs 2` on Parquet: the row groups are read by the process that audits them (the
    worker or this one), never by this process for the worker, and the reports are `--jobs 1`'s."""
    (tmp_path / "rules.yaml").write_text(textwrap.dedent(SCHEME), encoding="utf-8")
    calls = tmp_path / "calls"
    calls.mkdir()
    write_groups(calls / "a.parquet", [40, 7, 7, 30])
    (calls / "b.jsonl").write_text(json.dumps(call(500), ensure_ascii=False) + "\n", encoding="utf-8")
    args = ["audit", str(calls), "--rules", str(tmp_path / "rules.yaml"), "--out"]
    assert CliRunner().invoke(main, [*args, str(tmp_path / "ref"), "--jobs", "1"]).exit_code == 2

    log = tmp_path / "read-by.txt"
    original = parquet_reader.read_parquet_groups

    def logged(source, roles, groups, first_row, name=None, skip=0, take=0):
        with log.open("a") as fh:  # forked workers inherit this, and append their own pid
            fh.write(f"{os.getpid()} {first_row} {take}\n")
        yield from original(source, roles, groups, first_row, name, skip, take)

    def whole_file(*a, **k):
        raise AssertionError("the Parquet file was read whole")

    monkeypatch.setattr(parquet_reader, "read_parquet_groups", logged)
    monkeypatch.setattr(parquet_reader, "read_parquet", whole_file)
    monkeypatch.setattr(audit, "SLICE_ROWS", 10)
    result = CliRunner().invoke(main, [*args, str(tmp_path / "out"), "--jobs", "2"], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert files(tmp_path / "out") == files(tmp_path / "ref")
    reads = [line.split() for line in log.read_text().splitlines()]
    assert sorted(int(first) for _, first, _ in reads) == [1, 11, 21, 31, 41, 55, 65, 75]
    assert sum(int(take) for _, _, take in reads) == 84  # every row read once
    assert {pid for pid, _, _ in reads} - {str(os.getpid())}  # the worker read its slices itself


@pytest.fixture
def decoded(monkeypatch) -> list:
    """The row groups each `ParquetFile.read_row_groups` decodes, in order."""
    seen: list = []
    original = pq.ParquetFile.read_row_groups

    def counted(self, groups, *args, **kwargs):
        seen.append(tuple(groups))
        return original(self, groups, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "read_row_groups", counted)
    return seen


def test_the_pieces_of_a_row_group_decode_it_once(tmp_path, decoded):
    """A process reading the pieces of one row group one after another decodes it once; a file
    rewritten since is decoded again."""
    path = tmp_path / "calls.parquet"
    write_groups(path, [16, 7])
    slices = list(plan_units([tmp_path], RoleMap(), remote=True, slice_rows=5))
    items = [item for s in slices for item in read_slice(s, RoleMap())]
    assert [item.call_id for item in items[:3]] == ["p0", "p1", "p2"] and len(items) == 23
    assert decoded == [(0,), (1,)]  # four pieces of group 0, one decode
    write_groups(path, [16, 7, 1])  # rewritten: one more row (a new size)
    assert [c.call_id for c in read_slice(slices[0], RoleMap())] == ["p0", "p1", "p2", "p3"]
    assert decoded == [(0,), (1,), (0,)]


def test_urls_with_the_local_engine_are_a_clear_error(tmp_path):
    """Only a Dask cluster's workers list and read remote storage URLs (through fsspec): with
    `--engine local`, whatever the jobs, a URL is an input error naming it and the fix, before
    anything is written."""
    fsspec = pytest.importorskip("fsspec")
    (tmp_path / "rules.yaml").write_text(textwrap.dedent(SCHEME), encoding="utf-8")
    fs = fsspec.filesystem("memory")
    fs.pipe({"/qa-units/a.jsonl": (json.dumps(call(1), ensure_ascii=False) + "\n").encode()})
    args = ["audit", "memory://qa-units", "--rules", str(tmp_path / "rules.yaml"), "--out"]
    try:
        for jobs in ("1", "2"):
            out = tmp_path / f"out{jobs}"
            result = CliRunner().invoke(main, [*args, str(out), "--jobs", jobs])
            assert result.exit_code == 2, result.output
            assert "memory://qa-units: a URL of remote storage is read by --engine dask" in result.output
            assert not out.exists()
    finally:
        fs.rm("/qa-units", recursive=True)


def test_the_pieces_of_a_remote_row_group_fetch_it_once(tmp_path, decoded, monkeypatch):
    """The same for a remote store's file (fsspec's memory store here): its pieces fetch and
    decode the row group once, as the store says the file is the same one; a store that cannot
    say which version it holds has each piece fetch the group again, never one kept from before."""
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    write_groups(tmp_path / "calls.parquet", [16, 7])
    fs.pipe("/qa-pieces/calls.parquet", (tmp_path / "calls.parquet").read_bytes())
    try:
        slices = list(plan_units(["memory://qa-pieces"], RoleMap(), remote=True, slice_rows=5))
        items = [item for s in slices for item in read_slice(s, RoleMap())]
        whole = list(read_file(tmp_path / "calls.parquet", RoleMap()))
        assert [(i.line, i.reason) for i in items] == [(i.line, i.reason) for i in whole] and len(items) == 23
        assert {i.file for i in items} == {"memory:///qa-pieces/calls.parquet"}  # named by its URL
        assert decoded == [(0,), (1,)]  # four pieces of group 0, one fetch

        info = type(fs).info
        unversioned = {k: v for k, v in info(fs, "/qa-pieces/calls.parquet").items() if k != "created"}
        decoded.clear()
        with monkeypatch.context() as m:
            m.setattr(type(fs), "info", lambda self, path, **kw: unversioned)
            for s in slices[:2]:  # group 0 was the last kept, but the store no longer tells its version
                read_slice(s, RoleMap())
        assert decoded == [(0,), (0,)]
    finally:
        fs.rm("/qa-pieces", recursive=True)


def test_a_remote_file_gone_since_it_was_listed_is_an_input_error():
    pytest.importorskip("fsspec")
    from checker.units import Slice

    [error] = read_slice(Slice("memory:///qa-gone/calls.parquet", (0,), 1, 5), RoleMap())
    assert error.file == "memory:///qa-gone/calls.parquet"
    assert error.reason == "not a readable Parquet file: no such file in the store (removed since it was listed?)"
