"""`sequence` rules: every step present, in order (greedy, first occurrence after the previous step)."""

import pytest

from checker.engine import audit_call
from checker.yamlpos import SchemeError

from ..conftest import call_from, scheme_from

FLOW = """
lexicons:
  apology: [抱歉, 对不起, 不好意思]
rules:
  - id: complaint-flow
    kind: sequence
    section: 服务态度
    when_meta: {call_type: complaint}
    steps:
      - {name: 致歉, phrases: ["@apology"]}
      - {name: 核实, phrases: [请问, 确认一下]}
      - {name: 解决, phrases: [帮您反馈, 为您申请]}
      - {name: 致谢, phrases: [感谢]}
    deduct: 5
    message: 投诉处理流程不规范
"""


def run(transcript, scheme_yaml=FLOW):
    scheme = scheme_from(scheme_yaml)
    result = audit_call(call_from("# call_type: complaint\n" + transcript.strip(), scheme), scheme)
    return list(result.findings), result.not_applicable


GOOD = """
坐席: 您好，欢迎致电星联通信，工号3021。
客户: 我要投诉，你们装机师傅迟到了三个小时！
坐席: 非常抱歉耽误您的时间了。
客户: 约的九点，十二点才来。
坐席: 我跟您确认一下，是今天上午九点的装机预约对吗？
客户: 对。
坐席: 我马上帮您反馈给装维部门，并为您申请一个月的宽带费减免。
客户: 行吧。
坐席: 感谢您的理解，再见。
"""


def test_all_steps_in_order_passes():
    assert run(GOOD) == ([], ())


def test_missing_step_is_one_call_level_finding_naming_the_step():
    findings, _ = run("""
        坐席: 您好，欢迎致电星联通信，工号3021。
        客户: 我要投诉，你们装机师傅迟到了三个小时！
        坐席: 请问是哪天的预约？
        客户: 就今天上午。
        坐席: 我帮您反馈给装维部门。
        客户: 行吧。
        坐席: 感谢您的来电，再见。
    """)
    assert len(findings) == 1
    f = findings[0]
    assert f.turn is None and f.matched == ""
    assert f.message == "投诉处理流程不规范（缺少「致歉」）"
    assert f.details["missing"] == ["致歉"] and f.details["out_of_order"] == []
    assert [p["step"] for p in f.details["placed"]] == ["核实", "解决", "致谢"]


def test_step_before_the_previous_step_is_out_of_order_and_points_at_it():
    findings, _ = run("""
        坐席: 您好，请问有什么可以帮您？
        客户: 我要投诉，师傅迟到了。
        坐席: 我帮您反馈给装维部门。
        客户: 你们怎么回事。
        坐席: 不好意思，给您添麻烦了。
        客户: 哼。
        坐席: 请问还有别的问题吗？
        坐席: 感谢您的来电。
    """)
    # 致歉 is placed at turn 4; 核实 (请问) at turn 6; 解决 occurs only at turn 2, before 核实.
    assert len(findings) == 1
    f = findings[0]
    assert (f.turn, f.matched, f.speaker) == (2, "帮您反馈", "agent")
    assert f.message == "投诉处理流程不规范（「解决」出现在「核实」之前）"
    assert f.details["out_of_order"] == [{"step": "解决", "turn": 2, "before": "核实"}]
    assert f.details["missing"] == []


def test_greedy_takes_the_first_occurrence_after_the_previous_step():
    # 感谢 in the opening comes before everything; the closing 感谢 is the one that counts.
    findings, _ = run("""
        坐席: 感谢您致电星联通信，请问有什么可以帮您？
        客户: 我要投诉。
        坐席: 非常抱歉。
        坐席: 我跟您确认一下您的地址。
        坐席: 我帮您反馈。
        坐席: 感谢您的理解。
    """)
    # 请问 in turn 0 precedes the apology, but 确认一下 (turn 3) follows it: in order.
    assert findings == []


def test_thanks_only_in_the_opening_is_out_of_order():
    findings, _ = run("""
        坐席: 感谢您致电星联通信。
        客户: 我要投诉。
        坐席: 非常抱歉。
        坐席: 我跟您确认一下您的地址。
        坐席: 我帮您反馈，再见。
    """)
    assert [(f.turn, f.matched) for f in findings] == [(0, "感谢")]
    assert "「致谢」出现在「解决」之前" in findings[0].message


def test_several_problems_are_still_one_finding():
    findings, _ = run("""
        坐席: 感谢您的来电。
        客户: 我要投诉。
        坐席: 好的，我知道了。
    """)
    assert len(findings) == 1
    assert findings[0].details["missing"] == ["致歉", "核实", "解决"]
    # With nothing placed, the 感谢 is the first placed step, so it is in order.
    assert findings[0].message == "投诉处理流程不规范（缺少「致歉」、「核实」、「解决」）"


def test_steps_in_one_turn_count_in_reading_order():
    assert run("坐席: 抱歉，请问您的地址是？我帮您反馈，感谢。") == ([], ())
    findings, _ = run("坐席: 请问您的地址是？抱歉，我帮您反馈，感谢。")
    assert [(f.turn, f.matched) for f in findings] == [(0, "请问")]


def test_only_the_rule_speaker_counts():
    findings, _ = run("""
        客户: 不好意思，我要投诉。
        坐席: 请问什么问题？
        坐席: 我帮您反馈。
        坐席: 感谢。
    """)
    assert findings[0].details["missing"] == ["致歉"]


def test_when_meta_skips_other_calls():
    scheme = scheme_from(FLOW)
    result = audit_call(call_from("# call_type: inquiry\n坐席: 您好。\n客户: 查话费。", scheme), scheme)
    assert result.findings == () and result.not_applicable == ()


def test_window_limits_the_turns_searched():
    scheme = FLOW.replace("deduct: 5", "deduct: 5\n    window: {last_turns: 2}")
    findings, _ = run(GOOD, scheme)
    # Only the agent's last two turns (解决, 致谢) are searched.
    assert findings[0].details["missing"] == ["致歉", "核实"]


def test_default_step_names_quote_the_first_phrase():
    scheme = """
    rules:
      - id: s
        kind: sequence
        section: s
        message: 顺序不对
        steps:
          - {phrases: [您好]}
          - {regex: "再见|拜拜"}
    """
    findings, _ = run("坐席: 再见。\n坐席: 您好。", scheme)
    assert findings[0].message == "顺序不对（「步骤2（再见|拜拜）」出现在「步骤1（您好）」之前）"
    assert findings[0].matched == "再见"


@pytest.mark.parametrize(
    "steps, error",
    [
        ("[{phrases: [您好]}]", "steps: List should have at least 2 items"),
        ("[{phrases: [您好]}, {name: x}]", "steps.1: needs `phrases` or `regex`"),
        ("[{phrases: [您好]}, {phrase: [再见]}]", "unknown key 'phrase'"),
        ('[{phrases: [您好]}, {phrases: ["@nope"]}]', "steps[1].phrases[0]: unknown lexicon '@nope'"),
    ],
)
def test_bad_steps_are_scheme_errors(steps, error):
    text = f"rules:\n  - id: s\n    kind: sequence\n    section: s\n    message: m\n    steps: {steps}\n"
    with pytest.raises(SchemeError) as exc:
        scheme_from(text, name="s.yaml")
    assert error in str(exc.value)
    assert str(exc.value).startswith("s.yaml:")
