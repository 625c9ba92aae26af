"""`metadata` rules: equals / not_in / outside_hours on a call field or metadata value."""

import pytest

from checker.engine import audit_call
from checker.model import Call, Turn
from checker.rules.metadata import parse_hours, time_of_day
from checker.yamlpos import SchemeError

from ..conftest import call_from, scheme_from

HANGUP = """
rules:
  - id: agent-hangup-first
    kind: metadata
    section: 结束语
    field: hangup_by
    equals: agent
    deduct: 3
    message: 坐席先于客户挂机
"""

CALLBACK = """
rules:
  - id: callback-hours
    kind: metadata
    section: 通话规范
    when_meta: {direction: outbound}
    field: started_at
    outside_hours: ["09:00-11:00", "16:00-18:00"]
    message: 外呼不在推荐时段
"""

TURNS = "坐席: 您好，我是星联通信客服代表，给您做一个回访。\n客户: 好的。"


def run(scheme_yaml, headers):
    scheme = scheme_from(scheme_yaml)
    head = "".join(f"# {k}: {v}\n" for k, v in headers.items())
    result = audit_call(call_from(head + TURNS, scheme), scheme)
    return list(result.findings), result.not_applicable


def test_equals_fires_with_a_call_level_finding():
    findings, na = run(HANGUP, {"hangup_by": "agent"})
    assert na == ()
    assert len(findings) == 1
    f = findings[0]
    assert (f.rule_id, f.kind, f.turn, f.deduct) == ("agent-hangup-first", "metadata", None, 3)
    assert f.message == "坐席先于客户挂机（hangup_by: agent）"
    assert f.details == {"field": "hangup_by", "value": "agent"}


def test_equals_does_not_fire_on_another_value():
    assert run(HANGUP, {"hangup_by": "customer"}) == ([], ())


@pytest.mark.parametrize("headers", [{}, {"hangup_by": ""}])
def test_missing_field_is_not_applicable_not_passed(headers):
    assert run(HANGUP, headers) == ([], ("agent-hangup-first",))


def test_equals_a_list_and_call_fields():
    scheme = HANGUP.replace("field: hangup_by", "field: team").replace("equals: agent", "equals: [夜班, 外包]")
    assert len(run(scheme, {"team": "外包"})[0]) == 1
    assert run(scheme, {"team": "白班"})[0] == []


def test_equals_compares_as_text_like_when_meta():
    scheme = HANGUP.replace("field: hangup_by", "field: transferred").replace("equals: agent", "equals: true")
    assert len(run(scheme, {"transferred": "True"})[0]) == 1
    assert run(scheme, {"transferred": "false"})[0] == []


def test_not_in():
    scheme = HANGUP.replace("equals: agent", "not_in: [customer, system]")
    assert run(scheme, {"hangup_by": "customer"})[0] == []
    assert run(scheme, {"hangup_by": "system"})[0] == []
    findings, _ = run(scheme, {"hangup_by": "agent"})
    assert len(findings) == 1


@pytest.mark.parametrize(
    "started_at, fires",
    [
        ("2026-11-05T08:59:59+08:00", True),
        ("2026-11-05T09:00:00+08:00", False),  # ranges include their start
        ("2026-11-05T10:59:59+08:00", False),
        ("2026-11-05T11:00:00+08:00", True),  # ... and exclude their end
        ("2026-11-05T13:30:00+08:00", True),
        ("2026-11-05T16:00:00+08:00", False),
        ("2026-11-05T17:59:00+08:00", False),
        ("2026-11-05T18:00:00+08:00", True),
        ("2026-11-05T20:15:00+08:00", True),
        ("2026-11-05 09:30", False),
    ],
)
def test_outside_hours_edges(started_at, fires):
    findings, na = run(CALLBACK, {"direction": "outbound", "started_at": started_at})
    assert bool(findings) is fires and na == ()
    if fires:
        assert findings[0].message.endswith(f"（started_at: {started_at[11:16]}）")


@pytest.mark.parametrize("zone", ["Z", "+00:00", "-05:00", ""])
def test_outside_hours_reads_the_local_time_as_written(zone):
    # 10:00 as written is inside 09:00-11:00 whatever the zone; no conversion to any other zone.
    assert run(CALLBACK, {"direction": "outbound", "started_at": f"2026-11-05T10:00:00{zone}"}) == ([], ())


def test_outside_hours_follows_when_meta():
    late = "2026-11-05T20:15:00+08:00"
    assert run(CALLBACK, {"direction": "inbound", "started_at": late}) == ([], ())
    assert run(CALLBACK, {"started_at": late}) == ([], ())  # no direction: not an outbound call
    assert len(run(CALLBACK, {"direction": "outbound", "started_at": late})[0]) == 1


def test_outside_hours_without_started_at_is_not_applicable():
    assert run(CALLBACK, {"direction": "outbound"}) == ([], ("callback-hours",))


def test_outside_hours_field_defaults_to_started_at():
    scheme = CALLBACK.replace("    field: started_at\n", "")
    assert len(run(scheme, {"direction": "outbound", "started_at": "2026-11-05T12:00:00+08:00"})[0]) == 1


def test_outside_hours_on_a_metadata_time_and_unreadable_values():
    scheme = CALLBACK.replace("field: started_at", "field: callback_at").replace(
        "    when_meta: {direction: outbound}\n", ""
    )
    assert run(scheme, {"callback_at": "10:30"})[0] == []
    assert len(run(scheme, {"callback_at": "19:05:00"})[0]) == 1
    assert run(scheme, {"callback_at": "tonight"}) == ([], ("callback-hours",))


def test_range_across_midnight():
    scheme = CALLBACK.replace('["09:00-11:00", "16:00-18:00"]', '["22:00-06:00"]').replace(
        "    when_meta: {direction: outbound}\n", ""
    )
    assert run(scheme, {"started_at": "2026-11-05T23:30:00"})[0] == []
    assert run(scheme, {"started_at": "2026-11-05T05:59:00"})[0] == []
    assert len(run(scheme, {"started_at": "2026-11-05T06:00:00"})[0]) == 1


def test_native_call_metadata_values():
    scheme = scheme_from(HANGUP)
    call = Call("c1", (Turn("agent", "您好"),), metadata={"hangup_by": "agent"})
    assert len(audit_call(call, scheme).findings) == 1


def test_parse_hours_and_time_of_day():
    assert parse_hours("09:00-11:00") == (9 * 3600, 11 * 3600)
    assert parse_hours("9:30 – 24:00") == (9 * 3600 + 1800, 24 * 3600)
    assert time_of_day("2026-11-05T20:15:30+08:00") == 20 * 3600 + 15 * 60 + 30
    assert time_of_day("nonsense") is None


@pytest.mark.parametrize(
    "hours, error",
    [
        ('["9-11"]', "must look like"),
        ('["09:00-11:60"]', "11:60 is not a time of day"),
        ('["25:00-26:00"]', "25:00 is not a time of day"),
        ('["24:00-06:00"]', "24:00 is not a time of day"),
        ('["09:00-09:00"]', "empty or the whole day"),
        ("[]", "at least 1 item"),
    ],
)
def test_bad_hours_are_reported_at_the_item(hours, error):
    text = (
        "rules:\n  - id: m\n    kind: metadata\n    section: s\n    message: m\n"
        f"    field: started_at\n    outside_hours: {hours}\n"
    )
    with pytest.raises(SchemeError) as exc:
        scheme_from(text, name="m.yaml")
    assert len(exc.value.problems) == 1
    problem = exc.value.problems[0]
    assert error in problem
    assert problem.startswith("m.yaml:7:")  # the outside_hours line (the item itself when there is one)
    if hours != "[]":
        assert problem.startswith("m.yaml:7:21:")


@pytest.mark.parametrize(
    "keys, error",
    [
        ("field: hangup_by", "exactly one of equals, not_in, outside_hours"),
        ("field: hangup_by\n    equals: agent\n    not_in: [customer]", "exactly one of equals, not_in"),
        ("equals: agent", "needs `field`"),
        ("field: hangup_by\n    equals: agent\n    window: {first_turns: 1}", "takes no window"),
        ("field: hangup_by\n    equal: agent", "unknown key 'equal'"),
        ("field: hangup_by\n    not_in: []", "not_in: List should have at least 1 item"),
    ],
)
def test_bad_metadata_config(keys, error):
    text = f"rules:\n  - id: m\n    kind: metadata\n    section: s\n    message: m\n    {keys}\n"
    with pytest.raises(SchemeError) as exc:
        scheme_from(text, name="m.yaml")
    assert error in str(exc.value)
    assert str(exc.value).startswith("m.yaml:")
