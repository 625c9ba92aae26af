"""The CSV text of the tabular reports: the direct join agrees with csv.writer on every row."""
from __future__ import annotations

import csv
import io

from hypothesis import given, strategies as st

from checker.report.tables import _CsvText

CELL = st.one_of(
    st.text(st.sampled_from(list('您好ab1 ,"\r\n\t;-')), max_size=6), st.integers(-5, 500), st.floats(allow_nan=False),
    st.none(), st.booleans(),
)


@given(st.lists(st.lists(CELL, min_size=1, max_size=5), max_size=3))
def test_csv_text_is_what_csv_writer_writes(rows):
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    assert _CsvText()(rows) == buf.getvalue()


def test_csv_text_quotes_what_needs_quotes():
    assert _CsvText()([["a", "b,c", 1.5, None, True]]) == 'a,"b,c",1.5,,True\r\n'
    assert _CsvText()([["您好", "说吧"], ["x", 'say "hi"']]) == '您好,说吧\r\nx,"say ""hi"""\r\n'
