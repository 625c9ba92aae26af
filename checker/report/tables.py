"""The SPEC's tabular outputs: findings.jsonl/.csv, calls.csv, errors.csv (agents.csv and the
other summaries are built from these by `summary.py`).

CSV files carry a UTF-8 BOM so that Excel opens the Chinese text correctly on double-click.
Text fields are masked for personal data unless the run says `mask=False` (`--no-mask`).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import weakref
from collections.abc import Iterable
from functools import partial
from pathlib import Path

import orjson

from ..model import CallResult, Finding, InputError
from .base import ReportOptions, ReportWriter, register
from .cells import csv_cells
from .mask import mask_finding_record, mask_text
from .sheet_rows import SheetSink, cell_kinds, row_values

FINDING_COLUMNS = [
    "call_id",
    "agent_id",
    "rule_id",
    "kind",
    "section",
    "severity",
    "turn",
    "speaker",
    "start",
    "matched",
    "excerpt",
    "message",
    "suggest",
    "deduct",
    "fatal",
    "how",
]
ERROR_COLUMNS = ["file", "line", "call_id", "reason"]


class TextFileWriter(ReportWriter):
    """A writer of one text file that takes each call as the UTF-8 text `render` made (in a worker
    with `--jobs N`) and appends it. Bytes from end to end: orjson makes them, a worker ships them
    as they are, and this process writes them without decoding and encoding again."""

    filename: str
    bom = b""  # written first (a CSV file's, for Excel)
    turn_context = 0  # masking re-cuts a finding's excerpt from its own turn

    def __init__(self, folder: Path, scheme, options: ReportOptions | None = None) -> None:
        super().__init__(folder, scheme, options)
        self._fh = (folder / self.filename).open("wb")
        self._fh.write(self.bom)

    @classmethod
    def render_many(cls, results: list[CallResult], scheme, options: ReportOptions, memo: dict | None = None) -> bytes:
        return b"".join([cls.render(r, scheme, options) for r in results])

    def add_rendered(self, part: bytes) -> None:
        if part:
            self._fh.write(part)

    add_many = add_rendered  # a run's text is the texts of its calls, joined

    def add(self, result: CallResult) -> None:
        self.add_rendered(self.render(result, self.scheme, self.options))

    def close(self) -> None:
        self._fh.close()


class CsvWriter(TextFileWriter):
    columns: list[str]
    bom = codecs.BOM_UTF8

    def __init__(self, folder: Path, scheme, options: ReportOptions | None = None) -> None:
        super().__init__(folder, scheme, options)
        self._fh.write(_csv_text([text_cells(self.columns)]).encode())

    @classmethod
    def rows(cls, result: CallResult, options: ReportOptions) -> list[dict]:
        """The records of one result this file has a row for."""
        return []

    @classmethod
    def cells(cls, result: CallResult, options: ReportOptions) -> list[list[str]]:
        """The result's rows as the file holds them: a text per column (`text_cells`)."""
        columns = cls.columns
        return [text_cells(map(r.get, columns)) for r in cls.rows(result, options)]

    @classmethod
    def render(cls, result: CallResult, scheme, options: ReportOptions) -> bytes:
        """The CSV text of the result's rows."""
        rows = cls.cells(result, options)
        return _csv_text(rows).encode() if rows else b""

    def row(self, record: dict) -> None:
        self._fh.write(_csv_text([text_cells([record.get(c) for c in self.columns])]).encode())


class SheetFeeder(ReportWriter):
    """A writer whose rows are also the rows of a sheet of report.xlsx (Calls, Findings): it sends
    them on to the workbook, when the run writes one (`sheet_rows.SheetSink`)."""

    sheet: str  # the sheet's name in report.xlsx
    _sheet: SheetSink | None = None

    def connect(self, writers: dict[str, ReportWriter]) -> None:
        workbook = getattr(writers.get("summary"), "workbook", None)
        if workbook is not None:
            self._sheet = SheetSink(workbook, self.sheet)

    def to_sheet(self, lines: bytes, n: int) -> None:
        """`n` rows, one JSON value a line (`SheetSink.add_lines`)."""
        if self._sheet is not None:
            self._sheet.add_lines(lines, n)

    def close(self) -> None:
        super().close()
        if self._sheet is not None:
            self._sheet.flush()


class SheetCsvWriter(SheetFeeder, CsvWriter):
    """A CSV file whose rows are also a sheet's: `render` makes both from the same cells, typed by
    column for the sheet (`sheet_rows.row_values`)."""

    _kinds: list[str]  # each column's cell type, from `columns`

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls._kinds = cell_kinds(cls.columns)

    @classmethod
    def render(  # type: ignore[override]  # its part is (CSV text, sheet rows) where a text file's is the text alone
        cls, result: CallResult, scheme, options: ReportOptions
    ) -> tuple[bytes, tuple[bytes, ...]]:
        """The CSV text of the result's rows, and the same rows as the sheet holds them."""
        rows = cls.cells(result, options)
        if not rows:
            return _NO_ROWS
        kinds = cls._kinds
        return _csv_text(rows).encode(), tuple([row_values(kinds, row) for row in rows])

    @classmethod
    def render_many(  # type: ignore[override]  # its part is (CSV text, sheet rows) where a text file's is the text alone
        cls, results: list[CallResult], scheme, options: ReportOptions, memo: dict | None = None
    ) -> tuple[bytes, tuple[bytes, ...]]:
        texts: list[bytes] = []
        rows: list[bytes] = []
        for r in results:
            text, typed = cls.render(r, scheme, options)
            if text:
                texts.append(text)
                rows.extend(typed)
        return b"".join(texts), tuple(rows)

    def add_rendered(self, part: tuple[bytes, tuple[bytes, ...]]) -> None:  # type: ignore[override]  # as `render`
        text, rows = part
        if text:
            self._fh.write(text)
            self.to_sheet(b"".join(rows), len(rows))

    add_many = add_rendered  # type: ignore[assignment]  # a run's part has the shape of a call's (as `render`)


_NO_ROWS = (b"", ())


class _CsvText:
    """CSV rows as text, exactly as `csv.writer` writes them, each cell through `cells.csv_cell`
    (no cell a formula). Most rows need no quoting (no comma, quote or line break in any field)
    and have no cell that could start a formula: those are joined directly, ~3x faster; any
    other goes through one reused csv.writer (a writer per call costs more than the row)."""

    def __init__(self) -> None:
        self._buf = io.StringIO()
        self._csv = csv.writer(self._buf)

    def __call__(self, rows: list[list[str]]) -> str:
        """`rows`: the cells as text (`text_cells`)."""
        lines = []
        for cells in rows:
            if len(cells) < 2 or _NEEDS_CARE.search("\x1f".join(cells)):
                return self._written(rows)
            lines.append(",".join(cells))
        lines.append("")
        return "\r\n".join(lines)

    def _written(self, rows: list[list]) -> str:
        self._buf.seek(0)
        self._buf.truncate()
        self._csv.writerows([csv_cells(cells) for cells in rows])
        return self._buf.getvalue()


# A comma, quote or line break (quoting), or a cell that begins as a formula would (`csv_cell`);
# cells are joined by \x1f to look at them at once (one in a cell only costs the slow path).
_NEEDS_CARE = re.compile('[,"\r\n]|(?:^|\x1f)[=+\\-@\t]')


def text_cells(row: Iterable) -> list[str]:
    """A row's values as the CSV file holds them (and reads them back): text, None as empty,
    booleans as true/false."""
    return [v if v.__class__ is str else _text(v) for v in row]


def _text(value) -> str:
    if value is None:
        return ""
    if value.__class__ is bool:
        return "true" if value else "false"
    return str(value)


_csv_text = _CsvText()


def finding_record(f: Finding, result: CallResult, options: ReportOptions, seen: dict[str, bool] | None = None) -> dict:
    """The findings.csv/.jsonl row of a finding, masked unless the run says not to (`seen`: as
    `mask_finding_record`'s, for the findings of one result)."""
    return mask_finding_record(f, result.call, seen) if options.mask else f.to_record()


def finding_records(result: CallResult, options: ReportOptions) -> list[dict]:
    """`finding_record` of every finding of a result. findings.csv and findings.jsonl render the
    same results (a batch each, one writer after the other): the records (masking is most of
    their cost) are made once, kept while the result lives."""
    if not result.findings:
        return []
    key = id(result)
    kept = _records.get(key)
    if kept is not None and kept[0]() is result and kept[1] == options.mask:
        return kept[2]
    seen: dict[str, bool] = {}
    records = [finding_record(f, result, options, seen) for f in result.findings]
    _records[key] = (weakref.ref(result, partial(_forget, key)), options.mask, records)
    return records


# Each live result's records, by identity (a result is a frozen dataclass whose equality and
# hash go through all its findings), dropped when the result is.
_records: dict[int, tuple[weakref.ref, bool, list[dict]]] = {}


def _forget(key: int, _gone: object) -> None:
    _records.pop(key, None)


def _json_line(record: dict) -> bytes:
    """One JSON Lines line, by orjson (~5x faster than the standard encoder); what orjson refuses
    (an integer past 64 bits, a key that is not a string) by the standard one."""
    try:
        return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:
        return (json.dumps(record, ensure_ascii=False) + "\n").encode()


@register
class FindingsCsv(CsvWriter):
    name = "findings.csv"
    filename = "findings.csv"
    columns = FINDING_COLUMNS

    @classmethod
    def rows(cls, result: CallResult, options: ReportOptions) -> list[dict]:
        return finding_records(result, options)


@register
class FindingsJsonl(SheetFeeder, TextFileWriter):
    """findings.jsonl, whose lines are also the Findings sheet's rows: the records findings.csv
    holds, typed by JSON already, so no finding is rendered a third time for the workbook (its
    process reads them, `sheet_rows.RecordValues`)."""

    name = "findings.jsonl"
    filename = "findings.jsonl"
    sheet = "Findings"

    @classmethod
    def render(cls, result: CallResult, scheme, options: ReportOptions) -> bytes:
        return b"".join(map(_json_line, finding_records(result, options)))

    def add_rendered(self, part: bytes) -> None:
        if part:
            self._fh.write(part)
            self.to_sheet(part, part.count(b"\n"))

    add_many = add_rendered  # a run's text is the texts of its calls, joined


@register
class CallsCsv(SheetCsvWriter):
    name = "calls.csv"
    filename = "calls.csv"
    sheet = "Calls"
    columns = [
        "call_id",
        "agent_id",
        "agent_name",
        "team",
        "started_at",
        "score",
        "passed",
        "fatal",
        "findings",
        "not_applicable",
        "customer_dialect",
    ]

    @classmethod
    def cells(cls, result: CallResult, options: ReportOptions) -> list[list[str]]:
        # One row for every call: built straight from the result rather than through a record.
        call = result.call
        return [
            text_cells(
                [
                    call.call_id,
                    call.agent_id,
                    call.agent_name,
                    call.team,
                    call.started_at,
                    result.score,
                    result.passed,
                    result.fatal,
                    len(result.findings),
                    ";".join(result.not_applicable),
                    result.extra.get("customer_dialect"),
                ]
            )
        ]


@register
class ErrorsCsv(CsvWriter):
    name = "errors.csv"
    filename = "errors.csv"
    columns = ERROR_COLUMNS

    @classmethod
    def render(cls, result: CallResult, scheme, options: ReportOptions) -> bytes:
        # Rejected input, and the rules a call could not be judged by (a regex over its time
        # budget, `regex_engine`): the call itself is audited and reported without them.
        problems = result.extra.get("rule_errors")
        if not problems:
            return b""
        call = result.call
        return _csv_text([text_cells([call.source, call.line, call.call_id, reason]) for reason in problems]).encode()

    def add_error(self, error: InputError) -> None:
        record = error.to_record()
        if self.options.mask:
            record["reason"] = mask_text(record["reason"])
        self.row(record)
