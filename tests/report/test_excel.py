"""report.xlsx: read back with openpyxl, with a second reader (python-calamine, Rust) and as raw
OOXML, so that a file Excel would have to repair does not pass."""

from __future__ import annotations

import csv
import zipfile
from xml.etree import ElementTree

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from checker.report import sheet_rows, write_reports

from .conftest import write

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def sheet_xml(path, name):
    with zipfile.ZipFile(path) as z:
        wb = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        rid = next(
            s.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
            for s in wb.iter(f"{{{NS['m']}}}sheet")
            if s.get("name") == name
        )
        target = next(r.get("Target") for r in rels if r.get("Id") == rid)
        return ElementTree.fromstring(z.read("xl/" + target.lstrip("/").removeprefix("xl/")))


def csv_rows(path):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_sheets_and_a_valid_package(report):
    path = report / "report.xlsx"
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        for name in z.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                ElementTree.fromstring(z.read(name))  # every part is well-formed XML
    sheets = ["Summary", "Agents", "Rules", "Sections", "Findings", "Calls"]
    assert openpyxl.load_workbook(path).sheetnames == sheets
    assert CalamineWorkbook.from_path(str(path)).sheet_names == sheets


def test_frozen_headers_filters_widths(report):
    wb = openpyxl.load_workbook(report / "report.xlsx")
    for ws in wb:
        assert ws.freeze_panes == "A2", ws.title
        assert ws["A1"].font.bold, ws.title
    for name in ("Agents", "Rules", "Sections", "Findings", "Calls"):
        ws = wb[name]
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), name
        widths = [ws.column_dimensions[c].width for c in "ABC"]
        assert all(w and 6 <= w <= 60 for w in widths), (name, widths)
    assert wb["Findings"].column_dimensions["K"].width >= 20  # the excerpt column is wide
    for name in ("Findings", "Calls"):
        pane = sheet_xml(report / "report.xlsx", name).find("m:sheetViews/m:sheetView/m:pane", NS)
        assert pane.get("state") == "frozen" and pane.get("topLeftCell") == "A2"


def test_numbers_are_numbers(report):
    wb = CalamineWorkbook.from_path(str(report / "report.xlsx"))
    agents = wb.get_sheet_by_name("Agents").to_python()
    header = agents[0]
    assert header[:4] == ["坐席工号", "坐席姓名", "班组", "通话数"]
    a2 = next(r for r in agents if r[0] == "A002")
    assert a2[header.index("平均分")] == 71.5 and a2[header.index("合格率")] == 0.25
    # the most frequent rules as a QA lead reads them: the message, then the id (agents.csv: ids)
    assert (
        a2[header.index("最常见问题")]
        == "使用服务禁语 taboo ×12；结束时未致谢或道别 closing ×3；开场未问候客户 greet ×3"
    )
    calls = wb.get_sheet_by_name("Calls").to_python()
    score, passed = calls[0].index("得分"), calls[0].index("合格")
    assert all(isinstance(r[score], float) for r in calls[1:])
    assert {r[passed] for r in calls[1:]} == {True, False}
    ws = openpyxl.load_workbook(report / "report.xlsx")["Agents"]
    col = [c.value for c in ws[1]].index("合格率") + 1
    assert ws.cell(2, col).number_format == "0.0%"


def test_failed_calls_are_formatted(report):
    ws = openpyxl.load_workbook(report / "report.xlsx")["Calls"]
    rules = [(str(rng.sqref), r.formula) for rng in ws.conditional_formatting for r in rng.rules]
    assert any(f == ["$G2=FALSE"] for _, f in rules), rules
    cf = sheet_xml(report / "report.xlsx", "Calls").findall("m:conditionalFormatting", NS)
    assert cf and cf[0].get("sqref") == "A2:K13"


def test_findings_sheet_is_findings_csv(report):
    rows = csv_rows(report / "findings.csv")
    sheet = CalamineWorkbook.from_path(str(report / "report.xlsx")).get_sheet_by_name("Findings").to_python()
    assert len(sheet) == len(rows) + 1
    header = sheet[0]
    excerpt, suggest, turn = header.index("原文摘录"), header.index("建议话术"), header.index("轮次")
    assert [r[excerpt] for r in sheet[1:]] == [r["excerpt"] for r in rows]
    assert "请问有什么可以帮您？" in [r[suggest] for r in sheet[1:]]
    assert isinstance(sheet[1][turn], float)
    # 轮次 counts from 1, as 第N轮 on the coaching pages; findings.csv keeps the 0-based `turn`
    assert [r[turn] for r in sheet[1:]] == [int(r["turn"]) + 1 if r["turn"] else "" for r in rows]
    assert {r["turn"] for r in rows} >= {"0", "2"} and 1.0 in [r[turn] for r in sheet[1:]]


def test_rules_and_sections_each_on_their_own_sheet(report):
    wb = CalamineWorkbook.from_path(str(report / "report.xlsx"))
    sheet = wb.get_sheet_by_name("Rules").to_python()
    header = sheet[0]
    assert header[:3] == ["规则", "类别", "类型"] and "命中率" in header and "涉及通话" in header
    assert header.count("类别") == 1 and all(len(r) == len(header) for r in sheet)  # no second table beside it
    rules = {r[0]: r for r in sheet[1:] if r[0]}
    assert set(rules) == {"greet", "taboo", "abuse", "closing"}
    assert rules["taboo"][header.index("涉及通话")] == 4.0
    assert rules["taboo"][header.index("命中率")] == pytest.approx(4 / 12, abs=1e-4)
    sections = wb.get_sheet_by_name("Sections").to_python()
    assert sections[0] == ["类别", "规则数", "问题数", "涉及通话", "命中率", "累计扣分"]
    by_name = {r[0]: r for r in sections[1:]}
    assert set(by_name) == {"开场白", "服务禁语", "结束语"}
    assert by_name["服务禁语"][3] == 5.0  # calls affected: 4 taboo calls + 1 fatal
    assert by_name["服务禁语"][4] == pytest.approx(5 / 12, abs=1e-4)
    ws = openpyxl.load_workbook(report / "report.xlsx")["Sections"]
    assert ws.auto_filter.ref == "A1:F4" and ws.cell(2, 5).number_format == "0.0%"


def test_summary_sheet(report):
    rows = CalamineWorkbook.from_path(str(report / "report.xlsx")).get_sheet_by_name("Summary").to_python()
    values = {r[0]: r[1] for r in rows}
    assert values["通话数"] == 12.0 and values["一票否决"] == 1.0
    assert values["合格率"] == pytest.approx(7 / 12, abs=1e-4)
    assert any("已打码" in str(r[0]) for r in rows)
    assert any(r[0] == "2026-W45" for r in rows)  # the weekly table


def test_findings_beyond_the_row_limit_are_cut_with_a_note(report, scheme, results, tmp_path, monkeypatch):
    monkeypatch.setattr(sheet_rows, "EXCEL_MAX_ROWS", 6)
    out = write(tmp_path / "out", scheme, results)
    wb = CalamineWorkbook.from_path(str(out / "report.xlsx"))
    assert len(wb.get_sheet_by_name("Findings").to_python()) == 6
    total = len(csv_rows(out / "findings.csv"))
    notes = [r[0] for r in wb.get_sheet_by_name("Summary").to_python() if "上限" in str(r[0])]
    assert notes and f"共 {total} 条" in notes[0] and "前 5 条" in notes[0]
    ws = openpyxl.load_workbook(out / "report.xlsx")["Findings"]
    assert ws.auto_filter.ref == "A1:P6"  # the 16 finding columns, `how` last


def test_workbook_the_same_run_after_run(scheme, results, tmp_path):
    """report.xlsx is written by a process of its own while the run goes on: the same bytes run
    after run, and no stray files (its rows' temporary folder, the .part file)."""
    one, two = tmp_path / "one", tmp_path / "two"
    write_reports(one, scheme, iter(results))
    write_reports(two, scheme, iter(results))
    assert (one / "report.xlsx").read_bytes() == (two / "report.xlsx").read_bytes()
    assert sorted(p.name for p in one.iterdir()) == sorted(p.name for p in two.iterdir())
    assert sorted(p.name for p in two.iterdir()) == [
        "agents",
        "agents.csv",
        "calls.csv",
        "calls.parquet",
        "errors.csv",
        "findings.csv",
        "findings.jsonl",
        "findings.parquet",
        "index.html",
        "report.xlsx",
    ]
    assert CalamineWorkbook.from_path(str(two / "report.xlsx")).sheet_names == [
        "Summary",
        "Agents",
        "Rules",
        "Sections",
        "Findings",
        "Calls",
    ]


def test_workbook_failing_in_its_process_fails_the_run(scheme, results, tmp_path, monkeypatch):
    from checker.report import excel

    def broken(self, tables):
        raise OSError("disk full")

    monkeypatch.setattr(excel.WorkbookBuilder, "finish", broken)  # the forked process has it too
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="(?s)report.xlsx failed in its process.*disk full"):
        write_reports(out, scheme, iter(results))
    assert not out.exists()  # nothing half-written: the temporary folder is removed
    assert not list(tmp_path.iterdir())


def test_workbook_process_killed_fails_the_run(scheme, results, tmp_path):
    """The workbook's process dies mid-run (the OOM killer, say): the run stops with an error
    naming report.xlsx, and leaves nothing behind."""
    import os
    import signal

    from checker.report import summary

    def items():
        for i, r in enumerate(results):
            if i == 2:
                workbooks = [o for o in gc_objects() if isinstance(o, summary.SummaryReports)]
                proc = workbooks[-1].workbook._proc
                os.kill(proc.pid, signal.SIGKILL)
                proc.join()
            yield r

    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="report.xlsx failed"):
        write_reports(out, scheme, items())
    assert not out.exists() and not list(tmp_path.iterdir())


def test_a_failed_run_stops_the_workbook_process(scheme, results, tmp_path):
    import multiprocessing

    def items():
        yield from results[:3]
        raise ValueError("input broke")

    with pytest.raises(ValueError, match="input broke"):
        write_reports(tmp_path / "out", scheme, items())
    assert not [p for p in multiprocessing.active_children() if p.name == "qa-check report.xlsx"]
    assert not list(tmp_path.iterdir())


def gc_objects():
    import gc

    return gc.get_objects()


def test_text_that_looks_like_a_number_or_a_link_stays_text(scheme, results, tmp_path):
    """The workbook is written through xlsxwriter's typed writes: a call id of digits, or one that
    reads as a link or a formula, is the text findings.csv holds, not a number or a hyperlink."""
    from dataclasses import replace

    ids = ["00123", "http://x.example/a", "=1+1"]
    odd = [replace(r, call=replace(r.call, call_id=i)) for r, i in zip(results, ids)]
    out = write(tmp_path / "out", scheme, odd)
    calls = CalamineWorkbook.from_path(str(out / "report.xlsx")).get_sheet_by_name("Calls").to_python()
    assert [r[0] for r in calls[1:]] == ids
    with zipfile.ZipFile(out / "report.xlsx") as z:
        assert not [n for n in z.namelist() if "hyperlink" in n or n.endswith(".rels") and b"hyperlink" in z.read(n)]
        assert z.getinfo("xl/workbook.xml").date_time[0] == 1980  # fixed, not the time of the run


def test_words_shaped_like_workbook_markup_stay_text(scheme, tmp_path):
    """A customer or an agent may type anything, markup too: the Findings sheet holds the words
    as text and the workbook opens (xlsxwriter once wrote a text shaped `<r>…</r>` as raw XML)."""
    from checker.engine import audit_call
    from checker.model import Call, Turn

    words = ["<r><t>x</t></r>说吧", "<r>说吧</r>", "说吧 & <b>", "_x0041_说吧"]
    calls = [Call(f"m{i}", (Turn("agent", w),), agent_id="A1") for i, w in enumerate(words)]
    out = write(tmp_path / "out", scheme, [audit_call(c, scheme) for c in calls], mask=False)
    marked = {f"m{i}": w.replace("说吧", "【说吧】") for i, w in enumerate(words)}  # the excerpt marks the match
    rows = calamine_rows(out / "report.xlsx", "Findings")  # calamine reads _x005F_ back as "_", as Excel does
    assert {r[0]: r[10] for r in rows[1:] if r[2] == "taboo"} == marked
    rows = openpyxl_rows(out / "report.xlsx", "Findings")  # openpyxl leaves _xHHHH_ escapes as they are
    assert {r[0]: r[10] for r in rows[1:] if r[2] == "taboo"} == {**marked, "m3": "_x005F_x0041_【说吧】"}


def openpyxl_rows(path, sheet):
    return [list(r) for r in openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True)]


def calamine_rows(path, sheet):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
