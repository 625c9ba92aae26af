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
(serial and parallel runs byte-identical). The two big sheets (Findings, Calls) are written from
the rows the CSV writers typed call by call (`sheet_rows`). Excel holds 1,048,576 rows a sheet:
beyond that the Findings sheet is cut and the Summary says so.
"""

from __future__ import annotations

import csv
import datetime
import itertools
import math
import os
import tempfile
import unicodedata
from pathlib import Path

import orjson
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from .dashboard import agents_for_people
from .sheet_rows import EXCEL_MAX_CELL, ILLEGAL_XML, SHEET_FILES, sheet_rows
from .summary import SummaryContext, renderer
from .tables import FINDING_COLUMNS, CallsCsv

__all__ = ["write_excel", "SHEETS"]

SHEETS = ("Summary", "Agents", "Rules", "Sections", "Findings", "Calls")
WIDTH_SAMPLE = 500  # rows looked at to size a streamed sheet's columns
MAX_WIDTH = {"excerpt": 60, "message": 40, "suggest": 40, "matched": 24}

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


@renderer("report.xlsx")
def write_excel(ctx: SummaryContext) -> None:
    folder, w, frames = ctx.folder, ctx.words, ctx.frames
    tally = ctx.tally
    findings = _Stream(folder, "Findings", FINDING_COLUMNS, "findings.csv", sum(tally.n_findings))
    calls = _Stream(folder, "Calls", CallsCsv.columns, "calls.csv", len(tally.score))
    target = folder / "report.xlsx"
    part = target.with_suffix(".xlsx.part")
    tmp = tempfile.TemporaryDirectory(dir=folder)  # the sheets' rows while they are written
    wb = xlsxwriter.Workbook(
        str(part),
        {
            "constant_memory": True,
            "tmpdir": tmp.name,
            # Text is text: never made a formula, a number or a link by its look (`cells`).
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    wb.set_properties({"created": _CREATED})
    try:
        fmt = _Formats(wb)
        _summary_sheet(wb.add_worksheet("Summary"), fmt, ctx, findings)
        _frame_sheet(
            wb.add_worksheet("Agents"), fmt, agents_for_people(frames, w), w, percent={"pass_rate", "pass_rate_change"}
        )
        _frame_sheet(wb.add_worksheet("Rules"), fmt, frames.rules, w, percent={"hit_rate"})
        _frame_sheet(wb.add_worksheet("Sections"), fmt, frames.sections, w, percent={"hit_rate"})
        ws = wb.add_worksheet("Findings")
        _streamed_sheet(ws, fmt, findings, w)
        _fatal_formatting(ws, fmt, findings)
        ws = wb.add_worksheet("Calls")
        _streamed_sheet(ws, fmt, calls, w)
        _failed_formatting(ws, fmt, calls, ctx.scheme.scoring.pass_)
        wb.close()
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
        tmp.cleanup()


# -- streamed sheets ---------------------------------------------------------------------------
class _Stream:
    """A streamed sheet: its columns, the file of its rows (written by its CSV file's writer,
    `tables.SheetCsvWriter`), how many rows it holds and was given, and its column widths."""

    def __init__(self, folder: Path, sheet: str, columns: list[str], csv_name: str, total: int) -> None:
        self.columns = columns
        self.path = folder / SHEET_FILES[sheet]
        if not self.path.is_file():  # its CSV file was not asked for: an empty sheet
            self.path.write_text("", encoding="utf-8")
            total = 0
        self.total = total
        self.rows = sheet_rows(total)
        self.widths = _widths(folder / csv_name, columns, min(WIDTH_SAMPLE - 1, self.rows))


def _widths(csv_path: Path, columns: list[str], sample: int) -> list[int]:
    """Display widths of the header and of the first `sample` rows of the sheet's CSV file
    (the same cells as its rows)."""
    widths = [_display_width(c) for c in columns]
    if not sample or not csv_path.is_file():
        return widths
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for row in itertools.islice(reader, sample):
            for i, v in enumerate(row[: len(columns)]):
                if 2 * len(v) > widths[i]:  # else it cannot be wider: a character is 1 or 2 wide
                    widths[i] = max(widths[i], _display_width(v))
    return widths


def _streamed_sheet(ws, fmt: _Formats, stream: _Stream, w) -> None:
    ncols = len(stream.columns)
    for i, c in enumerate(stream.columns):
        width = min(max(stream.widths[i], _display_width(w.col(c))) + 2, MAX_WIDTH.get(c, 30))
        ws.set_column(i, i, max(width, 6))
    _header(ws, fmt.header, [w.col(c) for c in stream.columns])
    ws.freeze_panes(1, 0)
    if ncols:
        ws.autofilter(0, 0, stream.rows, ncols - 1)
    write_string, write_number, write_boolean = ws.write_string, ws.write_number, ws.write_boolean
    with stream.path.open("rb") as fh:
        for r, line in enumerate(fh, 1):
            for c, v in enumerate(orjson.loads(line)):
                if v is None:
                    continue
                t = v.__class__
                if t is str:
                    write_string(r, c, v)
                elif t is bool:
                    write_boolean(r, c, v)
                else:
                    write_number(r, c, v)


def _failed_formatting(ws, fmt: _Formats, stream: _Stream, pass_score: float) -> None:
    if not stream.rows or "passed" not in stream.columns:
        return
    last = len(stream.columns) - 1
    passed = xl_col_to_name(stream.columns.index("passed"))
    ws.conditional_format(
        1, 0, stream.rows, last, {"type": "formula", "criteria": f"=${passed}2=FALSE", "format": fmt.fail}
    )
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
    if not stream.rows or "fatal" not in stream.columns:
        return
    last = len(stream.columns) - 1
    fatal = xl_col_to_name(stream.columns.index("fatal"))
    ws.conditional_format(
        1, 0, stream.rows, last, {"type": "formula", "criteria": f"=${fatal}2=TRUE", "format": fmt.fail}
    )


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
def _summary_sheet(ws, fmt: _Formats, ctx: SummaryContext, findings: _Stream) -> None:
    w, team = ctx.words, ctx.frames.team
    _header(ws, fmt.header, [w.summary_sheet_title, ""])
    rows = [
        (w.scheme, f"{team['scheme']} {team['title'] or ''}".strip(), None),
        (w.period_label, " – ".join(x for x in (team["first_week"], team["last_week"]) if x), None),
        (w.calls, team["calls"], None),
        (w.agents, team["agents"], None),
        (w.mean_score, team["mean_score"], fmt.score),
        (w.median_score, team["median_score"], fmt.score),
        (w.pass_rate, team["pass_rate"], fmt.percent),
        (w.failed_calls, team["failed_calls"], None),
        (w.fatal_calls, team["fatal_calls"], None),
        (w.findings, team["findings"], None),
        (w.findings_per_100, team["findings_per_100_calls"], None),
        (w.rejected_inputs, team["rejected_inputs"], None),
        (w.undated_calls, team["undated_calls"], None),
    ]
    row = 1
    for label, value, cell_format in rows:
        _write(ws, row, 0, _plain(label))
        _write(ws, row, 1, _plain(value), cell_format)
        row += 1
    row += 1  # an empty row
    notes = [w.masked_note if ctx.options.mask else w.unmasked_note]
    if findings.total > findings.rows:
        notes.append(w.truncated_note.format(total=findings.total, kept=findings.rows))
    for note in notes:
        _write(ws, row, 0, _plain(note), fmt.masked if note == w.masked_note else fmt.note)
        row += 1
    weeks = ctx.frames.weeks
    if len(weeks):
        _write_frame(ws, fmt, weeks, w, start_row=row, first_col=0, percent={"pass_rate"})
    ws.freeze_panes(1, 0)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 30)
    ws.set_column(2, 6, 14)


def _frame_sheet(ws, fmt: _Formats, df, w, percent=frozenset(), first_col: int = 0, filter_: bool = True) -> None:
    ncols = len(df.columns)
    for i, c in enumerate(df.columns):
        values = [_display_width(str(v)) for v in df[c].head(WIDTH_SAMPLE) if v is not None and v == v]
        width = min(max([_display_width(w.col(c))] + values) + 2, MAX_WIDTH.get(c, 40))
        ws.set_column(first_col + i, first_col + i, max(width, 6))
    _write_frame(ws, fmt, df, w, start_row=0, first_col=first_col, percent=percent)
    ws.freeze_panes(1, 0)
    if filter_ and ncols:
        ws.autofilter(0, first_col, len(df), first_col + ncols - 1)


def _write_frame(ws, fmt: _Formats, df, w, start_row: int, first_col: int, percent=frozenset()) -> None:
    _header(ws, fmt.frame_header, [w.col(c) for c in df.columns], start_row, first_col)
    for i, row in enumerate(df.itertuples(index=False), start=start_row + 1):
        for j, (c, v) in enumerate(zip(df.columns, row)):
            v = _plain(v)
            cell_format = None
            if isinstance(v, float):
                cell_format = fmt.percent if c in percent else (fmt.score if "score" in c else None)
            _write(ws, i, first_col + j, v, cell_format)


def _plain(v):
    """numpy scalars and NaN as plain Python values Excel stores as numbers or blanks."""
    if v is None:
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, str):
        return ILLEGAL_XML.sub("", v)[:EXCEL_MAX_CELL]
    return v


def _display_width(text: str) -> int:
    text = text[:80]
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
