"""sheet_xml: the big sheets' rows made as SpreadsheetML by hand must be the cells xlsxwriter
itself writes (compared byte for byte), and spliced into a workbook that readers open."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from checker.report.sheet_xml import RowsFile, sheet_entries, splice_rows

# Values that take every branch of a text cell, and numbers xlsxwriter formats with %.16G.
ROWS = [
    ["plain", "您好，欢迎致电", 89.0, True, None, "x"],
    [" leading", "trailing ", "\ttab", "a & b < c > d", 'quote " kept', 0.1],
    ["line\nbreak", "carriage\rreturn", "_x0041_ literal", "_X0041_ not an escape", "\x07bell", -3.5],
    ["emoji 😀 astral", "ok", 1e20, 1234567.125, False, 1 / 3],
    ["\ufffe", "x_x00ZZ_y", "", "end\n", "a\u3000", 0.0],
    ["e" * 40_000, "😀" * 20_000, "😀" * 16_383 + "ab", None, None, 12.0],
]


def xlsxwriter_sheet(tmp_path, rows) -> bytes:
    """The sheet XML xlsxwriter writes in constant_memory mode for `rows` below a header row."""
    path = tmp_path / "xw.xlsx"
    wb = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
    )
    ws = wb.add_worksheet("S")
    for c in range(len(rows[0])):
        ws.write_string(0, c, f"h{c}")
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, str):
                ws.write_string(r, c, v)
            elif isinstance(v, bool):
                ws.write_boolean(r, c, v)
            else:
                ws.write_number(r, c, v)
    wb.close()
    with zipfile.ZipFile(path) as z:
        return z.read(sheet_entries(z)["S"])


def ours(tmp_path, rows, batches=2) -> tuple[bytes, RowsFile]:
    """The same sheet: its header by xlsxwriter, its rows by RowsFile, spliced."""
    skeleton, out = tmp_path / "skel.xlsx", tmp_path / "ours.xlsx"
    wb = xlsxwriter.Workbook(str(skeleton), {"constant_memory": True})
    ws = wb.add_worksheet("S")
    for c in range(len(rows[0])):
        ws.write_string(0, c, f"h{c}")
    wb.close()
    data = RowsFile(tmp_path / "S.rows.xml", len(rows[0]))
    step = max(1, len(rows) // batches)
    for i in range(0, len(rows), step):
        data.add(rows[i : i + step])
    data.close()
    splice_rows(skeleton, out, {"S": data})
    with zipfile.ZipFile(out) as z:
        return z.read(sheet_entries(z)["S"]), data


def test_rows_are_the_cells_xlsxwriter_writes(tmp_path):
    theirs = xlsxwriter_sheet(tmp_path, ROWS)
    mine, data = ours(tmp_path, ROWS)
    assert data.rows == len(ROWS)
    assert mine == theirs
    assert b'<dimension ref="A1:F7"/>' in mine


def test_a_text_that_looks_like_a_rich_string_is_escaped(tmp_path):
    # xlsxwriter writes "<r>…</r>" unescaped in constant_memory mode (a rich string to it): a
    # customer's words of that shape would make the workbook unreadable.
    hostile = ["<r><t>x</t></r>", "<r>oops</r>", "ok"]
    mine, _ = ours(tmp_path, [hostile])
    assert b"<t>&lt;r&gt;oops&lt;/r&gt;</t>" in mine
    book = openpyxl.load_workbook(tmp_path / "ours.xlsx")
    assert [c.value for c in book["S"][2]] == hostile
    assert CalamineWorkbook.from_path(str(tmp_path / "ours.xlsx")).get_sheet_by_name("S").to_python()[1] == hostile


def test_spliced_workbook_reads_back(tmp_path):
    rows = [[f"call-{i}", i * 1.5, i % 2 == 0, None if i % 3 else f"第{i}轮"] for i in range(5000)]
    _, data = ours(tmp_path, rows, batches=7)
    book = openpyxl.load_workbook(tmp_path / "ours.xlsx", read_only=False)
    ws = book["S"]
    assert ws.max_row == 5001 and ws.dimensions == "A1:D5001"
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert got == rows
    with zipfile.ZipFile(tmp_path / "ours.xlsx") as z:
        assert z.testzip() is None


def test_the_package_keeps_its_entries(tmp_path):
    _, _ = ours(tmp_path, ROWS[:2])
    with zipfile.ZipFile(tmp_path / "skel.xlsx") as a, zipfile.ZipFile(tmp_path / "ours.xlsx") as b:
        assert [i.filename for i in a.infolist()] == [i.filename for i in b.infolist()]
        assert [i.date_time for i in a.infolist()] == [i.date_time for i in b.infolist()]
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in b.infolist())
        sheet = sheet_entries(b)["S"]
        for name in a.namelist():
            if name != sheet:
                assert a.read(name) == b.read(name), name


def test_a_sheet_without_rows_is_left_as_it_is(tmp_path):
    skeleton = tmp_path / "skel.xlsx"
    wb = xlsxwriter.Workbook(str(skeleton))
    wb.add_worksheet("S").write_string(0, 0, "h")
    wb.close()
    data = RowsFile(tmp_path / "S.rows.xml", 1)
    data.close()
    splice_rows(skeleton, tmp_path / "out.xlsx", {"S": data})
    with zipfile.ZipFile(skeleton) as a, zipfile.ZipFile(tmp_path / "out.xlsx") as b:
        assert a.read("xl/worksheets/sheet1.xml") == b.read("xl/worksheets/sheet1.xml")


def test_an_unknown_sheet_is_an_error(tmp_path):
    skeleton = tmp_path / "skel.xlsx"
    wb = xlsxwriter.Workbook(str(skeleton))
    wb.add_worksheet("S")
    wb.close()
    data = RowsFile(tmp_path / "T.rows.xml", 1)
    data.add([["x"]])
    data.close()
    with pytest.raises(ValueError, match="no sheet named T"):
        splice_rows(skeleton, tmp_path / "out.xlsx", {"T": data})
