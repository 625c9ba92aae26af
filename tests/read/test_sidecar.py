"""Calls side-car: call metadata from a CSV keyed by call_id (`calls_meta.csv`, `--calls-meta`)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.model import Call, InputError
from checker.read import RoleMap, iter_files, read_paths

FIXTURES = Path(__file__).parent / "fixtures"
ROLES = RoleMap.build()

HEADER = "call_id,agent_id,agent_name,team,started_at,direction,hangup_by,queue\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Three ASR results (no agent, no start time) and a typed transcript, in one folder."""
    d = tmp_path / "calls"
    d.mkdir()
    for name in ("ali-20261102-0007.json", "tx-20261102-0012.json", "xf-20261102-0021.json"):
        shutil.copy(FIXTURES / name, d / name)
    (d / "typed.txt").write_text(
        "# call_id: typed-01\n# agent_id: A2001\n坐席: 您好，请问有什么可以帮您？\n客户: 查话费。\n", encoding="utf-8"
    )
    return d


def calls_and_errors(paths, calls_meta=None) -> tuple[dict[str, Call], list[InputError]]:
    calls, errors = {}, []
    for item in read_paths(paths, ROLES, calls_meta):
        if isinstance(item, Call):
            calls[item.call_id] = item
        else:
            errors.append(item)
    return calls, errors


def test_folder_side_car_fills_call_fields_and_metadata(folder):
    (folder / "calls_meta.csv").write_text(
        HEADER
        + "ali-20261102-0007,A1003,李娜,二组,2026-11-02T10:41:07+08:00,inbound,customer,宽带\n"
        + "tx-20261102-0012,A1007,王磊,一组,2026-11-02T14:05:51+08:00,inbound,agent,话费\n"
        + "typed-01,A9999,,,,outbound,,\n",
        encoding="utf-8",
    )
    calls, errors = calls_and_errors([folder])
    assert errors == []
    ali = calls["ali-20261102-0007"]
    assert (ali.agent_id, ali.agent_name, ali.team, ali.started_at, ali.direction) == (
        "A1003",
        "李娜",
        "二组",
        "2026-11-02T10:41:07+08:00",
        "inbound",
    )
    assert ali.metadata["hangup_by"] == "customer" and ali.metadata["queue"] == "宽带"
    assert ali.metadata["asr_vendor"] == "alibaba"  # what the transcript had stays
    assert calls["tx-20261102-0012"].field_value("hangup_by") == "agent"
    # no row: read as it is
    assert calls["xf-20261102-0021"].agent_id is None
    # the transcript wins; the side-car only fills what it lacks; empty cells supply nothing
    typed = calls["typed-01"]
    assert typed.agent_id == "A2001" and typed.direction == "outbound" and "hangup_by" not in typed.metadata


def test_side_car_is_not_read_as_a_transcript(folder):
    (folder / "calls_meta.csv").write_text(HEADER, encoding="utf-8")
    assert "calls_meta.csv" not in [p.name for p in iter_files([folder])]
    items = list(read_paths([folder / "calls_meta.csv"], ROLES))
    assert len(items) == 1 and isinstance(items[0], InputError) and "side-car" in items[0].reason


def test_explicit_side_car_wins_over_the_folders(folder, tmp_path):
    (folder / "calls_meta.csv").write_text(
        "call_id,agent_id,team,queue\nali-20261102-0007,A1003,二组,宽带\n", encoding="utf-8"
    )
    explicit = tmp_path / "crm.csv"
    explicit.write_text(
        "call_id,agent_id,started_at\nali-20261102-0007,A1111,2026-11-02T10:41:07+08:00\n", encoding="utf-8"
    )
    calls, errors = calls_and_errors([folder], explicit)
    ali = calls["ali-20261102-0007"]
    assert errors == []
    assert ali.agent_id == "A1111"  # --calls-meta first
    assert ali.team == "二组" and ali.metadata["queue"] == "宽带"  # the folder's fills the rest
    assert ali.started_at == "2026-11-02T10:41:07+08:00"


def test_side_car_with_bom_and_crlf_from_excel(folder):
    (folder / "calls_meta.csv").write_bytes(("\ufeffcall_id,agent_id\r\nali-20261102-0007,A1003\r\n").encode("utf-8"))
    calls, errors = calls_and_errors([folder])
    assert errors == [] and calls["ali-20261102-0007"].agent_id == "A1003"


def test_bad_row_rejects_its_call_with_file_and_line(folder):
    meta = folder / "calls_meta.csv"
    meta.write_text(
        HEADER
        + "ali-20261102-0007,A1003,李娜,二组,2026-11-02T10:41:07+08:00,inbound,customer,宽带\n"
        + "tx-20261102-0012,A1007,王磊,一组,2026/11/02 14:05,inbound,agent,话费\n"
        + "xf-20261102-0021,A1008,赵敏,一组,2026-11-02T15:32:09+08:00,callback,,\n",
        encoding="utf-8",
    )
    calls, errors = calls_and_errors([folder])
    assert set(calls) == {"ali-20261102-0007", "typed-01"}  # the rest is still read
    by_call = {e.call_id: e for e in errors}
    assert set(by_call) == {"tx-20261102-0012", "xf-20261102-0021"}
    tx, xf = by_call["tx-20261102-0012"], by_call["xf-20261102-0021"]
    assert (tx.file, tx.line) == (str(meta), 3) and "started_at '2026/11/02 14:05' is not an ISO 8601" in tx.reason
    assert (xf.file, xf.line) == (str(meta), 4) and "direction must be inbound or outbound" in xf.reason
    assert str(tx).startswith(f"{meta}:3: calls side-car row for tx-20261102-0012")


def test_bad_row_of_a_call_not_in_the_run_is_still_reported(folder):
    (folder / "calls_meta.csv").write_text(HEADER + "c-elsewhere,A1,,,yesterday,,,\n", encoding="utf-8")
    calls, errors = calls_and_errors([folder])
    assert len(calls) == 4
    assert [(e.line, e.call_id) for e in errors] == [(2, "c-elsewhere")]


@pytest.mark.parametrize(
    "content, line, reason",
    [
        ("agent_id,team\nA1,一组\n", 1, "no call_id column"),
        ("call_id,speaker,text\nc1,坐席,您好\n", 1, "transcript column(s) speaker, text"),
        ("call_id,agent_id,agent_id\nc1,A1,A2\n", 1, "duplicate column(s) agent_id"),
        ("", 1, "empty"),
        ("call_id,agent_id\n,A1\n", 2, "row has no call_id"),
        (
            "call_id,agent_id\nali-20261102-0007,A1\nali-20261102-0007,A2\n",
            3,
            "duplicate call_id 'ali-20261102-0007' (first at line 2)",
        ),
    ],
)
def test_side_car_problems_are_reported_and_the_calls_still_read(folder, content, line, reason):
    meta = folder / "calls_meta.csv"
    meta.write_text(content, encoding="utf-8")
    calls, errors = calls_and_errors([folder])
    assert len(calls) == 4
    assert len(errors) == 1 and errors[0].file == str(meta) and errors[0].line == line
    assert reason in errors[0].reason, errors[0].reason


def test_extra_cells_reject_the_row(folder):
    (folder / "calls_meta.csv").write_text("call_id,agent_id\nali-20261102-0007,A1,多出来的\n", encoding="utf-8")
    calls, errors = calls_and_errors([folder])
    assert "ali-20261102-0007" not in calls
    assert errors[0].line == 2 and "more cells than the header has columns" in errors[0].reason


def test_unreadable_explicit_side_car(folder, tmp_path):
    calls, errors = calls_and_errors([folder], tmp_path / "missing.csv")
    assert len(calls) == 4 and len(errors) == 1 and "cannot read calls side-car" in errors[0].reason


def test_audit_with_calls_meta(folder, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "scheme: s\nrules:\n"
        "  - {id: hangup, kind: metadata, section: 挂机, field: hangup_by, equals: agent, deduct: 5, message: 坐席先挂机}\n",
        encoding="utf-8",
    )
    crm = tmp_path / "crm.csv"
    crm.write_text(
        HEADER
        + "ali-20261102-0007,A1003,李娜,二组,2026-11-02T10:41:07+08:00,inbound,customer,宽带\n"
        + "tx-20261102-0012,A1007,王磊,一组,2026-11-02T14:05:51+08:00,inbound,agent,话费\n"
        + "xf-20261102-0021,A1008,赵敏,一组,2026-11-02 下午,outbound,customer,回访\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["audit", str(folder), "--rules", str(rules), "--out", str(out), "-j", "1", "--calls-meta", str(crm)]
    )
    assert result.exit_code == 2, result.output  # one side-car row was rejected
    with (out / "calls.csv").open(encoding="utf-8-sig") as fh:
        rows = {r["call_id"]: r for r in csv.DictReader(fh)}
    assert rows["ali-20261102-0007"]["agent_id"] == "A1003"
    assert rows["tx-20261102-0012"]["agent_id"] == "A1007"
    assert "xf-20261102-0021" not in rows
    findings = [json.loads(x) for x in (out / "findings.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(f["call_id"], f["rule_id"]) for f in findings] == [("tx-20261102-0012", "hangup")]
    with (out / "errors.csv").open(encoding="utf-8-sig") as fh:
        errors = list(csv.DictReader(fh))
    assert [(e["file"], e["line"], e["call_id"]) for e in errors] == [(str(crm), "4", "xf-20261102-0021")]


def test_explicit_side_car_kept_among_the_transcripts_is_not_read_as_one(folder):
    crm = folder / "crm-export.csv"
    crm.write_text("call_id,agent_id\nali-20261102-0007,A1003\n", encoding="utf-8")
    calls, errors = calls_and_errors([folder], crm)
    assert errors == [] and calls["ali-20261102-0007"].agent_id == "A1003"


def test_a_gbk_side_car_is_read_and_a_damaged_one_says_where(tmp_path):
    folder = tmp_path / "calls"
    folder.mkdir()
    (folder / "a.txt").write_text("# call_id: g1\n坐席: 您好\n", encoding="utf-8")
    meta = "call_id,agent_id,agent_name,team\r\ng1,A1003,李娜,二组\r\n".encode("gbk")
    (folder / "calls_meta.csv").write_bytes(meta)
    (call,) = read_paths([folder], RoleMap.build())
    assert (call.agent_id, call.agent_name, call.team) == ("A1003", "李娜", "二组")
    (folder / "calls_meta.csv").write_bytes(meta.replace("娜".encode("gbk"), b"\xff\x20"))
    err, call = read_paths([folder], RoleMap.build())
    assert (
        err.reason
        == "cannot read calls side-car: line 2: undecodable byte 0xFF at column 11 (the file reads as GB18030)"
    )
    assert call.agent_id is None  # read without the side-car, as any unusable side-car
