"""report.xlsx's streamed rows: every cell is the CSV value it was made from, typed by column."""

from __future__ import annotations

import orjson
from hypothesis import example, given, settings, strategies as st

from checker.report.sheet_rows import EXCEL_MAX_CELL, ILLEGAL_XML, RecordValues, cell_kinds, row_values
from checker.report.tables import text_cells

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
        else:  # written as text: the value, cleaned of what XML cannot hold (nothing left: empty)
            assert cell == (ILLEGAL_XML.sub("", value)[:EXCEL_MAX_CELL] or None)
            assert kind != "b" or value not in ("true", "false")


FINDING = {
    "call_id": "c1",
    "agent_id": None,
    "rule_id": "taboo",
    "turn": 0,
    "start": 12.5,
    "matched": "",
    "excerpt": "喂，说吧\x01",
    "deduct": 5.0,
    "fatal": False,
}


def test_a_findings_record_as_the_sheet_holds_it():
    columns = list(FINDING)
    assert RecordValues(columns, frozenset({"turn"}))(FINDING) == [
        "c1",
        None,
        "taboo",
        1,  # counted from 1 in the sheet
        12.5,
        None,  # empty text: an empty cell
        "喂，说吧",  # cleaned of what XML cannot hold
        5.0,
        False,
    ]
    assert RecordValues(["excerpt", "missing"])({"excerpt": "x" * (EXCEL_MAX_CELL + 3)}) == [
        "x" * EXCEL_MAX_CELL,
        None,
    ]


@example({"excerpt": "", "turn": None, "deduct": 0.0, "fatal": False, "suggest": "\x01"})  # nothing left: empty
@given(
    st.fixed_dictionaries(
        {
            "excerpt": TEXT,
            "turn": st.one_of(st.none(), st.integers(0, 400)),
            "deduct": st.floats(allow_nan=False, allow_infinity=False),
            "fatal": st.booleans(),
            "suggest": st.one_of(st.none(), TEXT),
        }
    )
)
@settings(max_examples=500)
def test_a_record_reads_as_its_csv_row_would(record):
    """The Findings sheet is made from findings.jsonl's records, the Calls sheet from CSV cells:
    both paths give a record the same cells (turn counted from 1 in the sheet)."""
    columns = list(record)
    from_record = RecordValues(columns, frozenset({"turn"}))(record)
    shifted = {**record, "turn": None if record["turn"] is None else record["turn"] + 1}
    from_csv = orjson.loads(row_values(cell_kinds(columns), text_cells([shifted[c] for c in columns])))
    assert from_record == from_csv  # 4 == 4.0: a number is a number in the sheet either way
