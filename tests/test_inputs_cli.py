"""`qa-check` with the paths and files a new user really passes: typos, empty folders, folders of
other files, GBK exports, Chinese headers, and no ./qa_rules in the working directory."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main

SHIPPED = (Path(__file__).resolve().parent.parent / "qa_rules").resolve()
FORMATS = ".json, .jsonl, .txt, .csv, .xlsx, .parquet"
SCHEME = """\
scheme: mini
columns: {call_id: 录音编号}
rules:
  - id: greet
    kind: required
    section: 开场白
    window: {first_turns: 1}
    phrases: [您好]
    deduct: 5
    message: 开场未问候
"""


def run(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no qa_rules/ here
    (tmp_path / "rules.yaml").write_text(SCHEME, encoding="utf-8")
    out = tmp_path / "reports" / "latest"
    out.mkdir(parents=True)
    (out / "calls.csv").write_text("previous", encoding="utf-8")
    return tmp_path


def audit(work, *paths, rules="rules.yaml"):
    return run(["audit", *map(str, paths), "--rules", rules, "--out", "reports/latest", "--jobs", "1"])


def untouched(work):
    return (
        sorted(p.name for p in (work / "reports" / "latest").iterdir()) == ["calls.csv"]
        and (work / "reports" / "latest" / "calls.csv").read_text(encoding="utf-8") == "previous"
    )


def test_a_path_that_does_not_exist_leaves_the_last_report(work):
    result = audit(work, "transcirpts")
    assert result.exit_code == 2
    assert result.output == (
        "error: transcirpts: no such file or folder\nnothing was audited: reports/latest/ is unchanged\n"
    )
    assert untouched(work)


def test_empty_folder_and_folder_of_other_files_are_errors(work):
    (work / "empty").mkdir()
    docs = work / "docs"
    docs.mkdir()
    (docs / "notes.docx").write_bytes(b"PK")
    (docs / "scan.pdf").write_bytes(b"%PDF")
    result = audit(work, "empty", "docs")
    assert result.exit_code == 2
    assert result.output == (
        f"error: empty: no transcript in this folder (it is empty); qa-check reads {FORMATS}\n"
        f"error: docs: no transcript in this folder (it holds only notes.docx, scan.pdf); qa-check reads {FORMATS}\n"
        "nothing was audited: reports/latest/ is unchanged\n"
    )
    assert untouched(work)
    result = audit(work, "docs/notes.docx")
    assert result.exit_code == 2
    assert result.output.startswith(
        f"error: docs/notes.docx: .docx is not a transcript format; qa-check reads {FORMATS}\n"
    )
    assert untouched(work)


def test_other_files_in_a_folder_are_listed_as_skipped_not_rejected(work):
    calls = work / "calls"
    calls.mkdir()
    (calls / "a.txt").write_text("坐席: 您好\n客户: 查话费\n", encoding="utf-8")
    (calls / "minutes.docx").write_bytes(b"PK")
    (calls / "~$export.xlsx").write_bytes(b"lock")
    result = audit(work, "calls")
    assert result.exit_code == 0, result.output
    skipped = [
        f"calls/minutes.docx: skipped: .docx is not a transcript format (qa-check reads {FORMATS})",
        "calls/~$export.xlsx: skipped: an Excel lock file (the workbook is open in Excel), not a transcript",
    ]
    lines = result.output.splitlines()
    assert lines[:2] == skipped
    assert lines[2].startswith("1 call(s) in: 1 audited, 0 rejected;") and lines[2].endswith(
        "; 2 file(s) of other types skipped"
    )
    with (work / "reports/latest/errors.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["file"], r["reason"]) for r in rows] == [tuple(s.split(": ", 1)) for s in skipped]


def test_a_gbk_export_with_chinese_headers_and_a_mapped_column(work):
    rows = ["录音编号,坐席工号,说话方,内容"]
    for i in range(5):
        rows += [f"r{i},A100{i},坐席,您好，请讲", f"r{i},A100{i},客户,查一下话费"]
    (work / "export.csv").write_bytes(("\r\n".join(rows) + "\r\n").encode("gbk"))
    result = audit(work, "export.csv")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "note: export.csv: read as GB18030"
    assert "5 call(s) in: 5 audited, 0 rejected; 5 passed" in result.output


def test_audit_explain_and_rules_use_the_shipped_scheme_from_anywhere(work):
    note = f"note: no qa_rules/ here: using the scheme shipped with qa-check ({SHIPPED})"
    (work / "a.txt").write_text("坐席: 您好，这里是客服中心，请问有什么可以帮您\n客户: 查话费\n", encoding="utf-8")
    result = run(["audit", "a.txt", "--out", "reports/latest", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == note
    assert (work / "reports/latest/calls.csv").read_text(encoding="utf-8-sig").startswith("call_id,")
    result = run(["explain", "a.txt", "--width", "100"])
    assert result.exit_code == 0 and result.output.splitlines()[0] == note
    result = run(["rules", "validate"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == note
    assert result.output.splitlines()[1].startswith(f"{SHIPPED}: scheme ")
