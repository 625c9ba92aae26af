"""`repetition`: a turn repeating an earlier one of the same (self) or the other (other) side."""

import pytest

from checker.engine import audit_call
from checker.similarity import dice

from ..conftest import call_from, scheme_from


def rule(**keys):
    extra = "".join(f"\n    {k}: {v}" for k, v in keys.items())
    return f"""
rules:
  - id: repeat
    kind: repetition
    section: 表达
    message: 坐席重复话术{extra}
"""


def run(scheme_yaml, transcript):
    scheme = scheme_from(scheme_yaml)
    return list(audit_call(call_from(transcript, scheme), scheme).findings)


def test_self_repetition_points_at_the_repeating_turn():
    findings = run(
        rule(),
        """
        坐席: 请您提供一下手机号码。
        客户: 嗯。
        坐席: 请您提供一下手机号码好吗？
    """,
    )
    assert [(f.turn, f.matched) for f in findings] == [(2, "请您提供一下手机号码好吗？")]
    # 请您提供一下手机号码 (9 bigrams) against 请您提供一下手机号码好吗 (11): 2·9/20
    assert findings[0].details == {"repeats_turn": 0, "score": 0.9}
    assert findings[0].message == "坐席重复话术（与第 0 轮相似度 0.90）"


def test_a_score_just_under_min_score_does_not_fire():
    a, b = "请您提供一下手机号码", "请您提供一下手机号码好吗"
    assert dice(a, b) == pytest.approx(0.9)
    text = f"坐席: {a}\n坐席: {b}"
    assert run(rule(min_score=0.91), text) == []
    assert len(run(rule(min_score=0.9), text)) == 1


def test_of_other_is_parroting_the_customer():
    text = """
        客户: 我的宽带从昨天开始断网了。
        坐席: 您的宽带从昨天开始断网了。
    """
    assert run(rule(), text) == []  # of: self — the agent never said it before
    findings = run(rule(of="other"), text)
    assert [f.turn for f in findings] == [1]


def test_short_turns_and_the_look_back():
    assert run(rule(), "坐席: 好的。\n坐席: 好的。") == []  # under min_chars 4
    far = "坐席: 请您提供一下手机号码。\n" + "客户: 嗯。\n坐席: 嗯嗯。\n" * 3 + "坐席: 请您提供一下手机号码。"
    assert run(rule(within_turns=6), far) == []  # 7 turns back
    assert [f.turn for f in run(rule(within_turns=7), far)] == [7]


def test_window_limits_the_repeating_turns():
    text = "坐席: 感谢您的来电再见。\n坐席: 感谢您的来电再见。\n客户: 好。"
    assert [f.turn for f in run(rule(), text)] == [1]
    assert run(rule(window="{first_turns: 1}"), text) == []
