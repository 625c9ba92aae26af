"""Timing kinds: `silence`, `interruption`, `speech_rate`, `duration` — all need timestamps."""

import pytest

from checker.engine import audit_call
from checker.rules.timing import spoken_chars
from checker.yamlpos import SchemeError

from ..conftest import call_from, scheme_from


def run(scheme_yaml, transcript):
    scheme = scheme_from(scheme_yaml)
    result = audit_call(call_from(transcript, scheme), scheme)
    return list(result.findings), result.not_applicable


def rule(kind, **keys):
    extra = "".join(f"\n    {k}: {v}" for k, v in keys.items())
    return f"""
lexicons:
  hold: [请稍等, 稍等一下, 请您稍候]
rules:
  - id: {kind}-rule
    kind: {kind}
    section: 通话规范
    message: 测试{extra}
"""


# ---------------------------------------------------------------------------------- silence
SILENCE = rule("silence", min_seconds=10)


def test_silence_is_one_finding_per_gap_at_the_turn_after_it():
    findings, na = run(
        SILENCE,
        """
        [00:00.00-00:04.50] 坐席: 您好，欢迎致电星联通信，请问有什么可以帮您？
        [00:05.10-00:07.80] 客户: 我查一下宽带到期时间。
        [00:08.20-00:10.00] 坐席: 好的，我看一下。
        [00:22.40-00:26.00] 坐席: 您的宽带明年三月到期。
        [00:26.50-00:27.50] 客户: 哦。
        [00:40.00-00:42.00] 客户: 喂？还在吗？
    """,
    )
    assert na == ()
    assert [(f.turn, f.speaker, f.start) for f in findings] == [(3, "agent", 22.4), (5, "customer", 40.0)]
    assert findings[0].message == "测试（静默 12.4 秒）"
    assert findings[0].details == {"gap_seconds": 12.4, "from": 10.0, "to": 22.4}
    assert findings[1].details["gap_seconds"] == 12.5


@pytest.mark.parametrize("start, fires", [("00:28.40", True), ("00:28.39", False)])
def test_silence_of_exactly_min_seconds_counts(start, fires):
    # 28.40 - 18.40 is 9.999999999999998 in floating point: compared at millisecond precision.
    findings, _ = run(
        SILENCE,
        f"""
        [00:10.00-00:18.40] 坐席: 我帮您查一下。
        [{start}-00:30.00] 坐席: 查到了。
    """,
    )
    assert bool(findings) is fires


def test_gap_is_measured_from_the_latest_end_so_far():
    # The customer's long turn overlaps the agent's short one; the silence starts at 20.0, not 6.0.
    findings, _ = run(
        SILENCE,
        """
        [00:00.00-00:20.00] 客户: 我跟你说一下我这个事情的来龙去脉……
        [00:05.00-00:06.00] 坐席: 嗯嗯。
        [00:25.00-00:27.00] 坐席: 好的，我明白了。
    """,
    )
    assert findings == []


def test_announced_hold_is_not_dead_air():
    scheme = rule("silence", min_seconds=10, except_after='{phrases: ["@hold"]}')
    transcript = """
        [00:00.00-00:04.50] 坐席: 您好，请问有什么可以帮您？
        [00:05.10-00:07.80] 客户: 我查一下宽带到期时间。
        [00:08.20-00:10.00] 坐席: 好的，请稍等。
        [00:10.20-00:10.80] 客户: 嗯。
        [00:28.40-00:32.00] 坐席: 感谢您的耐心等待，您的宽带明年三月到期。
        [00:33.00-00:34.00] 客户: 那怎么续费？
        [00:50.00-00:55.00] 坐席: 您可以在营业厅续费。
    """
    findings, _ = run(scheme, transcript)
    # The first gap follows the agent's 请稍等 (the customer's 嗯 in between does not matter);
    # the second follows an agent turn that announced nothing.
    assert [(f.turn, f.details["gap_seconds"]) for f in findings] == [(6, 16.0)]
    # Without except_after both gaps are dead air.
    assert [f.turn for f in run(SILENCE, transcript)[0]] == [4, 6]


def test_announced_hold_longer_than_max_seconds_still_counts():
    scheme = rule("silence", min_seconds=10, except_after='{phrases: ["@hold"], max_seconds: 60}')
    findings, _ = run(
        scheme,
        """
        [00:00.00-00:02.00] 坐席: 请稍等。
        [00:50.00-00:52.00] 坐席: 感谢您的耐心等待。
        [00:53.00-00:54.00] 坐席: 请您稍候。
        [02:00.00-02:02.00] 坐席: 让您久等了。
    """,
    )
    assert [(f.turn, f.details["gap_seconds"]) for f in findings] == [(3, 66.0)]


def test_silence_speaker_selects_who_broke_the_silence():
    transcript = """
        [00:00.00-00:02.00] 坐席: 请问您的身份证号是多少？
        [00:15.00-00:18.00] 客户: 我找一下……110101199001011234。
        [00:30.00-00:32.00] 坐席: 好的。
    """
    assert [f.turn for f in run(SILENCE, transcript)[0]] == [1, 2]  # default: any speaker
    agent_only = rule("silence", min_seconds=10, speaker="agent")
    assert [f.turn for f in run(agent_only, transcript)[0]] == [2]


def test_silence_window_in_seconds():
    scheme = rule("silence", min_seconds=10, window="{first_seconds: 20}")
    findings, _ = run(
        scheme,
        """
        [00:00.00-00:02.00] 坐席: 您好。
        [00:15.00-00:18.00] 客户: 喂。
        [00:30.00-00:32.00] 坐席: 您好，请讲。
    """,
    )
    assert [f.turn for f in findings] == [1]


@pytest.mark.parametrize(
    "kind, keys",
    [
        ("silence", {"min_seconds": 10}),
        ("interruption", {"max_count": 0}),
        ("speech_rate", {"max_chars_per_minute": 300}),
        ("duration", {"max_seconds": 600}),
    ],
)
def test_timing_rules_without_timestamps_are_not_applicable(kind, keys):
    scheme = rule(kind, **keys)
    assert run(scheme, "坐席: 您好。\n客户: 我查话费。") == ([], (f"{kind}-rule",))
    # A call with only some turns timed is not timed either.
    partly = "[00:00.00-00:02.00] 坐席: 您好。\n客户: 我查话费。"
    assert run(scheme, partly) == ([], (f"{kind}-rule",))


# ----------------------------------------------------------------------------- interruption
INTERRUPT = rule("interruption", min_overlap_seconds=1.0, max_count=2)

THREE_INTERRUPTIONS = """
    [00:00.00-00:03.00] 坐席: 您好，工号3021，请问有什么可以帮您？
    [00:03.50-00:09.00] 客户: 我上个月办的那个套餐，营业员跟我说是每个月五十八块的……
    [00:07.50-00:09.50] 坐席: 套餐是八十八的。
    [00:10.00-00:15.00] 客户: 不对啊，当时明明说的是五十八，还送……
    [00:13.20-00:15.50] 坐席: 没有送的。
    [00:16.00-00:21.00] 客户: 你先听我说完，他说送宽带的……
    [00:18.80-00:21.20] 坐席: 宽带要另外办。
"""


def test_interruptions_over_max_count_are_one_finding_at_the_first_over_the_limit():
    findings, na = run(INTERRUPT, THREE_INTERRUPTIONS)
    assert na == ()
    assert len(findings) == 1
    f = findings[0]
    assert (f.turn, f.speaker, f.start) == (6, "agent", 18.8)
    assert f.message == "测试（打断 3 次，上限 2 次）"
    assert f.details["count"] == 3
    assert [(i["turn"], i["interrupted_turn"], i["overlap_seconds"]) for i in f.details["interruptions"]] == [
        (2, 1, 1.5),
        (4, 3, 1.8),
        (6, 5, 2.2),
    ]


def test_interruptions_up_to_max_count_pass():
    two = "\n".join(THREE_INTERRUPTIONS.strip().splitlines()[:5])
    assert run(INTERRUPT, two)[0] == []
    assert len(run(rule("interruption", max_count=1), two)[0]) == 1


def test_interruption_overlap_threshold_and_backchannels():
    scheme = rule("interruption", min_overlap_seconds=1.0, max_count=0)
    # Overlap of exactly 1.0 s counts (9.0 - 8.0).
    assert (
        len(
            run(
                scheme,
                """
        [00:00.00-00:09.00] 客户: 我想问一下那个套餐的事情……
        [00:08.00-00:10.00] 坐席: 套餐是八十八的。
    """,
            )[0]
        )
        == 1
    )
    # 0.6 s of overlap is a turn-taking latency, not an interruption.
    assert (
        run(
            scheme,
            """
        [00:00.00-00:09.00] 客户: 我想问一下那个套餐的事情……
        [00:08.40-00:10.00] 坐席: 套餐是八十八的。
    """,
        )[0]
        == []
    )
    # A short backchannel inside the customer's turn overlaps only by its own length.
    assert (
        run(
            scheme,
            """
        [00:00.00-00:09.00] 客户: 我想问一下那个套餐的事情……
        [00:04.00-00:04.50] 坐席: 嗯。
        [00:09.50-00:12.00] 坐席: 好的，我帮您看一下。
    """,
        )[0]
        == []
    )


def test_only_the_rule_speaker_interrupting_counts():
    scheme = rule("interruption", max_count=0)
    customer_interrupts = """
        [00:00.00-00:09.00] 坐席: 您的套餐是八十八元每月，包含三十G流量……
        [00:05.00-00:08.00] 客户: 不对不对，我办的是五十八的。
    """
    assert run(scheme, customer_interrupts)[0] == []
    findings, _ = run(rule("interruption", max_count=0, speaker="customer"), customer_interrupts)
    assert [(f.turn, f.speaker) for f in findings] == [(1, "customer")]


# ------------------------------------------------------------------------------ speech_rate
FAST = """
    [00:00.00-00:05.00] 坐席: 您好，欢迎致电星联通信，工号3021，很高兴为您服务，请问有什么可以帮您？
    [00:05.50-00:07.50] 客户: 我查一下这个月的话费。
    [00:08.00-00:14.00] 坐席: 好的，我这边帮您查询一下，您本月的话费是五十八元，已经从您绑定的银行卡扣费成功了。
    [00:14.20-00:20.20] 坐席: 另外提醒您，您的流量套餐本月还剩两个G，月底会自动清零，建议您尽快使用。
    [00:21.00-00:22.00] 客户: 好的。
    [00:22.50-00:25.50] 坐席: 请问您还有其他需要帮助的吗？
"""


def test_spoken_chars_ignores_punctuation_and_spaces():
    assert spoken_chars("您好，工号 3021！OK？") == 2 + 2 + 4 + 2


def test_speech_rate_over_the_speakers_turns():
    findings, na = run(rule("speech_rate", max_chars_per_minute=300), FAST)
    assert na == ()
    assert len(findings) == 1
    f = findings[0]
    # 114 characters in 5 + 6 + 6 + 3 = 20 s of agent speech.
    assert f.turn is None and f.speaker == "agent" and f.start is None
    assert f.details["chars"] == 114 and f.details["speech_seconds"] == 20.0
    assert f.details["chars_per_minute"] == 342.0
    assert f.message == "测试（342 字/分钟）"
    assert run(rule("speech_rate", max_chars_per_minute=350), FAST)[0] == []


def test_speech_rate_too_slow():
    findings, _ = run(rule("speech_rate", min_chars_per_minute=400), FAST)
    assert [f.details["chars_per_minute"] for f in findings] == [342.0]


def test_customer_speech_rate():
    scheme = rule("speech_rate", speaker="customer", max_chars_per_minute=100, min_speech_seconds=2)
    findings, _ = run(scheme, FAST)
    # 10 + 2 characters in 3 s.
    assert findings[0].details["chars"] == 12 and findings[0].details["chars_per_minute"] == 240.0


def test_too_little_speech_is_not_applicable():
    short = """
        [00:00.00-00:03.00] 坐席: 您好欢迎致电星联通信工号3021请问有什么可以帮您
        [00:03.50-00:05.50] 客户: 我查话费。
        [00:05.60-00:08.60] 坐席: 您本月话费五十八元已经扣费成功还有其他问题吗
    """
    assert run(rule("speech_rate", max_chars_per_minute=300), short) == ([], ("speech_rate-rule",))
    findings, _ = run(rule("speech_rate", max_chars_per_minute=300, min_speech_seconds=5), short)
    assert findings[0].details["chars_per_minute"] == 470.0  # 47 characters in 6 s


def test_zero_length_turns_are_left_out():
    findings, _ = run(
        rule("speech_rate", max_chars_per_minute=300, min_speech_seconds=5),
        """
        [00:00.00-00:10.00] 坐席: 您好，欢迎致电星联通信，请问有什么可以帮您？
        [00:10.00-00:10.00] 坐席: 这一句没有时长所以不算在语速里面这一句没有时长所以不算在语速里面
    """,
    )
    assert findings == []  # 18 characters in 10 s


# --------------------------------------------------------------------------------- duration
CALL = """
    [00:01.00-00:05.00] 坐席: 您好，请问有什么可以帮您？
    [00:05.50-00:08.00] 客户: 我查话费。
    [00:08.50-01:31.00] 坐席: 您本月话费五十八元。
"""


def test_duration_runs_from_first_start_to_last_end():
    findings, _ = run(rule("duration", max_seconds=60), CALL)
    assert len(findings) == 1
    f = findings[0]
    assert f.turn is None and f.details["duration_seconds"] == 90.0
    assert f.message == "测试（通话时长 1:30）"
    assert run(rule("duration", max_seconds=90), CALL)[0] == []
    assert run(rule("duration", min_seconds=90), CALL)[0] == []
    assert len(run(rule("duration", min_seconds=91), CALL)[0]) == 1


@pytest.mark.parametrize(
    "kind, keys, error",
    [
        ("silence", {}, "min_seconds: Field required"),
        ("silence", {"min_seconds": 0}, "min_seconds: Input should be greater than 0"),
        ("silence", {"min_seconds": 10, "except_after": "{max_seconds: 60}"}, "needs `phrases` or `regex`"),
        ("interruption", {"max_count": -1}, "max_count: Input should be greater than or equal to 0"),
        ("speech_rate", {}, "needs max_chars_per_minute and/or min_chars_per_minute"),
        ("speech_rate", {"min_chars_per_minute": 300, "max_chars_per_minute": 200}, "must be below"),
        ("duration", {}, "needs min_seconds and/or max_seconds"),
        ("duration", {"max_seconds": 60, "window": "{first_turns: 1}"}, "takes no window"),
        ("duration", {"max_second": 60}, "unknown key 'max_second'"),
    ],
)
def test_bad_timing_config_is_a_scheme_error(kind, keys, error):
    with pytest.raises(SchemeError) as exc:
        scheme_from(rule(kind, **keys), name="t.yaml")
    assert error in str(exc.value)
    assert str(exc.value).startswith("t.yaml:")
