"""`response` rules: each trigger must be answered by the expected speaker within N turns / seconds."""

import pytest

from checker.engine import audit_call
from checker.yamlpos import SchemeError

from ..conftest import call_from, scheme_from

COMPLAINT = """
lexicons:
  complaint: [投诉, 怎么回事, 太差了, 不满意]
  apology: [抱歉, 对不起, 不好意思]
rules:
  - id: complaint-apology
    kind: response
    section: 服务态度
    when: {speaker: customer, phrases: ["@complaint"]}
    expect: {speaker: agent, phrases: ["@apology"], within_turns: 2}
    deduct: 5
    message: 客户投诉后坐席未致歉
"""

HOLD = """
lexicons:
  hold: [请稍等, 稍等一下]
  thanks: [感谢您的耐心等待, 让您久等了]
rules:
  - id: hold-thanks
    kind: response
    section: 服务态度
    when: {speaker: agent, phrases: ["@hold"]}
    expect: {speaker: agent, phrases: ["@thanks"], within_turns: 3}
    message: 等待后未致谢
"""


def run(scheme_yaml, transcript):
    scheme = scheme_from(scheme_yaml)
    result = audit_call(call_from(transcript, scheme), scheme)
    return list(result.findings), result.not_applicable


def test_unanswered_complaint_points_at_the_trigger_phrase():
    findings, na = run(
        COMPLAINT,
        """
        [00:00.00-00:04.00] 坐席: 您好，欢迎致电星联通信，请问有什么可以帮您？
        [00:04.50-00:09.00] 客户: 我这个月话费怎么多了五十块，这是怎么回事啊？
        [00:09.50-00:11.00] 坐席: 请您提供一下手机号码。
        [00:11.50-00:13.00] 客户: 13800001234。
        [00:13.50-00:16.00] 坐席: 我查一下，是国际漫游费。
    """,
    )
    assert len(findings) == 1
    f = findings[0]
    assert (f.rule_id, f.turn, f.speaker, f.start, f.matched) == ("complaint-apology", 1, "customer", 4.5, "怎么回事")
    text = "我这个月话费怎么多了五十块，这是怎么回事啊？"
    assert f.span == (text.index("怎么回事"), text.index("怎么回事") + 4)  # offsets in the original turn text
    assert "【怎么回事】" in f.excerpt
    assert f.message == "客户投诉后坐席未致歉"
    assert f.details["looked_at_turns"] == [2]  # the agent's turn among the next two
    assert na == ()


def test_apology_within_two_turns_answers_the_complaint():
    findings, _ = run(
        COMPLAINT,
        """
        坐席: 您好，请问有什么可以帮您？
        客户: 这是怎么回事啊，扣了我五十块！
        坐席: 非常抱歉给您带来困扰，我马上帮您查一下。
    """,
    )
    assert findings == []


@pytest.mark.parametrize(
    "turns_between, fires",
    [
        (0, False),  # apology is the next turn
        (1, False),  # apology is the second turn after the trigger: N = 2 still counts it
        (2, True),  # apology is the third turn: too late
    ],
)
def test_within_turns_counts_every_turn_after_the_trigger_whoever_speaks(turns_between, fires):
    filler = ["坐席: 请您提供一下手机号码。", "客户: 13800001234。"][:turns_between]
    lines = ["坐席: 您好。", "客户: 我要投诉，你们太差了。", *filler, "坐席: 对不起，给您添麻烦了。"]
    findings, _ = run(COMPLAINT, "\n".join(lines))
    assert bool(findings) is fires
    if fires:
        assert findings[0].turn == 1


def test_customer_turns_use_up_the_window():
    # The customer talks on for two turns; the apology in the third turn after is too late.
    findings, _ = run(
        COMPLAINT,
        """
        客户: 你们这服务太差了！
        客户: 上次也是这样。
        客户: 一直没人管。
        坐席: 不好意思，我来帮您处理。
    """,
    )
    # turn 0: next two are customer turns → fires; turn 1 has no trigger; turn 2 none.
    assert [f.turn for f in findings] == [0]


def test_apology_before_the_complaint_does_not_count():
    findings, _ = run(
        COMPLAINT,
        """
        坐席: 不好意思让您久等了，请问有什么可以帮您？
        客户: 我要投诉你们的装机师傅。
        坐席: 请问是哪天的预约？
        客户: 今天上午。
    """,
    )
    assert [f.turn for f in findings] == [1]


def test_an_apology_by_the_customer_does_not_count():
    findings, _ = run(
        COMPLAINT,
        """
        客户: 我要投诉。
        客户: 不好意思，我有点激动。
        坐席: 请问是什么问题？
    """,
    )
    assert [f.turn for f in findings] == [0]


def test_one_finding_per_trigger_turn():
    findings, _ = run(
        COMPLAINT,
        """
        坐席: 您好。
        客户: 这是怎么回事？你们太差了！
        坐席: 请您报一下号码。
        客户: 13800001234。
        坐席: 好的。
        客户: 我很不满意。
        坐席: 我看一下。
        客户: 嗯。
        坐席: 已经处理好了。
    """,
    )
    # Two trigger phrases in turn 1 are one complaint; turn 5 is a second one.
    assert [(f.turn, f.matched) for f in findings] == [(1, "怎么回事"), (5, "不满意")]


def test_each_trigger_has_its_own_window():
    findings, _ = run(
        COMPLAINT,
        """
        客户: 怎么回事？
        坐席: 请您报一下号码。
        客户: 太差了！
        坐席: 抱歉，我马上处理。
    """,
    )
    # Turn 0's window is turns 1-2 (no apology); turn 2's is turn 3 (apology).
    assert [f.turn for f in findings] == [0]


LAST_TURN = """
    坐席: 您的问题已经记录了，再见。
    客户: 这是怎么回事！
"""


def test_trigger_in_the_last_turn_fires_by_default():
    # SPEC "Timing options": unanswered_at_end defaults to fire; nobody answered in the turns there are.
    findings, _ = run(COMPLAINT, LAST_TURN)
    assert [(f.turn, f.matched) for f in findings] == [(1, "怎么回事")]
    assert findings[0].details["looked_at_turns"] == []


def test_trigger_in_the_last_turn_is_ignored_on_request():
    findings, _ = run(COMPLAINT.replace("deduct: 5", "deduct: 5\n    unanswered_at_end: ignore"), LAST_TURN)
    assert findings == []


def test_ignore_still_judges_a_trigger_whose_window_closed():
    scheme = COMPLAINT.replace("deduct: 5", "deduct: 5\n    unanswered_at_end: ignore")
    # Turn 1's window (turns 2-3) closes inside the call: judged; turn 3's runs past the end: not.
    findings, _ = run(
        scheme,
        """
        坐席: 您好。
        客户: 这是怎么回事！
        坐席: 我查一下。
        客户: 太差了。
        坐席: 嗯。
    """,
    )
    assert [f.turn for f in findings] == [1]
    # Answered inside a window the call cut short: no finding either way.
    findings, _ = run(
        scheme,
        """
        客户: 这是怎么回事！
        坐席: 抱歉。
    """,
    )
    assert findings == []


def test_ignore_with_seconds_judges_by_the_call_end():
    scheme = COMPLAINT.replace("within_turns: 2", "within_seconds: 10").replace(
        "deduct: 5", "deduct: 5\n    unanswered_at_end: ignore"
    )
    transcript = """
        [00:00.00-00:03.00] 客户: 这是怎么回事！
        [00:04.00-00:{end}] 坐席: 我查一下。
    """
    # The window closes at 13.0 s: a call ending at 12.9 s leaves it open (ignored), 13.0 s closes it.
    assert run(scheme, transcript.format(end="12.90"))[0] == []
    assert [f.turn for f in run(scheme, transcript.format(end="13.00"))[0]] == [0]


def test_thanks_in_the_same_turn_as_the_hold_does_not_answer_it():
    findings, _ = run(
        HOLD,
        """
        坐席: 感谢您的耐心等待，我再帮您查一下，请稍等。
        客户: 嗯。
        坐席: 您的宽带是端口故障，已经给您派单了。
        客户: 好的。
    """,
    )
    assert [(f.turn, f.matched) for f in findings] == [(0, "请稍等")]


def test_hold_then_thanks_within_three_turns():
    findings, _ = run(
        HOLD,
        """
        坐席: 好的，我帮您查一下，请稍等。
        客户: 嗯。
        客户: 我再找找单据。
        坐席: 让您久等了，您的宽带是端口故障。
    """,
    )
    assert findings == []


def test_hold_thanks_in_the_fourth_turn_is_late():
    findings, _ = run(
        HOLD,
        """
        坐席: 请稍等。
        客户: 嗯。
        客户: 好。
        客户: 喂？
        坐席: 让您久等了。
    """,
    )
    assert [f.turn for f in findings] == [0]


SECONDS = """
rules:
  - id: quick-apology
    kind: response
    section: 服务态度
    when: {speaker: customer, phrases: [投诉]}
    expect: {speaker: agent, phrases: [抱歉], within_seconds: 5}
    message: 投诉后5秒内未致歉
"""


@pytest.mark.parametrize(
    "reply_start, fires",
    [("00:07.00", False), ("00:09.00", False), ("00:09.01", True), ("00:20.00", True)],
)
def test_within_seconds_runs_from_the_end_of_the_trigger_turn(reply_start, fires):
    # The trigger turn ends at 4.00; a reply starting by 9.00 is in time.
    findings, na = run(
        SECONDS,
        f"""
        [00:00.00-00:04.00] 客户: 我要投诉你们的装机师傅。
        [00:04.50-00:06.00] 坐席: 请问是哪天的预约？
        [{reply_start}-00:25.00] 坐席: 非常抱歉，我马上帮您反馈。
    """,
    )
    assert bool(findings) is fires
    assert na == ()
    if fires:
        assert (findings[0].turn, findings[0].start) == (0, 0.0)


def test_within_seconds_without_timestamps_is_not_applicable():
    findings, na = run(
        SECONDS,
        """
        客户: 我要投诉你们的装机师傅。
        坐席: 好的。
    """,
    )
    assert findings == [] and na == ("quick-apology",)


def test_within_turns_needs_no_timestamps():
    findings, na = run(COMPLAINT, "客户: 我要投诉。\n坐席: 好的。")
    assert len(findings) == 1 and na == ()


def test_window_limits_which_triggers_count():
    scheme = COMPLAINT.replace("within_turns: 2}", "within_turns: 2}\n    window: {first_turns: 1}")
    findings, _ = run(
        scheme,
        """
        客户: 我要投诉。
        坐席: 好的。
        客户: 太差了。
        坐席: 嗯。
        客户: 我不满意。
        坐席: 嗯。
    """,
    )
    # The window counts the trigger speaker's turns: only the customer's first turn.
    assert [f.turn for f in findings] == [0]


def test_when_meta_limits_the_calls():
    scheme = COMPLAINT.replace("deduct: 5", "deduct: 5\n    when_meta: {call_type: complaint}")
    transcript = "客户: 我要投诉。\n坐席: 好的。"
    assert run(scheme, transcript)[0] == []
    assert len(run(scheme, "# call_type: complaint\n" + transcript)[0]) == 1


def test_regex_trigger_with_exceptions():
    scheme = """
    rules:
      - id: r
        kind: response
        section: s
        when: {speaker: customer, regex: "投诉|举报", exceptions: [不投诉]}
        expect: {phrases: [抱歉], within_turns: 1}
        message: m
    """
    assert run(scheme, "客户: 算了我不投诉了。\n坐席: 好的。")[0] == []
    findings, _ = run(scheme, "客户: 我要举报你们。\n坐席: 好的。")
    assert [(f.turn, f.matched) for f in findings] == [(0, "举报")]


def test_trigger_speaker_defaults_to_the_rule_speaker_and_expect_to_agent():
    scheme = """
    rules:
      - id: r
        kind: response
        section: s
        speaker: customer
        when: {phrases: [投诉]}
        expect: {phrases: [抱歉], within_turns: 1}
        message: m
    """
    assert len(run(scheme, "客户: 我要投诉。\n客户: 抱歉我说错了。\n坐席: 好的。")[0]) == 1
    assert run(scheme, "坐席: 投诉请按1。\n客户: 好。")[0] == []  # the agent's 投诉 is no trigger
    assert run(scheme, "客户: 我要投诉。\n坐席: 抱歉。")[0] == []


@pytest.mark.parametrize(
    "expect, error",
    [
        ("{phrases: [抱歉], within_turns: 2, within_seconds: 5}", "exactly one of within_turns, within_seconds"),
        ("{phrases: [抱歉]}", "exactly one of within_turns, within_seconds"),
        ("{phrases: [抱歉], within_turns: 0}", "within_turns"),
        ("{within_turns: 2}", "needs `phrases` or `regex`"),
        ("{phrases: [抱歉], within_turns: 2, speakr: agent}", "unknown key 'speakr'"),
        ("{regex: '(', within_turns: 2}", "bad regex"),
    ],
)
def test_bad_expect_is_reported_at_its_position(expect, error):
    text = f"""rules:
  - id: r
    kind: response
    section: s
    message: m
    when: {{phrases: [投诉]}}
    expect: {expect}
"""
    with pytest.raises(SchemeError) as exc:
        scheme_from(text, name="s.yaml")
    assert len(exc.value.problems) == 1
    problem = exc.value.problems[0]
    assert problem.startswith("s.yaml:7:")  # the `expect` line
    assert error in problem


def test_unknown_lexicon_in_a_nested_phrase_list_is_a_scheme_error():
    with pytest.raises(SchemeError) as exc:
        scheme_from("""
        rules:
          - id: r
            kind: response
            section: s
            message: m
            when: {phrases: ["@complaints"]}
            expect: {phrases: [抱歉], within_turns: 2}
        """)
    assert "when.phrases[0]: unknown lexicon '@complaints'" in str(exc.value)


def test_when_and_expect_are_required():
    with pytest.raises(SchemeError) as exc:
        scheme_from("rules:\n  - {id: r, kind: response, section: s, message: m}\n")
    text = str(exc.value)
    assert "when: Field required" in text and "expect: Field required" in text
