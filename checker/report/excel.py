"""report.xlsx: sheets Summary, Agents, Rules, Sections, Findings, Calls for QA leads who live in
Excel. The Findings sheet numbers turns from 1 (轮次, as the coaching pages' 第N轮); findings.csv
keeps the SPEC's 0-based `turn`.

Every sheet has a frozen, bold header row, column widths fitted to the content (CJK characters
count double), an auto-filter on its table, and real numbers for scores and rates. Calls that
failed are filled red by conditional formatting, fatal findings too.

The workbook is built by openpyxl. The two big sheets (Findings, Calls) are streamed:
openpyxl writes them with their header, panes, filter and formatting but no rows, and their rows,
made as sheet XML call by call from the cells of findings.csv / calls.csv (`sheet_rows`), are
copied straight into the saved file — openpyxl's cell objects cost ~25 µs a cell, which is
minutes for a large batch. Excel holds 1,048,576 rows a sheet: beyond that the Findings sheet
is cut and the Summary says so.
"""
from __future__ import annotations

import csv
import itertools
import math
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import openpyxl

try:
    from isal import isal_zlib
except ImportError:  # pragma: no cover - a dependency; zlib does the same, slower
    isal_zlib = None
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .cells import no_formulas
from .sheet_rows import EXCEL_MAX_CELL, ILLEGAL_XML, SHEET_FILES, sheet_rows
from .dashboard import agents_for_people
from .summary import SummaryContext, renderer
from .tables import FINDING_COLUMNS, CallsCsv

__all__ = ["write_excel", "SHEETS"]

SHEETS = ("Summary", "Agents", "Rules", "Sections", "Findings", "Calls")
WIDTH_SAMPLE = 500  # rows looked at to size a streamed sheet's columns
MAX_WIDTH = {"excerpt": 60, "message": 40, "suggest": 40, "matched": 24}

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_FAIL_FILL = PatternFill("solid", bgColor="FFC7CE")
_FAIL_FONT = Font(color="9C0006")
_PERCENT = "0.0%"
_SCORE = "0.0"

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# openpyxl stamps the save time into docProps/core.xml; both properties are optional (OPC), and
# without them a report is a function of its input only (serial and parallel runs byte-identical).
_CORE_TIMES = re.compile(rb"<dcterms:(created|modified)\b[^>]*>[^<]*</dcterms:\1>")


@renderer("report.xlsx")
def write_excel(ctx: SummaryContext) -> None:
    folder, w, frames = ctx.folder, ctx.words, ctx.frames
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        tmp = Path(tmp)
        tally = ctx.tally
        findings = _Stream(folder, "Findings", FINDING_COLUMNS, "findings.csv", sum(tally.n_findings))
        calls = _Stream(folder, "Calls", CallsCsv.columns, "calls.csv", len(tally.score))

        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        _summary_sheet(wb.create_sheet("Summary"), ctx, findings)
        _frame_sheet(wb.create_sheet("Agents"), agents_for_people(frames, w), w, percent={"pass_rate", "pass_rate_change"})
        _frame_sheet(wb.create_sheet("Rules"), frames.rules, w, percent={"hit_rate"})
        _frame_sheet(wb.create_sheet("Sections"), frames.sections, w, percent={"hit_rate"})
        streamed = {}
        for name, stream in (("Findings", findings), ("Calls", calls)):
            ws = wb.create_sheet(name)
            _streamed_sheet(ws, stream, w)
            streamed[name] = stream
        _failed_formatting(wb["Calls"], calls, ctx.scheme.scoring.pass_)
        _fatal_formatting(wb["Findings"], findings)
        no_formulas(wb)  # every sheet's text cells stay text (`cells`)
        skeleton = tmp / "skeleton.xlsx"
        wb.save(skeleton)
        _inject_rows(skeleton, folder / "report.xlsx", streamed)


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


def _streamed_sheet(ws, stream: _Stream, w) -> None:
    ws.append([w.col(c) for c in stream.columns])
    _style_header(ws, len(stream.columns))
    ws.freeze_panes = "A2"
    for i, c in enumerate(stream.columns):
        width = min(max(stream.widths[i], _display_width(w.col(c))) + 2, MAX_WIDTH.get(c, 30))
        ws.column_dimensions[get_column_letter(i + 1)].width = max(width, 6)
    if stream.columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(stream.columns))}{stream.rows + 1}"


def _failed_formatting(ws, stream: _Stream, pass_score: float) -> None:
    if not stream.rows or "passed" not in stream.columns:
        return
    last = get_column_letter(len(stream.columns))
    passed = get_column_letter(stream.columns.index("passed") + 1)
    area = f"A2:{last}{stream.rows + 1}"
    ws.conditional_formatting.add(area, FormulaRule(formula=[f"${passed}2=FALSE"], fill=_FAIL_FILL, font=_FAIL_FONT))
    if "score" in stream.columns:
        score = get_column_letter(stream.columns.index("score") + 1)
        ws.conditional_formatting.add(
            f"{score}2:{score}{stream.rows + 1}",
            CellIsRule(operator="lessThan", formula=[repr(float(pass_score))], font=Font(bold=True, color="9C0006")),
        )


def _fatal_formatting(ws, stream: _Stream) -> None:
    if not stream.rows or "fatal" not in stream.columns:
        return
    last = get_column_letter(len(stream.columns))
    fatal = get_column_letter(stream.columns.index("fatal") + 1)
    ws.conditional_formatting.add(
        f"A2:{last}{stream.rows + 1}", FormulaRule(formula=[f"${fatal}2=TRUE"], fill=_FAIL_FILL, font=_FAIL_FONT)
    )


def _inject_rows(skeleton: Path, target: Path, streamed: dict[str, _Stream]) -> None:
    """Copy the workbook, putting each streamed sheet's rows after its header row."""
    with zipfile.ZipFile(skeleton) as zin:
        paths = _sheet_paths(zin)
        tmp = target.with_suffix(".xlsx.part")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                item = zipfile.ZipInfo(item.filename, date_time=_ZIP_TIME)  # same run, same bytes
                item.compress_type = zipfile.ZIP_DEFLATED
                sheet = next((n for n, p in paths.items() if p == item.filename and n in streamed), None)
                if item.filename == "docProps/core.xml":
                    data = _CORE_TIMES.sub(b"", data)
                if sheet is None:
                    zout.writestr(item, data, compresslevel=1)
                    continue
                stream = streamed[sheet]
                xml = data.decode("utf-8")
                head, sep, tail = xml.partition("</sheetData>")
                if not sep:  # an empty sheet is written as <sheetData/>
                    head, sep, tail = xml.partition("<sheetData/>")
                    head += "<sheetData>"
                cols = max(1, len(stream.columns))
                head = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:{get_column_letter(cols)}{stream.rows + 1}"/>', head, count=1)
                # `ZipFile.open` deflates a ZipInfo at the ZipInfo's own level (zlib's default, 6,
                # unless set), not the archive's: level 1 is ~3x faster on these sheets.
                if hasattr(item, "compress_level"):  # Python 3.13+
                    item.compress_level = 1
                else:
                    item._compresslevel = 1
                with zout.open(item, "w", force_zip64=True) as fh:
                    _fast_deflate(fh)
                    fh.write(head.encode("utf-8"))
                    with stream.path.open("rb") as rows:
                        shutil.copyfileobj(rows, fh, 1 << 20)
                    fh.write(b"</sheetData>" + tail.encode("utf-8"))
        os.replace(tmp, target)


def _fast_deflate(fh) -> None:
    """Deflate the entry being written with ISA-L (isal) instead of zlib: on these sheets 2.3 ms
    for 7 MB against zlib's 13 ms at level 1, and a smaller file (414 KB against 429 KB). Most
    of the workbook's time at the end of an audit, which with `--jobs N` is time the other cores
    wait. `zipfile` has no way to choose its compressor: its writer's (`_compressor`, a private
    attribute since Python 3.5) is swapped, where it is there, before anything is written."""
    if isal_zlib is not None and getattr(fh, "_compressor", None) is not None:
        fh._compressor = isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)


def _sheet_paths(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML file in the package, from workbook.xml and its relationships."""
    workbook = z.read("xl/workbook.xml").decode("utf-8")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = {}
    for rel in re.finditer(r"<Relationship\b[^>]*>", rels):
        tag = rel.group()
        rid = re.search(r'Id="([^"]+)"', tag)
        tgt = re.search(r'Target="([^"]+)"', tag)
        if rid and tgt:
            t = tgt.group(1)
            targets[rid.group(1)] = t.lstrip("/") if t.startswith("/") else f"xl/{t}"
    out = {}
    for sheet in re.finditer(r"<sheet\b[^>]*>", workbook):
        tag = sheet.group()
        name = re.search(r'name="([^"]+)"', tag)
        rid = re.search(r'r:id="([^"]+)"', tag) or re.search(r'\bid="([^"]+)"', tag)
        if name and rid and rid.group(1) in targets:
            out[name.group(1)] = targets[rid.group(1)]
    return out


# -- small sheets, built cell by cell ------------------------------------------------------------
def _summary_sheet(ws, ctx: SummaryContext, findings: _Stream) -> None:
    w, team = ctx.words, ctx.frames.team
    ws.append([w.summary_sheet_title, ""])
    _style_header(ws, 2)
    rows = [
        (w.scheme, f"{team['scheme']} {team['title'] or ''}".strip(), None),
        (w.period_label, " – ".join(x for x in (team["first_week"], team["last_week"]) if x), None),
        (w.calls, team["calls"], None),
        (w.agents, team["agents"], None),
        (w.mean_score, team["mean_score"], _SCORE),
        (w.median_score, team["median_score"], _SCORE),
        (w.pass_rate, team["pass_rate"], _PERCENT),
        (w.failed_calls, team["failed_calls"], None),
        (w.fatal_calls, team["fatal_calls"], None),
        (w.findings, team["findings"], None),
        (w.findings_per_100, team["findings_per_100_calls"], None),
        (w.rejected_inputs, team["rejected_inputs"], None),
        (w.undated_calls, team["undated_calls"], None),
    ]
    for label, value, fmt in rows:
        ws.append([label, value])
        if fmt:
            ws.cell(ws.max_row, 2).number_format = fmt
    ws.append([])
    notes = [w.masked_note if ctx.options.mask else w.unmasked_note]
    if findings.total > findings.rows:
        notes.append(w.truncated_note.format(total=findings.total, kept=findings.rows))
    for note in notes:
        ws.append([note])
        ws.cell(ws.max_row, 1).font = Font(bold=True, color="9C0006" if note != w.masked_note else "000000")
    weeks = ctx.frames.weeks
    if len(weeks):
        ws.append([])
        start = ws.max_row + 1
        _write_frame(ws, weeks, w, start_row=start, first_col=1, percent={"pass_rate"})
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 30
    for col in range(3, 8):
        ws.column_dimensions[get_column_letter(col)].width = 14


def _frame_sheet(ws, df, w, percent=frozenset(), first_col: int = 1, filter_: bool = True) -> None:
    _write_frame(ws, df, w, start_row=1, first_col=first_col, percent=percent)
    ws.freeze_panes = "A2"
    ncols = len(df.columns)
    for i, c in enumerate(df.columns):
        values = [_display_width(str(v)) for v in df[c].head(WIDTH_SAMPLE) if v is not None and v == v]
        width = min(max([_display_width(w.col(c))] + values) + 2, MAX_WIDTH.get(c, 40))
        ws.column_dimensions[get_column_letter(first_col + i)].width = max(width, 6)
    if filter_ and ncols:
        ws.auto_filter.ref = f"{get_column_letter(first_col)}1:{get_column_letter(first_col + ncols - 1)}{len(df) + 1}"


def _write_frame(ws, df, w, start_row: int, first_col: int, percent=frozenset()) -> None:
    for j, c in enumerate(df.columns):
        cell = ws.cell(start_row, first_col + j, w.col(c))
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    for i, row in enumerate(df.itertuples(index=False), start=start_row + 1):
        for j, (c, v) in enumerate(zip(df.columns, row)):
            v = _plain(v)
            cell = ws.cell(i, first_col + j, v)
            if isinstance(v, float):
                cell.number_format = _PERCENT if c in percent else ("0.0" if "score" in c else "General")


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


def _style_header(ws, ncols: int) -> None:
    for j in range(1, ncols + 1):
        cell = ws.cell(1, j)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL


def _display_width(text: str) -> int:
    text = text[:80]
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
