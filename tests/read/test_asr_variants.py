"""ASR results as they are found in the wild (issue: every variant read): bare sentence arrays,
Alibaba's 2.0 callback, iFlytek's `lattices`/`json_cn1best`, failType 11, smoothing fillers and
dual-channel `label.rl_track`. Fixtures: fixtures/variants/ (built by its make.py from the
vendors' documented field names), one nine-sentence call, agent first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.model import Call, InputError
from checker.read import RoleMap, read_file

VARIANTS = Path(__file__).parent / "fixtures" / "variants"
ROLES = RoleMap.build()
TEXTS = [
    "您好，星联通信客服，工号1003，请问有什么可以帮您？",
    "你好，我这个月话费怎么多扣了三十块？",
    "请您稍等，我帮您查询一下。",
    "好的。",
    "感谢您的耐心等待，查到是流量超出套餐产生的费用。",
    "那能不能给我换个大流量的套餐？",
    "可以的，已经为您办理，下月生效。还有其他可以帮您的吗？",
    "没有了，谢谢。",
    "感谢您的来电，祝您生活愉快，再见。",
]
SPEAKERS = ["agent", "customer"] * 4 + ["agent"]


def read_one(path: Path, roles: RoleMap = ROLES):
    items = list(read_file(path, roles))
    assert len(items) == 1, items
    return items[0]


@pytest.mark.parametrize(
    "name, vendor, task_id",
    [
        ("ali-sentences-array.json", "alibaba", None),
        ("ali-callback-v2.json", "alibaba", "a3c6f0e2b7d94d1c8f0a5e6b7c8d9e0f"),
        ("xf-v1-data-array.json", "iflytek", None),
        ("xf-lattices-cn1best.json", "iflytek", None),
        ("xf-failtype11.json", "iflytek", "DKHJQ20261102160155831A0E3D5F00004B"),
        ("xf-rl-track.json", "iflytek", "DKHJQ20261102160155831A0E3D5F00004B"),
    ],
)
def test_variant_reads_as_the_same_call(name, vendor, task_id):
    call = read_one(VARIANTS / name)
    assert isinstance(call, Call), call
    assert call.call_id == Path(name).stem
    assert call.metadata["asr_vendor"] == vendor and call.metadata.get("asr_task_id") == task_id
    assert [t.text for t in call.turns] == TEXTS
    assert [t.speaker for t in call.turns] == SPEAKERS
    assert (call.turns[0].start, call.turns[0].end) == (0.32, 4.1)  # ms -> s, integer or string times
    assert (call.turns[-1].start, call.turns[-1].end) == (32.4, 35.2)


def test_alibaba_sentence_keys_in_snake_case_keep_their_extras_and_lines():
    call = read_one(VARIANTS / "ali-callback-v2.json")
    first = call.turns[0]
    assert first.extra == {"channel": 0, "speech_rate": 240.0, "emotion": 5.0, "silence_before": 0.0}
    assert first.line == 5  # the line of its "begin_time" key in the file
    array = read_one(VARIANTS / "ali-sentences-array.json")
    assert array.turns[1].line == 12 and array.turns[1].extra["channel"] == 1


def test_smoothing_fillers_are_dropped():
    raw = json.loads(
        json.loads((VARIANTS / "xf-failtype11.json").read_text(encoding="utf-8"))["content"]["orderResult"]
    )
    st = json.loads(raw["lattice"][1]["json_1best"])["st"]
    assert st["rt"][0]["ws"][0]["cw"][0] == {"w": "嗯", "wp": "s", "wc": "0.9000"}  # the filler is in the file …
    call = read_one(VARIANTS / "xf-failtype11.json")
    assert call.turns[1].text == "你好，我这个月话费怎么多扣了三十块？"  # … and not in the turn


def test_rl_track_maps_roles_to_channels():
    call = read_one(VARIANTS / "xf-rl-track.json")
    # role 2 spoke first, on the left track (channel 0: the agent by default)
    assert call.turns[0].extra == {"channel": 0, "role": 2} and call.turns[0].speaker == "agent"
    assert call.turns[1].extra == {"channel": 1, "role": 1} and call.turns[1].speaker == "customer"
    swapped = read_one(VARIANTS / "xf-rl-track.json", RoleMap.build(agent_channel=1))
    assert [t.speaker for t in swapped.turns] == [{"agent": "customer", "customer": "agent"}[s] for s in SPEAKERS]


def _order(tmp_path, status, fail_type, result="{}", name="xf.json"):
    data = {
        "code": "000000",
        "descInfo": "success",
        "content": {"orderInfo": {"orderId": "DK9", "status": status, "failType": fail_type}, "orderResult": result},
    }
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "status, fail_type, result, reason",
    [
        (-1, 11, "", "iFlytek lfasr result: order DK9 failed (failType 11: see iFlytek's failType table)"),
        (-1, 3, "", "iFlytek lfasr result: order DK9 failed (failType 3: recognition failed)"),
        (-1, 6, "", "iFlytek lfasr result: order DK9 failed (failType 6: the audio is silent)"),
        (3, 0, "", "iFlytek lfasr result: order DK9 is not finished (status 3): fetch the result again later"),
    ],
)
def test_an_unusable_vendor_file_says_which_vendor_and_why(tmp_path, status, fail_type, result, reason):
    err = read_one(_order(tmp_path, status, fail_type, result))
    assert isinstance(err, InputError) and (err.line, err.reason) == (1, reason)


@pytest.mark.parametrize(
    "data, reason",
    [
        (
            {
                "lattices": [{"json_cn1best": {"st": {"bg": 0, "ed": 100, "rl": 3, "ws": []}}}],
                "label": {"rl_track": [{"rl": "1", "track": "L"}, {"rl": "2", "track": "R"}]},
            },
            "iFlytek lfasr result: orderResult.lattices[0].st.rl 3 is not in `label.rl_track` (rl 1 on channel 0, rl 2 on channel 1)",
        ),
        (
            {"lattices": [{"json_cn1best": {"sentence": {}}}]},
            "iFlytek lfasr result: orderResult.lattices[0] has no `json_1best` (or `json_cn1best`) with an `st` object",
        ),
        (
            {"task_id": "t1", "status_text": "SUCCESS", "result": "none"},
            "Alibaba Cloud ASR result: `Result` is a string but not JSON (Expecting value at column 1)",
        ),
        (
            {"task_id": "t1", "status_text": "SUCCESS_WITH_NO_VALID_FRAGMENT", "result": []},
            "Alibaba Cloud ASR result: task t1 recognised no speech (StatusText SUCCESS_WITH_NO_VALID_FRAGMENT)",
        ),
        (
            {
                "task_id": "t1",
                "status_text": "SUCCESS",
                "result": [{"begin_time": 0, "end_time": "Infinity", "text": "您好"}],
            },
            "Alibaba Cloud ASR result: result[0].EndTime must be a finite, non-negative number of milliseconds, got 'Infinity'",
        ),
    ],
)
def test_broken_variants_name_the_vendor_and_the_place(tmp_path, data, reason):
    path = tmp_path / "v.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    err = read_one(path)
    assert isinstance(err, InputError) and err.reason == reason


def test_bare_sentence_arrays_are_one_call_and_a_list_of_calls_is_still_calls(tmp_path):
    calls = tmp_path / "calls.json"
    calls.write_text(
        json.dumps(
            [
                {"call_id": "c1", "turns": [{"speaker": "agent", "text": "您好"}]},
                {"call_id": "c2", "turns": [{"speaker": "customer", "text": "嗯"}]},
            ]
        ),
        encoding="utf-8",
    )
    assert [c.call_id for c in read_file(calls, ROLES)] == ["c1", "c2"]
    tencent = tmp_path / "tx.json"
    tencent.write_text(
        json.dumps(
            [
                {"FinalSentence": "您好", "StartMs": 0, "EndMs": 900, "SpeakerId": 0},
                {"FinalSentence": "你好", "StartMs": 1000, "EndMs": 1500, "SpeakerId": 1},
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    call = read_one(tencent)
    assert call.metadata["asr_vendor"] == "tencent" and [t.speaker for t in call.turns] == ["agent", "customer"]


def test_a_vendor_sentence_past_the_turn_cap_is_rejected_with_its_place(tmp_path):
    path = tmp_path / "long.json"
    path.write_text(
        json.dumps([{"BeginTime": 0, "EndTime": 10, "Text": "话" * 20_001, "ChannelId": 0}], ensure_ascii=False),
        encoding="utf-8",
    )
    err = read_one(path)
    assert isinstance(err, InputError) and err.line == 1
    assert err.reason == (
        "Alibaba Cloud ASR result: Sentences[0]: text of 20,001 characters is longer than a turn may be "
        "(20,000): split the call into its turns"
    )
