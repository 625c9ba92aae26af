"""No cell of a report a spreadsheet opens can be a formula (CSV/formula injection).

An agent's name, a team, a scheme's title or a customer's words may begin with `=`, `+`, `-` or
`@` (`=HYPERLINK("http://x","y")`, `=cmd|' /C calc'!A0`): Excel and LibreOffice run such a cell
as a formula when they open the file. Every CSV and xlsx file the product writes goes through
one of the two functions here, the OWASP way:

* CSV (`csv_cell`): a text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return
  gets a leading `'`, which spreadsheets take as "this is text" and do not show. A cell that is
  a plain number (`-3`, `+2.5`, `1e3`) is left as it is: numbers stay numbers (and a number is
  not a formula).
* xlsx (`excel`): every text cell is written with xlsxwriter's `write_string`, and the workbook
  is opened with `strings_to_formulas: False`: text is stored as text whatever it begins with;
  nothing is added to it. The streamed sheets (Findings, Calls: `sheet_rows`) hold only
  numbers, booleans and text, typed by column; their rows are made by `sheet_xml` as the inline
  string cells `write_string` makes, every text escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["FORMULA_START", "csv_cell", "csv_cells", "csv_frame"]

FORMULA_START = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def csv_cell(text: str) -> str:
    """`text` as a CSV cell no spreadsheet reads as a formula."""
    if text and text[0] in FORMULA_START and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_cells(row: Iterable[str]) -> list[str]:
    """`csv_cell` of every cell of a row of texts."""
    return [csv_cell(c) for c in row]


def csv_frame(df):
    """A copy of a pandas frame with every text value through `csv_cell` (numbers untouched)."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    out = df.copy()
    for column in out.columns:
        values = out[column]
        if not (is_numeric_dtype(values) or is_bool_dtype(values)):  # object or string dtype
            out[column] = values.map(lambda v: csv_cell(v) if isinstance(v, str) else v)
    return out
