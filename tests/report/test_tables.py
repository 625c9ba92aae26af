"""The CSV text of the tabular reports: the direct join agrees with csv.writer on every row."""

from __future__ import annotations

import csv
import io

from hypothesis import given, strategies as st

from checker.report.cells import csv_cell, csv_cells
from checker.report.tables import _CsvText, text_cells

CELL = st.one_of(
    st.text(st.sampled_from(list('您好ab1 ,"\r\n\t;-')), max_size=6),
    st.integers(-5, 500),
    st.floats(allow_nan=False),
    st.none(),
    st.booleans(),
)


@given(st.lists(st.lists(CELL, min_size=1, max_size=5), max_size=3))
def test_csv_text_is_what_csv_writer_writes(rows):
    rows = [text_cells(row) for row in rows]
    buf = io.StringIO()
    csv.writer(buf).writerows([csv_cells(row) for row in rows])  # no cell a formula (`cells`)
    assert _CsvText()(rows) == buf.getvalue()


def test_csv_text_quotes_what_needs_quotes():
    assert _CsvText()([text_cells(["a", "b,c", 1.5, None, True])]) == 'a,"b,c",1.5,,true\r\n'
    assert _CsvText()([["您好", "说吧"], ["x", 'say "hi"']]) == '您好,说吧\r\nx,"say ""hi"""\r\n'


@given(st.lists(st.lists(CELL, min_size=4, max_size=4), min_size=1, max_size=3))
def test_sheet_rows_are_what_the_csv_rows_read_back_give(rows):
    """A call's rows of report.xlsx are made from the cells of its CSV rows, not read back from
    the file: the same cells as from the CSV file's rows as csv.reader reads them, less the `'`
    that keeps a CSV cell from being a formula (an xlsx cell is typed a string instead)."""
    from checker.report.sheet_rows import cell_kinds, row_values

    kinds = cell_kinds(["call_id", "score", "passed", "turn"])
    text = _CsvText()([text_cells(row) for row in rows])
    read_back = list(csv.reader(io.StringIO(text, newline="")))
    unquoted = [[c[1:] if c[:1] == "'" and csv_cell(c[1:]) == c else c for c in row] for row in read_back]
    assert [row_values(kinds, text_cells(row)) for row in rows] == [row_values(kinds, row) for row in unquoted]


def test_sheet_rows_of_known_csv_rows():
    import orjson

    from checker.report.sheet_rows import cell_kinds, row_values

    kinds = cell_kinds(["call_id", "score", "passed", "turn"])
    assert kinds == ["s", "n", "b", "n"]
    rows = [text_cells(["c1", 95.0, True, 2]), text_cells(['说"吧"', None, False, "=1+1"])]
    assert _CsvText()(rows) == 'c1,95.0,true,2\r\n"说""吧""",,false,\'=1+1\r\n'  # the formula quoted with '
    # in the workbook the formula is text, written as a string (`excel`)
    assert [orjson.loads(row_values(kinds, row)) for row in rows] == [
        ["c1", 95.0, True, 2.0],
        ['说"吧"', None, False, "=1+1"],
    ]
