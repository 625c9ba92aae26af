"""calls.parquet and findings.parquet: typed columns, the same calls and findings as the CSV and
JSON Lines reports, read back with pandas; left out, with a note, without pyarrow."""

import builtins
import csv
import json

import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

from checker.report import parquet_out  # noqa: E402

from ..test_audit import run, workspace  # noqa: E402,F401


def audit(ws, out, *extra):
    return run(["audit", str(ws / "calls"), "--rules", str(ws / "rules.yaml"), "--out", str(out), *extra])


def test_parquet_tables_hold_the_calls_and_findings_typed(workspace):
    out = workspace / "out"
    assert audit(workspace, out, "--jobs", "1").exit_code == 2
    calls = pd.read_parquet(out / "calls.parquet")
    findings = pd.read_parquet(out / "findings.parquet")
    assert str(calls["score"].dtype) == "float64" and str(calls["passed"].dtype) == "bool"
    assert str(calls["findings"].dtype) == "int32" and str(findings["deduct"].dtype) == "float64"
    with (out / "calls.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(calls["call_id"]) == [r["call_id"] for r in rows] == ["good", "bad", "rude"]
    assert list(calls["score"]) == [100.0, 87.0, 0.0]
    assert list(calls["passed"]) == [True, False, False] and list(calls["fatal"]) == [False, False, True]
    assert list(calls["findings"]) == [int(r["findings"]) for r in rows]
    assert [list(v) for v in calls["not_applicable"]] == [
        r["not_applicable"].split(";") if r["not_applicable"] else [] for r in rows
    ]
    lines = [json.loads(line) for line in (out / "findings.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(findings) == len(lines) == int(calls["findings"].sum())
    bad = findings[findings["call_id"] == "bad"]
    assert list(zip(bad["rule_id"], bad["turn"], bad["matched"], bad["deduct"])) == [
        ("greet", 0, "", 5.0),
        ("taboo", 0, "说吧", 5.0),
        ("taboo", 2, "我不能", 3.0),
        ("taboo", 2, "说吧", 0.0),
    ]
    assert findings.to_dict("records")[0].keys() == lines[0].keys()


def test_the_parquet_files_are_the_same_bytes_whatever_the_jobs(workspace):
    a, b = workspace / "a", workspace / "b"
    assert audit(workspace, a, "--jobs", "1").exit_code == 2
    assert audit(workspace, b, "--jobs", "2").exit_code == 2
    for name in ("calls.parquet", "findings.parquet"):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_row_groups_of_calls_parquet(workspace, monkeypatch):
    import pyarrow.parquet as pq

    monkeypatch.setattr(parquet_out, "ROW_GROUP", 2)
    out = workspace / "out"
    assert audit(workspace, out, "--jobs", "1").exit_code == 2
    meta = pq.ParquetFile(out / "calls.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [2, 1]


def test_without_pyarrow_a_note_and_no_parquet(workspace, monkeypatch):
    real_import = builtins.__import__

    def no_pyarrow(name, globals=None, *args, **kwargs):  # as qa-check's modules see it
        if name.startswith("pyarrow") and (globals or {}).get("__name__", "").startswith("checker."):
            raise ImportError(name)
        return real_import(name, globals, *args, **kwargs)

    monkeypatch.setattr(parquet_out, "HAVE_PYARROW", False)
    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    out = workspace / "out"
    result = audit(workspace, out, "--jobs", "1")
    assert result.exit_code == 2
    assert parquet_out.NO_PYARROW in result.output
    assert not list(out.glob("*.parquet")) and (out / "calls.csv").is_file()
