"""`Turns` keeps a call's turns by column but behaves as the tuple of its `Turn`s."""

import pickle

import pytest

from checker.model import Call, Turn, Turns

TURNS = (
    Turn("agent", "您好，请问有什么可以帮您？", 0.0, 3.5, line=2, extra={"channel": 0, "emotion": "neutral"}),
    Turn("customer", "我想查一下话费。", 4.0, 6.0, line=3),
    Turn("agent", "好的，请稍等。", 6.5, 8.0, line=4, extra={"silence_before": 0.5}),
)


@pytest.fixture
def call():
    return Call("c1", TURNS, agent_id="A001")


def test_call_turns_compare_equal_to_the_tuple_of_turns(call):
    assert isinstance(call.turns, Turns)
    assert call.turns == TURNS
    assert call.turns == list(TURNS)
    assert hash(call.turns) == hash(TURNS)  # equal to the tuple, so hashed as the tuple
    assert call.turns != TURNS[:2]
    assert call.turns != (TURNS[0], TURNS[1], Turn("agent", "好的，请稍等。", 6.5, 9.0, line=4))
    assert call == Call("c1", TURNS, agent_id="A001")
    assert call == Call("c1", Turns.of(TURNS), agent_id="A001")
    assert call != Call("c1", TURNS[:2], agent_id="A001")


def test_indexing_slicing_iteration_and_len(call):
    turns = call.turns
    assert len(turns) == 3
    assert turns[0] == TURNS[0] and turns[1] == TURNS[1] and turns[2] == TURNS[2]
    assert turns[-1] == TURNS[2] and turns[-3] == TURNS[0]
    assert turns[-1] is turns[2]  # made once, whichever way it is asked for
    with pytest.raises(IndexError):
        turns[3]
    part = turns[1:]
    assert isinstance(part, tuple) and part == TURNS[1:]
    assert all(isinstance(t, Turn) for t in part)
    assert turns[::-1] == TURNS[::-1]
    assert turns[5:] == ()
    assert list(turns) == list(TURNS)
    assert [t.text for t in turns] == [t.text for t in TURNS]
    assert turns.speakers == ["agent", "customer", "agent"]
    assert turns.starts == [0.0, 4.0, 6.5] and turns.ends == [3.5, 6.0, 8.0]


def test_columns_built_turns_equal_turn_objects():
    turns = Turns(["agent", "customer"], ["您好", "嗯"], [0.0, 1.0], [1.0, 2.0], [5, 6], [{"channel": 1}, {}])
    assert turns == (Turn("agent", "您好", 0.0, 1.0, 5), Turn("customer", "嗯", 1.0, 2.0, 6))
    assert turns[0].extra == {"channel": 1} and turns[1].extra == {}
    assert turns[-1].line == 6
    assert turns[-1] is turns[1]  # a negative index makes (and keeps) the same Turn
    bare = Turns(["agent"], ["您好"])
    assert bare == (Turn("agent", "您好"),)
    assert bare[0].start is None and bare[0].line is None and bare[0].extra == {}


def test_has_timestamps_only_when_every_turn_has_start_and_end():
    assert Call("c", TURNS).has_timestamps
    assert not Call("c", (Turn("agent", "您好"),)).has_timestamps
    assert not Call("c", (TURNS[0], Turn("customer", "嗯", 4.0, None))).has_timestamps
    assert not Call("c", (TURNS[0], Turn("customer", "嗯", None, 5.0))).has_timestamps
    assert Call("c", (Turn("agent", "您好", 0, 0),)).has_timestamps  # zero is a time
    assert not Call("c", Turns([], [])).has_timestamps  # no turns: nothing is timed


def test_pickle_round_trip_keeps_equality_lines_and_extras(call):
    back = pickle.loads(pickle.dumps(call))
    assert back == call
    assert back.turns == TURNS
    assert back.turns.lines == [2, 3, 4]
    assert back.turns.extras == [t.extra for t in TURNS]
    assert [t.line for t in back.turns] == [2, 3, 4]
    assert [t.extra for t in back.turns] == [t.extra for t in TURNS]
    assert back.has_timestamps
    columns = Turns(["agent"], ["您好"])
    assert pickle.loads(pickle.dumps(columns)) == columns
    assert pickle.loads(pickle.dumps(columns)).lines is None


def test_turns_of_keeps_the_given_turn_objects():
    turns = Turns.of(TURNS)
    assert all(turns[i] is TURNS[i] for i in range(len(TURNS)))
    assert all(a is b for a, b in zip(turns, TURNS))
    assert turns[-1] is TURNS[-1]
    assert Turns.of(turns) is turns
    call = Call("c", TURNS)
    assert call.turns[0] is TURNS[0]
    assert Turns.of(iter(TURNS))[1] is TURNS[1]  # any iterable of Turns


def test_turn_extra_and_line_survive():
    call = Call("c", TURNS)
    assert call.turns[0].extra == {"channel": 0, "emotion": "neutral"}
    assert call.turns[2].extra == {"silence_before": 0.5}
    assert call.turns[1].extra == {}
    assert [t.line for t in call.turns] == [2, 3, 4]
    assert call.turns.lines == [2, 3, 4]
    assert call.turns.extras == [TURNS[0].extra, {}, TURNS[2].extra]
    no_lines = Call("c", (Turn("agent", "您好"), Turn("customer", "嗯")))
    assert no_lines.turns.lines is None and no_lines.turns.extras is None
    # `extra` is not part of equality: the same turn with other facts is the same turn
    assert Turn("agent", "您好", extra={"channel": 1}) == Turn("agent", "您好")
    # JSON round trip through the call keeps them too
    again = Call.from_json(call.to_json())
    assert again.turns == TURNS
    assert [t.extra for t in again.turns] == [t.extra for t in TURNS]
    assert [t.line for t in again.turns] == [2, 3, 4]
