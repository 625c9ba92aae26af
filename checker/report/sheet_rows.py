"""The rows of report.xlsx's two big sheets, Calls and Findings, as typed cell values made call by
call.

calls.csv and findings.csv make a call's rows of these sheets from the very cells of its CSV
rows, so the workbook says what the CSV files say, where the call is rendered (a worker, with
`--jobs N`): each row's values (numbers, booleans, text, None for an empty cell) typed by column
and cleaned of what XML cannot hold, one JSON array a line (orjson) in a file in the report folder
(`SHEET_FILES`); `excel` writes them into the workbook at the end. Reading the CSV files back
instead would cost a CSV parse and the typing of every cell, in one process, at the end of the
run. Excel holds 1,048,576 rows a sheet: rows beyond that are counted, not written (the Summary
sheet says so).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import orjson

__all__ = ["EXCEL_MAX_ROWS", "EXCEL_MAX_CELL", "SHEET_FILES", "SheetFile", "cell_kinds", "row_values", "sheet_rows"]

EXCEL_MAX_ROWS = 1_048_576  # rows in one sheet, the header included
EXCEL_MAX_CELL = 32_767  # characters in one cell

_FLOAT_COLS = {"score", "start", "deduct", "mean_score", "median_score"}
_INT_COLS = {"turn", "findings", "line"}
_BOOL_COLS = {"passed", "fatal"}
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
SHEET_FILES = {
    "Findings": ".findings-sheet.jsonl",
    "Calls": ".calls-sheet.jsonl",
}  # in the report folder while it is written


def sheet_rows(total: int) -> int:
    """How many of `total` data rows a sheet holds."""
    return min(total, EXCEL_MAX_ROWS - 1)


def cell_kinds(columns: list[str]) -> list[str]:
    """Each column's cell type: "n" (number), "b" (boolean) or "s" (string)."""
    return ["n" if c in _FLOAT_COLS or c in _INT_COLS else "b" if c in _BOOL_COLS else "s" for c in columns]


def row_values(kinds: list[str], row: list[str]) -> bytes:
    """The cells of one row (CSV text values) as the sheet holds them, typed by column: a JSON
    array and a line break. A number column's text that is no finite number, and a boolean
    column's that is not true/false, stay text."""
    return orjson.dumps([_value(kind, value) for kind, value in zip(kinds, row)], option=orjson.OPT_APPEND_NEWLINE)


def _value(kind: str, value: str):
    if not value:
        return None
    if kind == "n":
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number
    elif kind == "b" and value in ("true", "false"):
        return value == "true"
    if ILLEGAL_XML.search(value) is not None or len(value) > EXCEL_MAX_CELL:
        return ILLEGAL_XML.sub("", value)[:EXCEL_MAX_CELL]
    return value


class SheetFile:
    """The data rows of one sheet (from row 2), appended to `path` as they come: the first
    `sheet_rows(total)` of them, the ones the sheet holds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0  # data rows written
        self._limit = sheet_rows(1 << 62)  # read now: a test may lower it
        self._fh = path.open("wb")
        self._buf: list[bytes] = []

    def add_many(self, rows: tuple[bytes, ...]) -> None:
        """Rows, each as `row_values` made it."""
        room = self._limit - self.rows
        if room <= 0:
            return
        if len(rows) > room:
            rows = rows[:room]
        self.rows += len(rows)
        self._buf.extend(rows)
        if len(self._buf) >= 2000:
            self._fh.write(b"".join(self._buf))
            self._buf.clear()

    def close(self) -> None:
        if self._fh.closed:
            return
        self._fh.write(b"".join(self._buf))
        self._buf.clear()
        self._fh.close()
