"""`build_call`'s column path (`_fast_turns`) gives exactly what the turn-by-turn path
(`build_turn`) gives: the same Call for a good record, the same RecordError for a bad one."""

import math
from unittest import mock

import pytest
from hypothesis import example, given, settings, strategies as st

from checker.model import Call, Turn, Turns
from checker.read import records
from checker.read.records import build_call, build_turn
from checker.read.roles import RecordError, RoleMap

ROLES = RoleMap.build()
NAN = float("nan")


def outcome(fn):
    """("call", value) or ("error", type, message, line): what building gave."""
    try:
        return ("call", fn())
    except RecordError as exc:
        return ("error", "RecordError", str(exc), exc.line)
    except Exception as exc:  # noqa: BLE001 - any other exception must be the same on both paths
        return ("error", type(exc).__name__, str(exc), None)


def fast(record):
    return outcome(lambda: build_call(record, ROLES, "f.jsonl", 3))


def slow(record):
    """`build_call` with the column path switched off: every turn through `build_turn`."""
    with mock.patch.object(records, "_fast_turns", lambda raw, roles: None):
        return outcome(lambda: build_call(record, ROLES, "f.jsonl", 3))


def turn_by_turn(record):
    return outcome(lambda: tuple(build_turn(t, ROLES, 3, i) for i, t in enumerate(record["turns"])))


def same_types(values):
    return [type(v) for v in values]


def check_paths_agree(record):
    got, reference = fast(record), slow(record)
    turns = turn_by_turn(record)
    if got[0] == "error" or reference[0] == "error":
        assert got == reference
        if got[1] == "RecordError":
            assert turns[0] == "error" and turns[2] == got[2]  # the error is a turn's
        return None
    call, ref = got[1], reference[1]
    assert turns[0] == "call"
    assert call.turns == turns[1]
    assert call == ref
    assert isinstance(call.turns, Turns)
    for column in ("speakers", "texts", "starts", "ends", "lines", "extras"):
        assert getattr(call.turns, column) == getattr(ref.turns, column), column
    # floats on both paths (an int time is read as seconds, 3 → 3.0)
    assert same_types(call.turns.starts) == same_types(ref.turns.starts)
    assert same_types(call.turns.ends) == same_types(ref.turns.ends)
    assert all(v is None or type(v) is float for v in call.turns.starts + call.turns.ends)
    assert (call.call_id, call.source, call.line, call.metadata) == (ref.call_id, "f.jsonl", 3, ref.metadata)
    assert call.has_timestamps == ref.has_timestamps
    return call


def record_of(*turns, **fields):
    return {"call_id": "c1", **fields, "turns": list(turns)}


def turn(speaker="agent", text="您好", **times):
    return {"speaker": speaker, "text": text, **times}


# -- examples ---------------------------------------------------------------------------------

GOOD = [
    record_of(turn(start=0, end=2), turn("customer", "嗯", start=2.5, end=4)),  # int and float
    record_of(turn(start=0.0, end=1.5), turn("customer", "嗯", start=2.0, end=3.0)),  # all floats
    record_of(turn(), turn("customer", "嗯")),  # no times
    record_of(turn(start=None, end=None), turn("customer", "嗯", start=1, end=None)),  # None and mixed
    record_of(turn(start=0), turn("customer", "嗯", end=3.5)),  # start only, end only
    record_of(turn(start=1, end=1)),  # zero length
    record_of(turn(start=-0.0, end=0.0)),
    record_of(turn("坐席", "您好"), turn("客户", "查话费")),
    record_of(turn("客戶", "查話費")),  # traditional label: normalised to 客户
    record_of(turn("ＡＧＥＮＴ", "您好")),  # full-width label: normalised to agent
    record_of(turn("A", "您好"), turn(" customer ", "嗯")),  # upper case, spaces around
    record_of({"role": "agent", "text": "您好", "start": 0, "end": 1}),  # `role` instead of `speaker`
    record_of(turn(start="1.5", end=2)),  # a numeric string: read as seconds
    record_of(turn(start="", end="")),  # empty strings: no time
    record_of(turn(start=0, end=1, channel=0, emotion="calm")),  # extra keys in a turn
    record_of(turn(start=0, end=1), agent_id="A001", queue="billing", metadata={"x": 1}),
    record_of(turn(text="")),
]

BAD = [
    record_of(turn(start=-1, end=2)),  # negative
    record_of(turn(start=0, end=-0.5)),
    record_of(turn(start=NAN, end=2.0)),  # NaN
    record_of(turn(start=0.0, end=NAN)),
    record_of(turn(start=0, end=1), turn(start=NAN)),
    record_of(turn(start=True, end=2)),  # a bool is not a time
    record_of(turn(start=0, end=False)),
    record_of(turn(start="abc", end=2)),
    record_of(turn(start=[1], end=2)),
    record_of(turn(start=3, end=1)),  # end before start
    record_of(turn(start=0, end=1), turn(start=3.5, end=1.0)),
    record_of(turn(start="3", end=1)),
    record_of(turn(start=-math.inf)),
    record_of(turn(start=math.inf, end=math.inf)),  # infinite times (JSON's Infinity, 1e309)
    record_of(turn(start=0.0, end=math.inf)),
    record_of(turn(start=0, end=1), turn(start=2, end=10**400)),  # an integer past any float
    record_of(turn(text="话" * 20_001)),  # longer than a turn may be
    record_of(turn("路人", "嗯")),  # unknown label
    record_of(turn("", "嗯")),
    record_of(turn(None, "嗯")),
    record_of(turn(["agent"], "嗯")),  # unhashable label
    record_of({"text": "您好"}),  # no speaker at all
    record_of({"speaker": None, "role": "agent", "text": "您好"}),  # speaker written as null
    record_of("坐席: 您好"),  # not an object
    record_of(turn(), None),
    record_of(turn(text=None)),  # text not a string
    record_of(turn(text=12)),
    record_of({"speaker": "agent"}),
    record_of(turn(start=1, end=0), turn("路人")),  # two errors: the first turn's is told
    record_of(turn("路人"), turn(start=-1)),
]


@pytest.mark.parametrize("record", GOOD, ids=range(len(GOOD)))
def test_good_records_same_call_on_both_paths(record):
    assert check_paths_agree(record) is not None


@pytest.mark.parametrize("record", BAD, ids=range(len(BAD)))
def test_bad_records_same_error_on_both_paths(record):
    got = fast(record)
    assert got[0] == "error" and got[1] == "RecordError"
    assert got[3] == 3  # the record's line
    check_paths_agree(record)


def test_values_read_from_the_columns():
    call = check_paths_agree(record_of(turn("客戶", "查話費", start=1, end="2.5"), turn("ＡＧＥＮＴ", "好的", start=3)))
    assert call.turns == (Turn("customer", "查話費", 1.0, 2.5), Turn("agent", "好的", 3.0, None))
    assert not call.has_timestamps
    call = check_paths_agree(record_of(turn(start=0, end=2), turn("C", "嗯", start=2.5, end=4)))
    assert call.turns.starts == [0.0, 2.5] and call.turns.ends == [2.0, 4.0]
    assert call.has_timestamps


def test_error_messages_name_the_turn():
    assert fast(record_of(turn(start=0, end=1), turn(start=NAN)))[2] == (
        "turn 1: start must be a finite, non-negative number of seconds, got nan"
    )
    assert fast(record_of(turn(start=True)))[2] == "turn 0: start must be a number of seconds, got True"
    assert fast(record_of(turn(start=3.0, end=1.0)))[2] == "turn 0: end 1.0 is before start 3.0"
    assert fast(record_of(turn(text=12)))[2] == "turn 0: text must be a string, got int"
    assert fast(record_of("x"))[2] == "turn 0: a turn is an object with speaker and text"
    assert fast(record_of(turn("路人")))[2].startswith("unknown speaker label '路人'")


def test_end_before_start_message_with_integer_times_as_before():
    assert fast(record_of(turn(start=3, end=1)))[2] == "turn 0: end 1.0 is before start 3.0"


# -- generated records ------------------------------------------------------------------------

LABELS = st.sampled_from(
    [
        "agent",
        "customer",
        "坐席",
        "客户",
        "客戶",
        "ＡＧＥＮＴ",
        "A",
        "c",
        " agent ",
        "系统",
        "路人",
        "",
        "  ",
        None,
        1,
        True,
    ]
)
TIMES = st.one_of(
    st.none(),
    st.integers(-3, 100),
    st.floats(-2, 100, allow_nan=False),
    st.sampled_from([NAN, math.inf, -math.inf, -0.0, True, False, "1.5", "", "abc", "-1", "nan", "inf", [1], {}]),
)
ABSENT = object()


@st.composite
def turn_dicts(draw):
    if draw(st.integers(0, 30)) == 0:
        return draw(st.sampled_from(["坐席: 您好", None, 3, ["agent", "您好"]]))  # not an object
    out = {}
    key = draw(st.sampled_from(["speaker"] * 8 + ["role", "both", "none"]))
    if key in ("speaker", "both"):
        out["speaker"] = draw(LABELS)
    if key in ("role", "both"):
        out["role"] = draw(LABELS)
    text = draw(st.one_of(st.text("您好请问說吧 ，", max_size=6), st.sampled_from([None, 1, ABSENT])))
    if text is not ABSENT:
        out["text"] = text
    for name in ("start", "end"):
        value = draw(st.one_of(TIMES, st.just(ABSENT)))
        if value is not ABSENT:
            out[name] = value
    if draw(st.booleans()):
        out["channel"] = draw(st.integers(0, 1))
    return out


# Well-formed turns (the usual record), so that many generated records get past the checks.
GOOD_TURN = st.builds(
    lambda speaker, text, start, length: {
        "speaker": speaker,
        "text": text,
        "start": start,
        "end": None if start is None or length is None else start + length,
    },
    st.sampled_from(["agent", "customer", "坐席", "客户"]),
    st.text("您好请问", max_size=4),
    st.one_of(st.none(), st.integers(0, 50), st.floats(0, 50)),
    st.one_of(st.none(), st.integers(0, 5), st.floats(0, 5)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(GOOD_TURN, turn_dicts()), min_size=1, max_size=6))
@example([{"speaker": "agent", "text": "x", "start": "1.5", "end": 2}])
@example([{"speaker": "agent", "text": "x", "start": 0, "end": 1}, {"speaker": "agent", "text": "x", "start": NAN}])
@example([{"speaker": "客戶", "text": "x", "start": 1, "end": 0.5}])
def test_generated_records_same_on_both_paths(turns):
    check_paths_agree({"call_id": "g", "turns": turns})


# -- an integer too large for a float ---------------------------------------------------------


def test_huge_integer_time_is_a_record_error():
    with pytest.raises(RecordError, match="turn 0: start"):
        build_call(record_of(turn(start=10**400)), ROLES, "f.jsonl", 3)


def test_huge_integer_time_fails_the_same_on_both_paths():
    """Whatever a huge integer does, it does the same on both paths."""
    record = record_of(turn(start=10**400, end=10**401))
    assert fast(record) == slow(record)
    kind, error, message, line = fast(record)
    assert (kind, error, line) == ("error", "RecordError", 3)
    assert message.startswith("turn 0: start must be a number of seconds, got 1000000000")


def test_build_call_builds_a_call():
    call = build_call(record_of(turn(start=0, end=1)), ROLES, "f.jsonl", 3)
    assert isinstance(call, Call) and call.source == "f.jsonl" and call.line == 3
