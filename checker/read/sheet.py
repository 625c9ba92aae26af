"""Spreadsheet transcripts (`.xlsx`, SPEC format 5): the first sheet, one row a turn, with the
columns of a CSV transcript (`table`). Read with python-calamine, a Rust reader that hands back
plain values without building a cell object per cell.

Line numbers are the sheet's row numbers, as Excel shows them (the header row is usually 1).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..model import Call, InputError
from .roles import RoleMap
from .table import read_table

__all__ = ["read_xlsx"]


def read_xlsx(path: Path, roles: RoleMap) -> Iterator[Call | InputError]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        if not book.sheet_names:
            yield InputError(str(path), None, "the workbook has no sheet")
            return
        sheet = book.get_sheet_by_index(0)
        first = (sheet.start or (0, 0))[0] + 1  # the row number of the first row it gives (1-based)
        rows = sheet.iter_rows()
        header = next(rows, None)
    except CalamineError as exc:
        yield InputError(str(path), None, f"not a readable .xlsx workbook: {exc}")
        return
    if header is None:
        yield InputError(str(path), None, f"the first sheet ({sheet.name}) is empty")
        return
    numbered = ((first + i, row) for i, row in enumerate(rows, 1))
    yield from read_table(path, header, numbered, roles)
