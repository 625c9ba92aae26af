"""The data rows of report.xlsx's two big sheets (Findings, Calls) as SpreadsheetML `<row>`
elements, made by the workbook's process into a file of their own, and spliced into the finished
workbook's sheet.

Why not xlsxwriter's `write_string`/`write_number` for them: every finding and every call is a
row, and xlsxwriter's per-cell path (type dispatch, dimension checks, a cell object, then its XML
with two regexes for control characters and two for whitespace) costs ~5 µs a cell. On the real
corpus ×10 that was 573,000 cells, ~3 s of a process's CPU: most of what the audit of the calls
costs. The same XML made here costs ~1 µs a cell, its JSON parse included (`benchmarks/run.py
--only corpus` prints the workbook's process's CPU).

xlsxwriter still writes everything else, through its public interface: the header rows, column
widths, frozen panes, filters, conditional formats, styles, the small sheets and the package.
This module only puts `<row>` elements into a finished sheet's `<sheetData>` and widens its
`<dimension>` (ECMA-376 Part 1, §18.3.1.80 and §18.3.1.35), then writes the zip again, entry by
entry, with the same names and dates, every entry deflated.

The rows are compressed as they arrive, not when the workbook is closed: on the real corpus ×10
the Findings sheet is 30 MB of XML, ~0.3 s of deflate that was the last thing a run waited for.
The sheet's part is then three deflate segments, the head and tail xlsxwriter wrote around its
rows' (`zip_parts`).

The cells are those xlsxwriter writes in its `constant_memory` mode, byte for byte
(`tests/report/test_sheet_xml.py` compares them): inline strings, numbers as `%.16G`, booleans as
`t="b"`, control characters and literal `_xHHHH_` escaped as Excel reads them, `xml:space`
kept where a text begins or ends with white space, texts longer than Excel's 32,767 UTF-16 units
cut. One difference, deliberate: xlsxwriter writes a text that begins with `<r>` and ends with
`</r>` unescaped, taking it for a rich string, so a customer's words of that shape made the
workbook unreadable; here every text is escaped.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from functools import partial
from pathlib import Path
from xml.etree import ElementTree

from xlsxwriter.utility import xl_col_to_name

from .zip_parts import Segment, ZipParts, deflate_segment

__all__ = ["RowsFile", "splice_rows", "sheet_entries"]

_MAX_UTF16 = 32_767  # UTF-16 units in a cell
# A text that needs more than to be written as it is (the rare one): XML's special characters,
# characters Excel writes as _xHHHH_, a literal _xHHHH_, white space at either end (and, tested
# apart, a text long enough to need cutting).
_NEEDS_CARE = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\\s|\\s$")
_LITERAL_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f]")  # \r too: an XML reader would make it \n
_EDGE_SPACE = re.compile(r"^\s|\s$")
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "p": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def _text(s: str) -> str:
    """A text cell's `<is>` content, as xlsxwriter's constant_memory mode writes it."""
    if len(s) > _MAX_UTF16 // 2 and len(s.encode("utf-16-le")) > 2 * _MAX_UTF16:
        s = s.encode("utf-16-le")[: 2 * _MAX_UTF16].decode("utf-16-le", "ignore")
    s = _LITERAL_ESCAPE.sub(r"_x005F\1", s)
    s = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", s)
    s = s.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    preserve = ' xml:space="preserve"' if _EDGE_SPACE.search(s) else ""
    if "&" in s or "<" in s or ">" in s:
        s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<t{preserve}>{s}</t>"


def _text_cell(s: str) -> str:
    """A text cell's XML from its type attribute on (what follows `<c r="A2"`)."""
    text = _text(s) if _NEEDS_CARE.search(s) or len(s) > _MAX_UTF16 // 2 else f"<t>{s}</t>"
    return f' t="inlineStr"><is>{text}</is></c>'


_TEXTS_KEPT = 20_000  # texts remembered by a sheet (`RowsFile._texts`) before starting afresh
_TEXT_KEPT_CHARS = 200  # and the longest remembered: the texts that repeat are short, a cell holds 32,767


class RowsFile:
    """A sheet's data rows as XML, appended in order and deflated into a file as they come (a
    `zip_parts.Segment` once closed); `rows` is the last row's index (0-based, the header row
    being 0)."""

    def __init__(self, path: Path, columns: int) -> None:
        self.path = path
        self.rows = 0
        self.crc = 0  # of the XML so far
        self.size = 0  # its bytes
        self._letters = [xl_col_to_name(c) for c in range(columns)]
        # A text cell's XML after its reference, by text: most of a Findings row's texts (rule,
        # kind, section, message, suggestion…) are those of the rows before it.
        self._texts: dict[str, str] = {}
        self._fh = path.open("wb")
        self._deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)

    def add(self, rows: list[list]) -> None:
        """Rows of cell values (str, float, bool, None for an empty cell), one list a row."""
        letters, texts = self._letters, self._texts
        if len(texts) > _TEXTS_KEPT:
            texts.clear()
        out: list[str] = []
        append = out.append
        r = self.rows
        for values in rows:
            r += 1
            n = str(r + 1)
            append(f'<row r="{n}">')
            for col, v in enumerate(values):
                if v is None:
                    continue
                t = v.__class__
                if t is str:
                    rest = texts.get(v)
                    if rest is None:
                        rest = _text_cell(v)
                        if len(v) <= _TEXT_KEPT_CHARS:
                            texts[v] = rest
                    append(f'<c r="{letters[col]}{n}"{rest}')
                elif t is bool:
                    append(f'<c r="{letters[col]}{n}" t="b"><v>{1 if v else 0}</v></c>')
                else:
                    append(f'<c r="{letters[col]}{n}"><v>{v:.16G}</v></c>')
            append("</row>")
        self.rows = r
        data = "".join(out).encode("utf-8")
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        self._fh.write(self._deflate.compress(data))

    def close(self) -> None:
        """Finish the file, sync-flushed for the sheet's tail to follow (again: nothing)."""
        if not self._fh.closed:
            self._fh.write(self._deflate.flush(zlib.Z_SYNC_FLUSH))
            self._fh.close()

    def segment(self) -> Segment:
        """The rows as the middle segment of their sheet's part (once closed)."""
        return Segment(self.crc, self.size, path=self.path)


def sheet_entries(package: zipfile.ZipFile) -> dict[str, str]:
    """Each worksheet's name → its part's name in the package (through xl/workbook.xml and its
    relationships, as a reader finds them)."""
    book = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.findall("p:Relationship", _NS)}
    entries = {}
    for sheet in book.iterfind("m:sheets/m:sheet", _NS):
        target = targets[sheet.get(f"{{{_NS['r']}}}id")]
        entries[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return entries


def splice_rows(source: Path, target: Path, sheets: dict[str, RowsFile]) -> None:
    """Write the workbook `source` again as `target`, each sheet named in `sheets` with that
    file's rows (closed) after its own (the header row) and its dimension widened to hold them."""
    with zipfile.ZipFile(source) as src, target.open("wb") as fh:
        entries = sheet_entries(src)
        missing = sorted(set(sheets) - set(entries))
        if missing:
            raise ValueError(f"{source.name}: no sheet named {', '.join(missing)}")
        spliced = {entries[name]: rows for name, rows in sheets.items()}
        package = ZipParts(fh)
        for info in src.infolist():
            data = src.read(info)
            rows = spliced.get(info.filename)
            if rows is None or rows.rows == 0:
                segments = [deflate_segment(data, last=True)]
            else:
                head, sep, tail = data.partition(b"</sheetData>")
                if not sep:
                    raise ValueError(f"report.xlsx: {info.filename} has no <sheetData> to add rows to")
                head = _DIMENSION.sub(partial(_widened, last_row=rows.rows + 1), head, count=1)
                segments = [deflate_segment(head, last=False), rows.segment(), deflate_segment(sep + tail, last=True)]
            package.add(info.filename, info.date_time, info.external_attr, info.create_system, segments)
        package.close()


def _widened(match: re.Match, last_row: int) -> bytes:
    """`<dimension ref="A1:P1"/>` → `<dimension ref="A1:P{last_row}"/>`."""
    element = match.group()
    ref = element[len(b'<dimension ref="') : -len(b'"/>')].decode()
    first, _, last = ref.partition(":")
    last = last or first
    return f'<dimension ref="{first}:{last.rstrip("0123456789")}{last_row}"/>'.encode()
