"""`Options` (how `when_meta` and metadata rules ask about every call) answers as comparing the
value with each option in turn did."""
from __future__ import annotations

from hypothesis import given, strategies as st

from checker.rules.base import Options


def _same(value, wanted) -> bool:
    """The comparison, one option at a time (what the rules did before `Options`)."""
    if value is None:
        return wanted is None
    if isinstance(wanted, bool) or isinstance(value, bool):
        return str(value).lower() == str(wanted).lower()
    return str(value) == str(wanted)

VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, width=16),
                   st.sampled_from(["inbound", "True", "true", "FALSE", "None", "none", "1", "1.0", "", "投诉"]))


@given(st.lists(VALUES, max_size=4), VALUES)
def test_options_agree_with_same(options, value):
    assert (value in Options(options)) == any(_same(value, o) for o in options)
