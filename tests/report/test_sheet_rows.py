"""report.xlsx's streamed rows: every cell reads back as the CSV value it was made from."""
from __future__ import annotations

from xml.etree import ElementTree

from hypothesis import given, strategies as st

from checker.report.sheet_rows import EXCEL_MAX_CELL, ILLEGAL_XML, cell_kinds, row_xml

XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
COLUMNS = ["call_id", "score", "passed", "excerpt", "turn", "message"]
TEXT = st.text(st.sampled_from(list('您好ab1 ,&<>"\n\t\u3000\x01\ue000-.')), max_size=8)
VALUES = {
    "s": TEXT,
    "n": st.one_of(st.integers(-5, 500).map(str), st.floats(allow_nan=False, allow_infinity=False).map(repr), TEXT),
    "b": st.sampled_from(["true", "false", "", "maybe"]),
}


@given(st.tuples(*(VALUES[k] for k in cell_kinds(COLUMNS))))
def test_cells_read_back_as_their_values(row):
    kinds = cell_kinds(COLUMNS)
    cells = list(ElementTree.fromstring(f'<row>{row_xml(kinds, list(row))}</row>'))
    assert len(cells) == len(row)
    for kind, value, cell in zip(kinds, row, cells):
        if not value:
            assert cell.tag == "c" and not len(cell)
            continue
        t = cell.find("is/t")
        if t is not None:  # written as text: the value, cleaned of what XML cannot hold
            expected = ILLEGAL_XML.sub("", value)[:EXCEL_MAX_CELL]
            assert (t.text or "") == expected
            if expected != expected.strip(" \t\n\r\u3000\u00a0") or "  " in expected or "\n" in expected:
                assert t.get(XML_SPACE) == "preserve"  # else a reader may trim or fold it
            assert kind != "b" or value not in ("true", "false")
        elif cell.get("t") == "b":
            assert kind == "b" and cell.findtext("v") == ("1" if value == "true" else "0")
        else:
            assert kind == "n" and float(cell.findtext("v")) == float(value)
