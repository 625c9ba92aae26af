"""Timing options of SPEC "Rule language v2": `interruption` `min_chars` and `max_total_seconds`,
`silence` `after_speaker` (and its speaker default `any`)."""

import pytest

from .test_timing import THREE_INTERRUPTIONS, rule, run

BACKCHANNELS = """
    [00:00.00-00:09.00] 客户: 我上个月办的那个套餐，营业员跟我说是每个月五十八块的……
    [00:04.00-00:06.00] 坐席: 嗯嗯。
    [00:09.50-00:15.00] 客户: 结果这个月扣了我八十八，还说送宽带，也没送……
    [00:12.00-00:14.00] 坐席: 好的好的。
    [00:15.50-00:20.00] 客户: 你们这是不是虚假宣传？
    [00:18.00-00:21.00] 坐席: 套餐资费是八十八元。
"""


@pytest.mark.parametrize("min_chars, count", [(0, 3), (4, 2), (5, 1), (9, 1), (10, 0)])
def test_min_chars_leaves_out_backchannels(min_chars, count):
    # The agent's turns have 2, 4 and 9 compact characters; every overlap is ≥ 1 s.
    findings, _ = run(rule("interruption", max_count=0, min_chars=min_chars, speaker="agent"), BACKCHANNELS)
    if count == 0:
        assert findings == []
    else:
        assert findings[0].details["count"] == count


def test_max_total_seconds_fires_at_the_interruption_that_went_over():
    # Overlaps 1.5 + 1.8 + 2.2 = 5.5 s; with no max_count, only the sum is limited.
    findings, _ = run(rule("interruption", speaker="agent", max_total_seconds=3.0), THREE_INTERRUPTIONS)
    assert [(f.turn, f.details["total_seconds"]) for f in findings] == [(4, 5.5)]  # 1.5 + 1.8 = 3.3 > 3
    assert findings[0].message == "测试（打断 3 次；共 5.5 秒，上限 3 秒）"
    assert run(rule("interruption", speaker="agent", max_total_seconds=5.5), THREE_INTERRUPTIONS)[0] == []


def test_count_or_sum_whichever_first():
    findings, _ = run(rule("interruption", speaker="agent", max_count=2, max_total_seconds=3.0), THREE_INTERRUPTIONS)
    assert [f.turn for f in findings] == [4]  # the sum went over before the count
    findings, _ = run(rule("interruption", speaker="agent", max_count=1, max_total_seconds=10), THREE_INTERRUPTIONS)
    assert [f.turn for f in findings] == [4]  # the second interruption is over max_count 1


GAPS = """
    [00:00.00-00:03.00] 坐席: 您好，请问有什么可以帮您？
    [00:15.00-00:18.00] 客户: 喂？我查一下话费。
    [00:30.00-00:33.00] 坐席: 好的，您本月话费58元。
    [00:34.00-00:36.00] 客户: 好的。
    [00:50.00-00:52.00] 客户: 还在吗？
"""


def test_silence_after_speaker():
    every = run(rule("silence", min_seconds=10), GAPS)[0]
    assert [f.turn for f in every] == [1, 2, 4]  # speaker any: whoever breaks the silence
    after_customer = run(rule("silence", min_seconds=10, after_speaker="customer"), GAPS)[0]
    assert [f.turn for f in after_customer] == [2, 4]  # gaps that start at the end of a customer turn
    # the agent kept silent after the customer finished: turn 4 is the customer's again
    both = run(rule("silence", min_seconds=10, after_speaker="customer", speaker="agent"), GAPS)[0]
    assert [f.turn for f in both] == [2]


def test_after_speaker_is_the_turn_with_the_latest_end():
    # The agent's short turn ends inside the customer's: the gap starts at the customer's end.
    findings, _ = run(
        rule("silence", min_seconds=10, after_speaker="agent"),
        """
        [00:00.00-00:10.00] 客户: 我想问一下宽带的事情。
        [00:02.00-00:03.00] 坐席: 嗯。
        [00:25.00-00:27.00] 坐席: 您好，还在吗？
    """,
    )
    assert findings == []
