"""report.xlsx: sheets Summary, Agents, Rules, Sections, Findings, Calls for QA leads who live in
Excel. The Findings sheet numbers turns from 1 (轮次, as the coaching pages' 第N轮); findings.csv
keeps the SPEC's 0-based `turn`.

Every sheet has a frozen, bold header row, column widths fitted to the content (CJK characters
count double), an auto-filter on its table, and real numbers for scores and rates. Calls that
failed are filled red by conditional formatting, fatal findings too.

The workbook is written by xlsxwriter in its `constant_memory` mode (each sheet's rows go to
disk as they are written, whatever the batch's size), through its public interface only: cells
are written by type (`write_string`, `write_number`, `write_boolean`), so no text is ever stored
as a formula, and the workbook's creation time is fixed, so a report is a function of its input
(serial and parallel runs byte-identical). The two big sheets' data rows are the exception: they
are made as the same XML by `sheet_xml`, ~6x faster than xlsxwriter's per-cell path, deflated as
they come, and spliced into the sheets xlsxwriter wrote with their header rows (`zip_parts`).

It is written by a process of its own (`writer_process`), started with the run: the two big
sheets take their rows while the calls are audited, Findings from findings.jsonl's lines and
Calls from the rows calls.csv typed call by call (`sheet_rows`, `SheetSink`); at the end the
summary sends the small sheets' tables (`WorkbookTables`) and the workbook is closed. Excel holds 1,048,576 rows a sheet:
beyond that the Findings sheet is cut and the Summary says so.
"""

from __future__ import annotations

import datetime
import math
import os
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from .dashboard import agents_for_people
from .sheet_rows import RecordValues, clean_text
from .sheet_xml import RowsFile, splice_rows
from .summary import SummaryContext, renderer
from .tables import FINDING_COLUMNS, CallsCsv
from .writer_process import WriterProcess

__all__ = ["write_excel", "start_workbook", "SHEETS", "WorkbookBuilder", "WorkbookTables"]

SHEETS = ("Summary", "Agents", "Rules", "Sections", "Findings", "Calls")
STREAMED = {"Findings": FINDING_COLUMNS, "Calls": CallsCsv.columns}  # sheets fed during the run
WIDTH_SAMPLE = 500  # rows looked at to size a column
MAX_WIDTH = {"excerpt": 60, "message": 40, "suggest": 40, "matched": 24}
# People count turns from 1 (第N轮, as on the coaching pages and in `qa-check explain`): the
# Findings sheet's 轮次 is findings.jsonl's 0-based `turn` (SPEC) plus one.
FROM_ONE = frozenset({"turn"})

_HEADER = {"bold": True, "bg_color": "#DDEBF7"}
_FAIL = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
_PERCENT = "0.0%"
_SCORE = "0.0"
# The workbook's creation time (docProps/core.xml, and the zip entries' dates): fixed, so the
# same input gives the same bytes.
_CREATED = datetime.datetime(1980, 1, 1)


class _Formats:
    """The workbook's cell formats, each made once (xlsxwriter keeps one per `add_format`)."""

    def __init__(self, wb) -> None:
        self.header = wb.add_format(_HEADER)
        self.frame_header = wb.add_format({**_HEADER, "valign": "vcenter"})
        self.percent = wb.add_format({"num_format": _PERCENT})
        self.score = wb.add_format({"num_format": _SCORE})
        self.fail = wb.add_format(_FAIL)
        self.low_score = wb.add_format({"bold": True, "font_color": "#9C0006"})
        self.note = wb.add_format({"bold": True, "font_color": "#9C0006"})
        self.masked = wb.add_format({"bold": True, "font_color": "#000000"})


# -- the parent's side: start the process with the run, send it the small sheets at the end ------
def start_workbook(folder: Path, words) -> WriterProcess:
    """The workbook's process for a run writing into `folder`, its streamed sheets' headers
    in `words`' language."""
    labels = {sheet: [words.col(c) for c in columns] for sheet, columns in STREAMED.items()}
    return WriterProcess("report.xlsx", WorkbookBuilder, str(folder), labels)


@dataclass
class Table:
    """A small sheet's table as plain values: column names, header labels, rows."""

    columns: list[str]
    labels: list[str]
    rows: list[list]
    percent: frozenset[str] = frozenset()


@dataclass
class WorkbookTables:
    """What the end of the run adds to the workbook: every small sheet's content, plain values only
    (it is pickled to the workbook's process)."""

    title: list[str]  # the Summary sheet's header
    headline: list[tuple[str, object, str | None]]  # (label, value, format name)
    notes: list[tuple[str, str]]  # (text, format name)
    weeks: Table
    agents: Table
    rules: Table
    sections: Table
    pass_score: float
    findings_total: int  # findings in the batch (the Findings sheet may hold fewer)
    findings_truncated_note: str  # with {total} and {kept}


@renderer("report.xlsx")
def write_excel(ctx: SummaryContext) -> None:
    if ctx.workbook is None:
        raise RuntimeError("report.xlsx: no workbook process was started for this run")
    ctx.workbook.finish("finish", workbook_tables(ctx))  # the summary waits for it after its other renderers


def workbook_tables(ctx: SummaryContext) -> WorkbookTables:
    w, team, frames = ctx.words, ctx.frames.team, ctx.frames
    headline = [
        (w.scheme, f"{team['scheme']} {team['title'] or ''}".strip(), None),
        (w.period_label, " – ".join(x for x in (team["first_week"], team["last_week"]) if x), None),
        (w.calls, team["calls"], None),
        (w.agents, team["agents"], None),
        (w.mean_score, team["mean_score"], "score"),
        (w.median_score, team["median_score"], "score"),
        (w.pass_rate, team["pass_rate"], "percent"),
        (w.failed_calls, team["failed_calls"], None),
        (w.fatal_calls, team["fatal_calls"], None),
        (w.findings, team["findings"], None),
        (w.findings_per_100, team["findings_per_100_calls"], None),
        (w.rejected_inputs, team["rejected_inputs"], None),
        (w.undated_calls, team["undated_calls"], None),
    ]
    note = w.masked_note if ctx.options.mask else w.unmasked_note
    return WorkbookTables(
        title=[w.summary_sheet_title, ""],
        headline=[(_plain(label), _plain(value), fmt) for label, value, fmt in headline],
        notes=[(_plain(note), "masked" if ctx.options.mask else "note")],
        weeks=_table(frames.weeks, w, {"pass_rate"}),
        agents=_table(agents_for_people(frames, w), w, {"pass_rate", "pass_rate_change"}),
        rules=_table(frames.rules, w, {"hit_rate"}),
        sections=_table(frames.sections, w, {"hit_rate"}),
        pass_score=float(ctx.scheme.scoring.pass_),
        findings_total=int(sum(ctx.tally.n_findings)),
        findings_truncated_note=w.truncated_note,
    )


def _table(df, w, percent=frozenset()) -> Table:
    columns = [str(c) for c in df.columns]
    return Table(
        columns=columns,
        labels=[w.col(c) for c in columns],
        rows=[[_plain(v) for v in row] for row in df.itertuples(index=False)],
        percent=frozenset(percent),
    )


# -- the workbook's process --------------------------------------------------------------------
class WorkbookBuilder:
    """report.xlsx while it is written, in its own process: made at the start of the run, fed the
    streamed sheets' rows (`rows`), closed and renamed into place by `finish`."""

    def __init__(self, folder: str, labels: dict[str, list[str]]) -> None:
        self.target = Path(folder) / "report.xlsx"
        self.part = self.target.with_suffix(".xlsx.part")
        self.tmp = tempfile.mkdtemp(dir=folder, prefix=".xlsx-rows-")  # the sheets' rows while they are written
        # xlsxwriter writes the workbook without the big sheets' data rows, which `sheet_xml` adds.
        self.skeleton = Path(self.tmp) / "skeleton.xlsx"
        self.wb = xlsxwriter.Workbook(
            str(self.skeleton),
            {
                "constant_memory": True,
                "tmpdir": self.tmp,
                # Text is text: never made a formula, a number or a link by its look (`cells`).
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self.wb.set_properties({"created": _CREATED})
        self.fmt = _Formats(self.wb)
        self.sheets = {name: self.wb.add_worksheet(name) for name in SHEETS}
        self.streams = {
            name: _Stream(STREAMED[name], labels[name], RowsFile(Path(self.tmp) / f"{name}.rows.deflate", len(columns)))
            for name, columns in STREAMED.items()
        }
        for name, stream in self.streams.items():
            _header(self.sheets[name], self.fmt.header, stream.labels)

    def rows(self, sheet: str, lines: bytes) -> None:
        """Rows of a streamed sheet, one JSON value a line: an array of the row's cells
        (`sheet_rows.row_values`, the Calls sheet), or a findings.jsonl record (the Findings
        sheet, `sheet_rows.RecordValues`)."""
        stream = self.streams[sheet]
        cells = stream.cells
        values = [cells(v) if v.__class__ is dict else v for v in map(orjson.loads, lines.splitlines())]
        for row in values[: max(WIDTH_SAMPLE - 1 - stream.rows, 0)]:
            stream.measure(row)
        stream.data.add(values)

    def finish(self, tables: WorkbookTables) -> None:
        fmt, sheets = self.fmt, self.sheets
        findings, calls = self.streams["Findings"], self.streams["Calls"]
        try:
            _summary_sheet(sheets["Summary"], fmt, tables, findings.rows)
            _frame_sheet(sheets["Agents"], fmt, tables.agents)
            _frame_sheet(sheets["Rules"], fmt, tables.rules)
            _frame_sheet(sheets["Sections"], fmt, tables.sections)
            _streamed_sheet(sheets["Findings"], findings)
            _fatal_formatting(sheets["Findings"], fmt, findings)
            _streamed_sheet(sheets["Calls"], calls)
            _failed_formatting(sheets["Calls"], fmt, calls, tables.pass_score)
            self.wb.close()
            for stream in self.streams.values():
                stream.data.close()
            splice_rows(self.skeleton, self.part, {name: stream.data for name, stream in self.streams.items()})
            os.replace(self.part, self.target)
        finally:
            self.abandon()

    def abandon(self) -> None:
        """Remove what is not the finished workbook."""
        for stream in self.streams.values():
            stream.data.close()
        self.part.unlink(missing_ok=True)
        shutil.rmtree(self.tmp, ignore_errors=True)


@dataclass
class _Stream:
    """A streamed sheet: its columns and header labels, its data rows (`sheet_xml`), its columns'
    display widths (header and first rows)."""

    columns: list[str]
    labels: list[str]
    data: RowsFile
    widths: list[int] = field(default_factory=list)
    cells: RecordValues = field(init=False)  # a findings.jsonl record's cells in this sheet

    def __post_init__(self) -> None:
        self.cells = RecordValues(self.columns, FROM_ONE)
        self.widths = [max(_display_width(c), _display_width(label)) for c, label in zip(self.columns, self.labels)]

    @property
    def rows(self) -> int:
        return self.data.rows

    def measure(self, values: list) -> None:
        widths = self.widths
        for i, v in enumerate(values[: len(widths)]):
            if v is None:
                continue
            text = v if isinstance(v, str) else ("TRUE" if v else "FALSE") if isinstance(v, bool) else _number_text(v)
            if 2 * len(text) > widths[i]:  # else it cannot be wider: a character is 1 or 2 wide
                widths[i] = max(widths[i], _display_width(text))


def _number_text(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _streamed_sheet(ws, stream: _Stream) -> None:
    ncols = len(stream.columns)
    for i, c in enumerate(stream.columns):
        ws.set_column(i, i, max(min(stream.widths[i] + 2, MAX_WIDTH.get(c, 30)), 6))
    ws.freeze_panes(1, 0)
    if ncols:
        ws.autofilter(0, 0, stream.rows, ncols - 1)


def _failed_formatting(ws, fmt: _Formats, stream: _Stream, pass_score: float) -> None:
    if not _fill_rows_where(ws, fmt, stream, "passed", "FALSE"):
        return
    if "score" in stream.columns:
        score = stream.columns.index("score")
        ws.conditional_format(
            1,
            score,
            stream.rows,
            score,
            {"type": "cell", "criteria": "<", "value": float(pass_score), "format": fmt.low_score},
        )


def _fatal_formatting(ws, fmt: _Formats, stream: _Stream) -> None:
    _fill_rows_where(ws, fmt, stream, "fatal", "TRUE")


def _fill_rows_where(ws, fmt: _Formats, stream: _Stream, column: str, value: str) -> bool:
    """Fill red every data row whose `column` holds `value` (TRUE/FALSE); False when the sheet
    has no rows or no such column (nothing to format)."""
    if not stream.rows or column not in stream.columns:
        return False
    flag = xl_col_to_name(stream.columns.index(column))
    ws.conditional_format(
        1,
        0,
        stream.rows,
        len(stream.columns) - 1,
        {"type": "formula", "criteria": f"=${flag}2={value}", "format": fmt.fail},
    )
    return True


def _header(ws, cell_format, labels: list[str], row: int = 0, first_col: int = 0) -> None:
    for j, label in enumerate(labels):
        _write(ws, row, first_col + j, label, cell_format)


def _write(ws, row: int, col: int, value, cell_format=None) -> None:
    """One cell by its type; text is always written as text (`write_string`)."""
    if value is None:
        if cell_format is not None:
            ws.write_blank(row, col, None, cell_format)
    elif isinstance(value, str):
        ws.write_string(row, col, value, cell_format)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, cell_format)
    else:
        ws.write_number(row, col, value, cell_format)


# -- small sheets, written row by row ------------------------------------------------------------
def _summary_sheet(ws, fmt: _Formats, tables: WorkbookTables, findings_kept: int) -> None:
    _header(ws, fmt.header, tables.title)
    row = 1
    for label, value, cell_format in tables.headline:
        _write(ws, row, 0, label)
        _write(ws, row, 1, value, getattr(fmt, cell_format) if cell_format else None)
        row += 1
    row += 1  # an empty row
    notes = list(tables.notes)
    if tables.findings_total > findings_kept:
        text = tables.findings_truncated_note.format(total=tables.findings_total, kept=findings_kept)
        notes.append((_plain(text), "note"))
    for text, cell_format in notes:
        _write(ws, row, 0, text, getattr(fmt, cell_format))
        row += 1
    if tables.weeks.rows:
        _write_table(ws, fmt, tables.weeks, start_row=row)
    ws.freeze_panes(1, 0)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 30)
    ws.set_column(2, 6, 14)


def _frame_sheet(ws, fmt: _Formats, table: Table) -> None:
    for i, (c, label) in enumerate(zip(table.columns, table.labels)):
        values = [_display_width(str(r[i])) for r in table.rows[:WIDTH_SAMPLE] if r[i] is not None]
        width = min(max([_display_width(label), *values]) + 2, MAX_WIDTH.get(c, 40))
        ws.set_column(i, i, max(width, 6))
    _write_table(ws, fmt, table, start_row=0)
    ws.freeze_panes(1, 0)
    if table.columns:
        ws.autofilter(0, 0, len(table.rows), len(table.columns) - 1)


def _write_table(ws, fmt: _Formats, table: Table, start_row: int) -> None:
    _header(ws, fmt.frame_header, table.labels, start_row)
    for i, row in enumerate(table.rows, start=start_row + 1):
        for j, (c, v) in enumerate(zip(table.columns, row)):
            cell_format = None
            if isinstance(v, float):
                cell_format = fmt.percent if c in table.percent else (fmt.score if "score" in c else None)
            _write(ws, i, j, v, cell_format)


def _plain(v):
    """numpy scalars and NaN as plain Python values Excel stores as numbers or blanks."""
    if v is None:
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, str):
        return clean_text(v)
    return v


def _display_width(text: str) -> int:
    text = text[:80]
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
