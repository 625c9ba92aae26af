"""report.xlsx's streamed rows: every cell is the CSV value it was made from, typed by column."""

from __future__ import annotations

import orjson
from hypothesis import given, strategies as st

from checker.report.sheet_rows import EXCEL_MAX_CELL, ILLEGAL_XML, cell_kinds, row_values

COLUMNS = ["call_id", "score", "passed", "excerpt", "turn", "message"]
TEXT = st.text(st.sampled_from(list('您好ab1 ,&<>"\n\t\u3000\x01\ue000-.')), max_size=8)
VALUES = {
    "s": TEXT,
    "n": st.one_of(st.integers(-5, 500).map(str), st.floats(allow_nan=False, allow_infinity=False).map(repr), TEXT),
    "b": st.sampled_from(["true", "false", "", "maybe"]),
}


def test_known_row():
    kinds = cell_kinds(COLUMNS)
    assert kinds == ["s", "n", "b", "s", "n", "s"]
    line = row_values(kinds, ["=1+1", "85.5", "true", "  您好\x01 ", "", "12"])
    assert line.endswith(b"\n")
    assert orjson.loads(line) == ["=1+1", 85.5, True, "  您好 ", None, "12"]
    assert orjson.loads(row_values(kinds, ["c", "n/a", "maybe", "", "3", "x" * (EXCEL_MAX_CELL + 5)])) == [
        "c",
        "n/a",
        "maybe",
        None,
        3.0,
        "x" * EXCEL_MAX_CELL,
    ]


@given(st.tuples(*(VALUES[k] for k in cell_kinds(COLUMNS))))
def test_cells_read_back_as_their_values(row):
    kinds = cell_kinds(COLUMNS)
    cells = orjson.loads(row_values(kinds, list(row)))
    assert len(cells) == len(row)
    for kind, value, cell in zip(kinds, row, cells):
        if not value:
            assert cell is None
        elif isinstance(cell, bool):
            assert kind == "b" and cell == (value == "true")
        elif isinstance(cell, float):
            assert kind == "n" and cell == float(value)
        else:  # written as text: the value, cleaned of what XML cannot hold
            assert cell == ILLEGAL_XML.sub("", value)[:EXCEL_MAX_CELL]
            assert kind != "b" or value not in ("true", "false")
