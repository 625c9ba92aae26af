"""`Options` (how `when_meta` and metadata rules ask about every call) answers as comparing the
value with each option in turn did."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from checker.rules.base import Options


def _same(value, wanted) -> bool:
    """The comparison, one option at a time (what the rules did before `Options`)."""
    if value is None:
        return wanted is None
    if isinstance(wanted, bool) or isinstance(value, bool):
        return str(value).lower() == str(wanted).lower()
    return str(value) == str(wanted)


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False, width=16),
    st.sampled_from(["inbound", "True", "true", "FALSE", "None", "none", "1", "1.0", "", "投诉"]),
)


@given(st.lists(VALUES, max_size=4), VALUES)
def test_options_agree_with_same(options, value):
    assert (value in Options(options)) == any(_same(value, o) for o in options)


@pytest.mark.parametrize(
    "options, value, found",
    [
        (["inbound", "outbound"], "inbound", True),
        (["inbound"], "Inbound", False),  # text compares as written
        (["true"], True, True),  # a YAML true and the text "true"/"TRUE" are the same answer
        ([True], "TRUE", True),
        ([None], None, True),
        (["None"], None, False),  # a missing field is not the text "None"
        (["1.0"], 1, False),  # numbers compare as their text: 1 is "1"
        ([1], "1", True),
        ([], "inbound", False),
    ],
)
def test_options_known_answers(options, value, found):
    assert (value in Options(options)) is found
