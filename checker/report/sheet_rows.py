"""The rows of report.xlsx's two big sheets, Calls and Findings, made call by call where the
calls are rendered (a worker, with `--jobs N`), one JSON value a line, sent a few thousand at a
time to the workbook's process (`SheetSink`, `writer_process`), which makes them the sheets' XML
(`sheet_xml`) while the run goes on:

- Calls: calls.csv's very cells, typed by column (numbers, booleans, text, None for an empty
  cell) and cleaned of what XML cannot hold, one JSON array a line (`row_values`);
- Findings: findings.jsonl's own lines, JSON having typed the values already; the workbook's
  process makes them cells (`RecordValues`), so a finding is not rendered a third time.

Either way the workbook says what the CSV files say. Reading the CSV files back instead would
cost a CSV parse and the typing of every cell, in one process, at the end of the run. Excel holds
1,048,576 rows a sheet: rows beyond that are counted, not written (the Summary sheet says so).
"""

from __future__ import annotations

import math
import re
from operator import itemgetter

import orjson

__all__ = [
    "EXCEL_MAX_ROWS",
    "EXCEL_MAX_CELL",
    "SheetSink",
    "cell_kinds",
    "clean_text",
    "RecordValues",
    "row_values",
    "sheet_rows",
]

EXCEL_MAX_ROWS = 1_048_576  # rows in one sheet, the header included
EXCEL_MAX_CELL = 32_767  # characters in one cell

_FLOAT_COLS = {"score", "start", "deduct", "mean_score", "median_score"}
_INT_COLS = {"turn", "findings", "line"}
_BOOL_COLS = {"passed", "fatal"}
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


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
    if not _needs_cleaning(row):
        # The common row: no text to clean, so only the number and boolean columns need a look.
        values = [(v if kind == "s" else _value(kind, v)) if v else None for kind, v in zip(kinds, row)]
    else:
        values = [_value(kind, value) for kind, value in zip(kinds, row)]
    return orjson.dumps(values, option=orjson.OPT_APPEND_NEWLINE)


class RecordValues:
    """A findings.jsonl record's cells as the sheet holds them, in `columns`' order: JSON has typed
    them already (numbers, booleans, text, null), so only text is cleaned of what XML cannot hold
    and cut to a cell's size, empty text is an empty cell, and the `from_one` columns (integers
    counted from 0 in the file) are counted from 1. Made once a sheet: it runs for every finding."""

    def __init__(self, columns: list[str], from_one: frozenset[str] = frozenset()) -> None:
        self.columns = list(columns)
        self._get = itemgetter(*self.columns) if len(self.columns) > 1 else None
        self._from_one = [i for i, c in enumerate(self.columns) if c in from_one]

    def __call__(self, record: dict) -> list:
        try:
            values = list(self._get(record)) if self._get is not None else [record[self.columns[0]]]
        except KeyError:  # a column the record lacks: an empty cell
            values = [record.get(c) for c in self.columns]
        texts = [v for v in values if v.__class__ is str]
        if _needs_cleaning(texts):
            values = [(clean_text(v) or None) if v.__class__ is str else v for v in values]
        elif "" in texts:
            values = [None if v == "" else v for v in values]
        for i in self._from_one:
            v = values[i]
            if v.__class__ is int:
                values[i] = v + 1
        return values


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
    if _needs_cleaning([value]):
        return clean_text(value) or None  # nothing left: an empty cell
    return value


def clean_text(text: str) -> str:
    """`text` as a cell holds it: without what XML cannot hold, cut to a cell's size."""
    return ILLEGAL_XML.sub("", text)[:EXCEL_MAX_CELL]


def _needs_cleaning(texts: list[str]) -> bool:
    """Whether any of `texts` holds what XML cannot, or is longer than a cell (one look at them all)."""
    joined = "\n".join(texts)
    if ILLEGAL_XML.search(joined) is not None:
        return True
    return len(joined) > EXCEL_MAX_CELL and max(map(len, texts)) > EXCEL_MAX_CELL


class SheetSink:
    """The data rows of one streamed sheet, sent to the workbook's process (`excel`,
    `writer_process`) as they come, a few thousand at a time: the first `sheet_rows(total)` of
    them, the ones the sheet holds."""

    BATCH = 2000  # rows a message: the pipe's cost is per message, the child's per row

    def __init__(self, workbook, sheet: str) -> None:
        self.workbook = workbook  # a `WriterProcess` owning an `excel.WorkbookBuilder`
        self.sheet = sheet
        self.rows = 0  # data rows taken
        self._limit = sheet_rows(1 << 62)  # read now: a test may lower it
        self._buf: list[bytes] = []
        self._buffered = 0  # rows in `_buf`

    def add_lines(self, lines: bytes, n: int) -> None:
        """`n` rows, one JSON value a line, each line ending with a line break: arrays as
        `row_values` makes them, or findings.jsonl's records (`RecordValues`)."""
        room = self._limit - self.rows
        if room <= 0 or not n:
            return
        if n > room:
            lines, n = b"".join(lines.splitlines(keepends=True)[:room]), room
        self.rows += n
        self._buf.append(lines)
        self._buffered += n
        if self._buffered >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if self._buf:
            self.workbook.send("rows", self.sheet, b"".join(self._buf))
            self._buf.clear()
            self._buffered = 0
