"""Limits, with clear errors: a turn longer than MAX_TURN_CHARS is rejected with its line in every
format; times that are not finite numbers are rejected; broken JSON is reported at the line and
column where it broke (a line cut short: at its end, not at column 1)."""

from __future__ import annotations

import json

import pytest

from checker.model import Call
from checker.read import RoleMap, read_file
from checker.read.records import MAX_TURN_CHARS

ROLES = RoleMap.build()
LONG = "话" * (MAX_TURN_CHARS + 1)
TOO_LONG = "text of 20,001 characters is longer than a turn may be (20,000): split the call into its turns"


def read(path):
    return list(read_file(path, ROLES))


def test_the_cap_is_20000_characters_and_a_turn_of_exactly_that_is_read(tmp_path):
    assert MAX_TURN_CHARS == 20_000
    path = tmp_path / "ok.jsonl"
    path.write_text(
        json.dumps({"call_id": "ok", "turns": [{"speaker": "agent", "text": "话" * 20_000}]}, ensure_ascii=False),
        encoding="utf-8",
    )
    (call,) = read(path)
    assert isinstance(call, Call) and len(call.turns[0].text) == 20_000


def test_a_long_turn_is_rejected_with_its_line_in_every_format(tmp_path):
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"call_id": "j1", "turns": [{"speaker": "agent", "text": "您好"}]})
        + "\n"
        + json.dumps(
            {"call_id": "j2", "turns": [{"speaker": "agent", "text": "您好"}, {"speaker": "customer", "text": LONG}]},
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    good, bad = read(tmp_path / "a.jsonl")
    assert isinstance(good, Call) and (bad.line, bad.call_id, bad.reason) == (2, "j2", f"turn 1: {TOO_LONG}")

    (tmp_path / "b.csv").write_text(
        f"call_id,speaker,text\nc1,坐席,您好\nc1,客户,{LONG}\nc2,坐席,您好\n", encoding="utf-8"
    )
    bad, good = read(tmp_path / "b.csv")
    assert (bad.line, bad.call_id, bad.reason) == (3, "c1", f"turn 1: {TOO_LONG}") and good.call_id == "c2"

    (tmp_path / "c.txt").write_text(f"坐席: 您好\n客户: {LONG}\n", encoding="utf-8")
    (bad,) = read(tmp_path / "c.txt")
    assert (bad.line, bad.reason) == (2, f"turn: {TOO_LONG}")

    (tmp_path / "d.txt").write_text("坐席: 您好\n客户: " + "话" * 30_000 + "\n", encoding="utf-8")
    (bad,) = read(tmp_path / "d.txt")  # refused before it is matched at all
    assert (bad.line, bad.reason) == (
        2,
        "line of 30,004 characters is longer than a turn may be (20,000): split the call into its turns",
    )


@pytest.mark.parametrize("value, shown", [("Infinity", "inf"), ("-Infinity", "-inf"), ("1e309", "inf"), ("NaN", "nan")])
def test_times_that_are_not_finite_are_rejected(tmp_path, value, shown):
    line = '{"call_id": "t", "turns": [{"speaker": "agent", "text": "您好", "start": 0, "end": %s}]}' % value
    (tmp_path / "t.jsonl").write_text("\n" + line + "\n", encoding="utf-8")
    (err,) = read(tmp_path / "t.jsonl")
    assert (err.line, err.reason) == (2, f"turn 0: end must be a finite, non-negative number of seconds, got {shown}")
    (tmp_path / "t.json").write_text(line, encoding="utf-8")
    (err,) = read(tmp_path / "t.json")
    assert err.reason == f"turn 0: end must be a finite, non-negative number of seconds, got {shown}"


def test_non_finite_times_in_csv_and_text(tmp_path):
    (tmp_path / "a.csv").write_text("call_id,speaker,text,start,end\nc1,坐席,您好,0,inf\n", encoding="utf-8")
    (err,) = read(tmp_path / "a.csv")
    assert (err.line, err.reason) == (2, "turn 0: end must be a finite, non-negative number of seconds, got 'inf'")
    (tmp_path / "b.txt").write_text("[00:01-" + "9" * 400 + "] 坐席: 您好\n", encoding="utf-8")
    (err,) = read(tmp_path / "b.txt")
    assert (
        err.line == 1 and err.reason.startswith("time 00:01-999") and err.reason.endswith(" is too large to be a time")
    )


def test_a_json_line_cut_short_is_reported_where_it_ends(tmp_path):
    whole = json.dumps({"call_id": "c", "turns": [{"speaker": "agent", "text": "您好"}]}, ensure_ascii=False)
    assert whole[:27] == '{"call_id": "c", "turns": ['
    lines = [whole, whole[:27], whole[:30], whole.replace('"c"', '"d"')]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    first, err, err2, last = read(tmp_path / "a.jsonl")
    assert (first.call_id, last.call_id) == ("c", "d")
    assert (err.line, err.reason) == (
        2,
        "broken JSON at column 28: Expecting value (the text ends before the JSON does: cut short?)",
    )
    assert (err2.line, err2.reason) == (
        3,
        "broken JSON at column 29: Unterminated string (the text ends before the JSON does: cut short?)",
    )
    (tmp_path / "b.jsonl").write_text('{"call_id": "x", "turns": [}\n', encoding="utf-8")
    (err,) = read(tmp_path / "b.jsonl")
    assert (err.line, err.reason) == (1, "broken JSON at column 28: Expecting value")


def test_a_json_file_reports_the_real_line_and_column(tmp_path):
    (tmp_path / "a.json").write_text('[\n  {"call_id": "a",\n   "turns": [}\n]\n', encoding="utf-8")
    (err,) = read(tmp_path / "a.json")
    assert (err.line, err.reason) == (3, "broken JSON at column 14: Expecting value")
    (tmp_path / "b.json").write_text('{\n  "call_id": "b",\n  "turns": [\n', encoding="utf-8")
    (err,) = read(tmp_path / "b.json")
    assert (err.line, err.reason) == (
        3,
        "broken JSON at column 13: Expecting value (the text ends before the JSON does: cut short?)",
    )
