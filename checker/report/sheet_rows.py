"""The rows of report.xlsx's two big sheets, Calls and Findings, as sheet XML made call by call.

calls.csv and findings.csv make a call's rows of these sheets from the very cells of its CSV
rows, so the workbook says what the CSV files say, where the call is rendered (a worker, with
`--jobs N`), and append them to a file in the report folder (`SHEET_FILES`); `excel` puts them
into the workbook at the end. Reading the CSV files back at the end cost a CSV parse per row
and, with `--jobs N`, left all the XML to the last seconds of the run, in one process.

Cells carry no `r` reference (optional in SpreadsheetML: a cell without one follows the previous
one), so an empty cell is written as <c/>; rows keep their numbers. Strings are inline, so no
shared-string table has to be kept. Excel holds 1,048,576 rows a sheet: rows beyond that are
counted, not written (the Summary sheet says so).
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = ["EXCEL_MAX_ROWS", "EXCEL_MAX_CELL", "SHEET_FILES", "SheetFile", "cell_kinds", "row_xml", "sheet_rows"]

EXCEL_MAX_ROWS = 1_048_576  # rows in one sheet, the header included
EXCEL_MAX_CELL = 32_767  # characters in one cell

_FLOAT_COLS = {"score", "start", "deduct", "mean_score", "median_score"}
_INT_COLS = {"turn", "findings", "line"}
_BOOL_COLS = {"passed", "fatal"}
_SPACE = frozenset(" \t\n\r\u3000\u00a0")  # leading or trailing: kept only with xml:space="preserve"
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
SHEET_FILES = {"Findings": ".findings-sheet.xml", "Calls": ".calls-sheet.xml"}  # in the report folder while it is written


def sheet_rows(total: int) -> int:
    """How many of `total` data rows a sheet holds."""
    return min(total, EXCEL_MAX_ROWS - 1)


def cell_kinds(columns: list[str]) -> list[str]:
    """Each column's cell type: "n" (number), "b" (boolean) or "s" (string)."""
    return ["n" if c in _FLOAT_COLS or c in _INT_COLS else "b" if c in _BOOL_COLS else "s" for c in columns]


def row_xml(kinds: list[str], row: list[str]) -> str:
    """The cells of one row (CSV text values) as sheet XML, typed by column."""
    # Most rows need no escaping, no preserved spaces and no cut at all: look once at the whole
    # row (joined by a character that is neither a space nor special, so that a double space or
    # a line break in it is one in some value), then write each cell with one concatenation.
    whole = "\ue000".join(row)
    simple = (len(whole) <= EXCEL_MAX_CELL and "&" not in whole and "<" not in whole and ">" not in whole
              and "  " not in whole and "\n" not in whole and not ILLEGAL_XML.search(whole))
    return "".join([
        "<c/>" if not value
        else '<c t="inlineStr"><is><t>' + value + "</t></is></c>" if (
            kind == "s" and simple and value[0] not in _SPACE and value[-1] not in _SPACE)
        else "<c><v>" + value + "</v></c>" if kind == "n" and (value.isdigit() or value.replace(".", "", 1).isdigit())
        else _TRUE if kind == "b" and value == "true" else _FALSE if kind == "b" and value == "false"
        else _cell_xml(kind, value)  # escaping, xml:space="preserve", other numbers
        for kind, value in zip(kinds, row)
    ])


def _cell_xml(kind: str, value: str) -> str:
    if kind == "n":
        try:
            number = float(value)
        except ValueError:
            kind = "s"
        else:
            if math.isfinite(number):
                return f'<c><v>{value if value.lstrip("-").replace(".", "", 1).isdigit() else repr(number)}</v></c>'
            kind = "s"
    if kind == "b" and value in ("true", "false"):
        return _TRUE if value == "true" else _FALSE
    text = ILLEGAL_XML.sub("", value)[:EXCEL_MAX_CELL]
    return f'<c t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


_TRUE, _FALSE = '<c t="b"><v>1</v></c>', '<c t="b"><v>0</v></c>'


class SheetFile:
    """The data rows of one sheet (from row 2), appended to `path` as they come: the first
    `sheet_rows(total)` of them, the ones the sheet holds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0  # data rows written
        self._limit = sheet_rows(1 << 62)  # read now: a test may lower it
        self._fh = path.open("w", encoding="utf-8")
        self._buf: list[str] = []

    def add_many(self, rows: tuple[str, ...]) -> None:
        """Rows, each as `row_xml` made its cells."""
        room = self._limit - self.rows
        if room <= 0:
            return
        if len(rows) > room:
            rows = rows[:room]
        first = self.rows + 2  # the sheet's row number of the first of them
        self.rows += len(rows)
        self._buf.extend([f'<row r="{n}">{cells}</row>' for n, cells in enumerate(rows, first)])
        if len(self._buf) >= 2000:
            self._fh.write("".join(self._buf))
            self._buf.clear()

    def close(self) -> None:
        if self._fh.closed:
            return
        self._fh.write("".join(self._buf))
        self._buf.clear()
        self._fh.close()
