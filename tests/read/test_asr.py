"""ASR vendor results (SPEC format 4): Alibaba, Tencent, iFlytek, read from `.json` by content.

The fixtures in fixtures/ follow each vendor's documented response shape: a hotline call of
11–14 sentences on two channels (agent on channel/role 0, the customer on 1).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.model import Call, InputError
from checker.read import RoleMap, read_file, read_paths
from checker.read.asr import detect_vendor
from checker.yamlpos import SchemeError
from tests.conftest import scheme_from

FIXTURES = Path(__file__).parent / "fixtures"
ROLES = RoleMap.build()


def read_one(path: Path, roles: RoleMap = ROLES) -> Call | InputError:
    items = list(read_file(path, roles))
    assert len(items) == 1, items
    return items[0]


def write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=2) if not isinstance(data, str) else data, encoding="utf-8"
    )
    return path


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- every vendor


@pytest.mark.parametrize(
    "name, vendor, turns",
    [
        ("ali-20261102-0007.json", "alibaba", 13),
        ("ali-result-string.json", "alibaba", 8),
        ("tx-20261102-0012.json", "tencent", 14),
        ("tx-result-text.json", "tencent", 14),
        ("xf-20261102-0021.json", "iflytek", 11),
        ("xf-lattice2.json", "iflytek", 11),
    ],
)
def test_vendor_fixture_becomes_one_call(name, vendor, turns):
    call = read_one(FIXTURES / name)
    assert isinstance(call, Call), call
    assert call.call_id == Path(name).stem  # the file stem, not the vendor's task id
    assert call.metadata["asr_vendor"] == vendor
    assert len(call.turns) == turns
    assert call.turns[0].speaker == "agent" and call.turns[0].text.startswith("您好")
    assert {t.speaker for t in call.turns} == {"agent", "customer"}
    # seconds, not milliseconds: every call here is one to two minutes long
    assert call.has_timestamps
    assert 0 < call.turns[0].start < 2 and 40 < call.turns[-1].end < 120
    starts = [t.start for t in call.turns]
    assert starts == sorted(starts)
    assert all(t.end >= t.start for t in call.turns)


def test_alibaba_sentences_map_one_to_one_with_units_and_extras():
    raw = load("ali-20261102-0007.json")
    sentences = raw["Result"]["Sentences"]
    call = read_one(FIXTURES / "ali-20261102-0007.json")
    assert call.metadata["asr_task_id"] == raw["TaskId"]
    for s, turn in zip(sentences, call.turns):
        assert turn.text == s["Text"]
        assert turn.start == s["BeginTime"] / 1000 and turn.end == s["EndTime"] / 1000
        assert turn.speaker == ("agent" if s["ChannelId"] == 0 else "customer")
        assert turn.extra["channel"] == s["ChannelId"]
        assert turn.extra["speech_rate"] == s["SpeechRate"]  # already characters per minute
        assert turn.extra["emotion"] == s["EmotionValue"]
        assert turn.extra["silence_before"] == s["SilenceDuration"]  # already seconds
    # each turn knows its line in the file, for error messages
    lines = (FIXTURES / "ali-20261102-0007.json").read_text(encoding="utf-8").splitlines()
    assert all(turn.line and '"BeginTime"' in lines[turn.line - 1] for turn in call.turns)


def test_alibaba_result_as_string_reads_like_result_as_object():
    as_string = read_one(FIXTURES / "ali-result-string.json")
    as_object = read_one(FIXTURES / "ali-20261102-0007.json")
    assert [(t.speaker, t.text, t.start) for t in as_string.turns] == [
        (t.speaker, t.text, t.start) for t in as_object.turns[:8]
    ]
    # … and what both say, as the fixture holds it (BeginTime 784 and 8571 ms, channels 0 and 1)
    assert len(as_string.turns) == 8
    assert [(t.speaker, t.text, t.start) for t in as_string.turns[:2]] == [
        ("agent", "您好，欢迎致电星联通信，工号3021为您服务，请问有什么可以帮您？", 0.784),
        ("customer", "喂，你好，我家宽带从昨天晚上开始就一直上不了网。", 8.571),
    ]


def test_alibaba_bare_result_and_camel_case_callback(tmp_path):
    sentences = load("ali-20261102-0007.json")["Result"]["Sentences"]
    bare = read_one(write(tmp_path, "bare.json", {"Sentences": sentences}))
    camel = [{k[0].lower() + k[1:]: v for k, v in s.items()} for s in sentences]
    callback = read_one(
        write(tmp_path, "cb.json", {"taskId": "t1", "statusText": "SUCCESS", "result": {"sentences": camel}})
    )
    for call in (bare, callback):
        assert isinstance(call, Call), call
        assert [t.text for t in call.turns] == [s["Text"] for s in sentences]
    assert callback.metadata["asr_task_id"] == "t1"


def test_sentences_are_put_in_time_order_not_merged(tmp_path):
    # Some dual-channel results list one channel's sentences, then the other's.
    data = {
        "Sentences": [
            {"BeginTime": 500, "EndTime": 2600, "ChannelId": 0, "Text": "您好，请问有什么可以帮您？"},
            {"BeginTime": 6100, "EndTime": 7900, "ChannelId": 0, "Text": "好的，我帮您查一下。"},
            {"BeginTime": 8200, "EndTime": 9000, "ChannelId": 0, "Text": "稍等。"},
            {"BeginTime": 3000, "EndTime": 5800, "ChannelId": 1, "Text": "我家宽带断网了。"},
        ]
    }
    call = read_one(write(tmp_path, "grouped.json", data))
    assert [t.text for t in call.turns] == [
        "您好，请问有什么可以帮您？",
        "我家宽带断网了。",
        "好的，我帮您查一下。",
        "稍等。",
    ]
    assert [t.speaker for t in call.turns] == ["agent", "customer", "agent", "agent"]  # two agent turns stay two


def test_empty_sentences_are_left_out_and_counted(tmp_path):
    data = {
        "Sentences": [
            {"BeginTime": 100, "EndTime": 2000, "ChannelId": 0, "Text": "您好，星联通信。"},
            {"BeginTime": 2100, "EndTime": 2400, "ChannelId": 1, "Text": ""},
            {"BeginTime": 2500, "EndTime": 4000, "ChannelId": 1, "Text": "我查一下话费。"},
        ]
    }
    call = read_one(write(tmp_path, "noise.json", data))
    assert len(call.turns) == 2 and call.metadata["asr_empty_sentences"] == 1


def test_alibaba_mono_with_speaker_diarization_uses_speaker_ids(tmp_path):
    data = {
        "Sentences": [
            {"BeginTime": 100, "EndTime": 2000, "ChannelId": 0, "SpeakerId": "1", "Text": "您好，星联通信。"},
            {"BeginTime": 2100, "EndTime": 4000, "ChannelId": 0, "SpeakerId": "2", "Text": "我查一下话费。"},
            {"BeginTime": 4100, "EndTime": 6000, "ChannelId": 0, "SpeakerId": "1", "Text": "好的，请稍等。"},
        ]
    }
    call = read_one(write(tmp_path, "mono.json", data))
    assert [t.speaker for t in call.turns] == ["agent", "customer", "agent"]  # lowest speaker id = index 0


def test_tencent_wrappers_all_read_the_same(tmp_path):
    full = load("tx-20261102-0012.json")
    data = full["Response"]["Data"]
    calls = [
        read_one(FIXTURES / "tx-20261102-0012.json"),
        read_one(write(tmp_path, "data.json", {"Data": data})),
        read_one(write(tmp_path, "bare.json", data)),
    ]
    texts = [[(t.speaker, t.text, t.start, t.end) for t in c.turns] for c in calls]
    assert texts[0] == texts[1] == texts[2]
    first = data["ResultDetail"][0]
    turn = calls[0].turns[0]
    assert turn.start == first["StartMs"] / 1000
    assert turn.extra["speech_rate"] == pytest.approx(first["SpeechSpeed"] * 60)  # chars/s -> chars/min
    assert turn.extra["silence_before"] == pytest.approx(first["SilenceTime"] / 1000)  # ms -> s
    assert calls[0].metadata["asr_task_id"] == str(data["TaskId"])


def test_tencent_result_text_matches_result_detail():
    detail = read_one(FIXTURES / "tx-20261102-0012.json")
    text = read_one(FIXTURES / "tx-result-text.json")
    assert [(t.speaker, t.text) for t in text.turns] == [(t.speaker, t.text) for t in detail.turns]
    assert [t.start for t in text.turns] == pytest.approx([t.start for t in detail.turns])
    # the Result text's first two lines: [0:00.954,0:07.922,0] and [0:08.553,0:14.885,1]
    assert len(text.turns) == 14
    assert [(t.speaker, t.text, t.start) for t in text.turns[:2]] == [
        ("agent", "您好，这里是星联通信客服中心，工号2117，很高兴为您服务。", 0.954),
        ("customer", "你好，我这个月话费怎么扣了一百多？我平时都用不了这么多。", 8.553),
    ]


def test_tencent_empty_result_detail_falls_back_to_result_text(tmp_path):
    data = load("tx-result-text.json")
    data["Data"]["ResultDetail"] = []
    assert len(read_one(write(tmp_path, "empty-detail.json", data)).turns) == 14


def test_iflytek_words_joined_and_roles_numbered_from_one():
    raw = load("xf-20261102-0021.json")
    order = json.loads(raw["content"]["orderResult"])  # a JSON string ...
    st = json.loads(order["lattice"][0]["json_1best"])["st"]  # ... holding JSON strings
    call = read_one(FIXTURES / "xf-20261102-0021.json")
    assert call.metadata["asr_task_id"] == raw["content"]["orderInfo"]["orderId"]
    assert call.turns[0].text == "".join(ws["cw"][0]["w"] for ws in st["rt"][0]["ws"])
    assert call.turns[0].text == "您好，我是星联通信客服代表，工号1508，这边给您做一个宽带维修回访。"
    assert call.turns[0].start == int(st["bg"]) / 1000 and call.turns[0].end == int(st["ed"]) / 1000
    assert st["rl"] == "1" and call.turns[0].speaker == "agent"  # rl 1 = index 0
    assert call.turns[0].extra["channel"] == 1  # the vendor's own number is kept


def test_iflytek_other_wrappers(tmp_path):
    content = load("xf-20261102-0021.json")["content"]
    reference = [t.text for t in read_one(FIXTURES / "xf-20261102-0021.json").turns]
    assert len(reference) == 11
    assert reference[0] == "您好，我是星联通信客服代表，工号1508，这边给您做一个宽带维修回访。"
    for name, data in [
        ("order.json", {"orderResult": content["orderResult"]}),
        ("parsed.json", json.loads(content["orderResult"])),
        ("lattice-only.json", {"lattice": json.loads(content["orderResult"])["lattice"]}),
    ]:
        call = read_one(write(tmp_path, name, data))
        assert [t.text for t in call.turns] == reference, name


def test_iflytek_prefers_lattice_over_lattice2(tmp_path):
    order = json.loads(load("xf-20261102-0021.json")["content"]["orderResult"])
    order["lattice2"] = order["lattice2"][:3]  # if lattice2 were read, there would be 3 turns
    assert (
        len(read_one(write(tmp_path, "both.json", {"orderResult": json.dumps(order, ensure_ascii=False)})).turns) == 11
    )


def test_iflytek_v1_api_result(tmp_path):
    rows = [
        {"bg": "120", "ed": "3050", "onebest": "您好，星联通信，请问有什么可以帮您？", "speaker": "1"},
        {"bg": "3400", "ed": "5200", "onebest": "我要报修宽带。", "speaker": "2"},
    ]
    call = read_one(
        write(tmp_path, "v1.json", {"ok": 0, "err_no": 0, "failed": None, "data": json.dumps(rows, ensure_ascii=False)})
    )
    assert [(t.speaker, t.start) for t in call.turns] == [("agent", 0.12), ("customer", 3.4)]


# ----------------------------------------------------------------------------- who is the agent


def test_agent_channel_flips_the_roles():
    call = read_one(FIXTURES / "ali-20261102-0007.json", replace(ROLES, agent_channel=1))
    assert call.turns[0].speaker == "customer" and call.turns[1].speaker == "agent"
    xf = read_one(FIXTURES / "xf-20261102-0021.json", replace(ROLES, agent_channel=1))
    assert xf.turns[0].speaker == "customer"  # rl 2 is index 1


def test_scheme_asr_agent_channel():
    scheme = scheme_from("""
        scheme: s
        asr: {agent_channel: 1}
        rules: []
    """)
    assert scheme.roles.agent_channel == 1
    assert read_one(FIXTURES / "tx-20261102-0012.json", scheme.roles).turns[0].speaker == "customer"
    assert scheme_from("scheme: s\nrules: []\n").roles.agent_channel == 0


@pytest.mark.parametrize("bad", ["asr: {agent_channel: -1}", "asr: {agent_chanel: 1}", "asr: {agent_channel: left}"])
def test_scheme_asr_key_is_checked(bad):
    with pytest.raises(SchemeError) as exc:
        scheme_from(f"scheme: s\n{bad}\nrules: []\n")
    assert exc.value.problems and all(p.startswith("test.yaml:2:") for p in exc.value.problems)


def test_audit_agent_channel_option(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "scheme: s\nrules:\n"
        "  - {id: greet, kind: required, section: 开场, window: {first_turns: 1}, phrases: [您好], deduct: 5, message: 未问候}\n",
        encoding="utf-8",
    )
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ali-20261102-0007.json").write_bytes((FIXTURES / "ali-20261102-0007.json").read_bytes())

    def findings(*extra: str) -> list[dict]:
        out = tmp_path / f"out{len(extra)}"
        result = CliRunner().invoke(
            main, ["audit", str(folder), "--rules", str(rules), "--out", str(out), "-j", "1", *extra]
        )
        assert result.exit_code == 0, result.output
        return [json.loads(line) for line in (out / "findings.jsonl").read_text(encoding="utf-8").splitlines()]

    assert findings() == []  # channel 0 greets
    flipped = findings("--agent-channel", "1")  # channel 1 is the customer, who does not greet
    assert [f["rule_id"] for f in flipped] == ["greet"]


# ----------------------------------------------------------------------------- detection


def test_native_json_still_reads_natively(tmp_path):
    native = {
        "call_id": "n1",
        "agent_id": "A1",
        "turns": [{"speaker": "坐席", "text": "您好"}, {"speaker": "客户", "text": "你好"}],
    }
    assert detect_vendor(native) is None
    call = read_one(write(tmp_path, "n1.json", native))
    assert isinstance(call, Call) and call.agent_id == "A1" and "asr_vendor" not in call.metadata
    calls = list(read_file(write(tmp_path, "list.json", [native, dict(native, call_id="n2")]), ROLES))
    assert [c.call_id for c in calls] == ["n1", "n2"]


def test_call_fields_next_to_a_vendor_result_are_used(tmp_path):
    data = load("ali-20261102-0007.json")
    data.update(
        call_id="c-0007",
        agent_id="A1003",
        started_at="2026-11-02T10:41:07+08:00",
        direction="inbound",
        metadata={"queue": "宽带"},
    )
    call = read_one(write(tmp_path, "stamped.json", data))
    assert (call.call_id, call.agent_id, call.direction, call.metadata["queue"]) == (
        "c-0007",
        "A1003",
        "inbound",
        "宽带",
    )


def test_jsonl_of_vendor_results_uses_task_ids(tmp_path):
    ali = load("ali-20261102-0007.json")
    tx = load("tx-20261102-0012.json")
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in (ali, tx)) + "\n", encoding="utf-8")
    calls = list(read_file(path, ROLES))
    assert [c.call_id for c in calls] == [ali["TaskId"], str(tx["Response"]["Data"]["TaskId"])]
    assert [c.line for c in calls] == [1, 2]


def test_unknown_object_says_what_was_expected(tmp_path):
    err = read_one(write(tmp_path, "what.json", {"id": 3, "segments": []}))
    assert isinstance(err, InputError)
    assert "no turns" in err.reason and "Alibaba" in err.reason and "iFlytek" in err.reason


# ----------------------------------------------------------------------------- broken files


def _ali(**changes) -> dict:
    data = load("ali-20261102-0007.json")
    data.update(changes)
    return data


def _ali_sentence(i: int, **changes) -> dict:
    data = load("ali-20261102-0007.json")
    data["Result"]["Sentences"][i].update(changes)
    return data


def _xf(order_result) -> dict:
    data = load("xf-20261102-0021.json")
    data["content"]["orderResult"] = order_result
    return data


def _xf_rl(value: str) -> dict:
    order = json.loads(load("xf-20261102-0021.json")["content"]["orderResult"])
    for item in order["lattice"]:
        best = json.loads(item["json_1best"])
        best["st"]["rl"] = value
        item["json_1best"] = json.dumps(best, ensure_ascii=False)
    return {"orderResult": json.dumps(order, ensure_ascii=False)}


BROKEN = {
    "ali-failed": (
        _ali(StatusText="FILE_DOWNLOAD_FAILED", StatusCode=41050002, Result=None),
        "did not succeed: StatusText FILE_DOWNLOAD_FAILED",
    ),
    "ali-silent": (_ali(StatusText="SUCCESS_WITH_NO_VALID_FRAGMENT", Result={"Sentences": []}), "recognised no speech"),
    "ali-result-not-json": (_ali(Result='{"Sentences": [{"BeginTime": 1'), "`Result` is a string but not JSON"),
    "ali-no-sentences": (_ali(Result={"Sentences": []}), "no recognised speech"),
    "ali-sentences-not-list": (_ali(Result={"Sentences": {"Text": "您好"}}), "`Result.Sentences` must be a list"),
    "ali-end-before-begin": (_ali_sentence(3, EndTime=10), "Result.Sentences[3]: EndTime 10 is before BeginTime"),
    "ali-negative-time": (
        _ali_sentence(2, BeginTime=-40),
        "Result.Sentences[2].BeginTime must be a finite, non-negative number of milliseconds",
    ),
    "ali-channel-name": (_ali_sentence(1, ChannelId="left"), "Result.Sentences[1].ChannelId must be a whole number"),
    "ali-text-number": (_ali_sentence(0, Text=12), "Result.Sentences[0].Text must be a string"),
    "tx-error": (
        {"Response": {"Error": {"Code": "AuthFailure.SignatureExpire", "Message": "签名过期"}, "RequestId": "r1"}},
        "AuthFailure.SignatureExpire: 签名过期",
    ),
    "tx-failed": (
        {"Data": {"TaskId": 1, "Status": 3, "StatusStr": "failed", "ErrorMsg": "Failed to download audio file!"}},
        "failed: Failed to download audio file!",
    ),
    "tx-running": (
        {"Response": {"Data": {"TaskId": 2, "Status": 1, "StatusStr": "doing", "ResultDetail": None}}},
        "is not finished",
    ),
    "tx-bad-result-line": (
        {"Data": {"TaskId": 3, "Status": 2, "StatusStr": "success", "Result": "坐席 您好\n"}},
        "Result line 1: expected",
    ),
    "xf-request-failed": ({"code": "26601", "descInfo": "非法应用信息", "content": None}, "code 26601: 非法应用信息"),
    "xf-order-failed": (
        {
            "code": "000000",
            "descInfo": "success",
            "content": {"orderInfo": {"orderId": "DK1", "status": -1, "failType": 6}, "orderResult": ""},
        },
        "order DK1 failed (failType 6: the audio is silent)",
    ),
    "xf-order-not-json": (_xf("{lattice: ["), "`orderResult` is not JSON"),
    "xf-best-not-json": (
        _xf(json.dumps({"lattice": [{"json_1best": '{"st": '}]})),
        "orderResult.lattice[0].json_1best is not JSON",
    ),
    "xf-no-role-separation": (_xf_rl("0"), "role separation was off"),
    "xf-no-lattice": (_xf(json.dumps({"lattice": [], "lattice2": []})), "has no `lattice`"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_vendor_file_is_an_input_error_with_file_and_reason(tmp_path, case):
    data, reason = BROKEN[case]
    path = write(tmp_path, f"{case}.json", data)
    err = read_one(path)
    assert isinstance(err, InputError), err
    assert err.file == str(path)
    assert reason in err.reason, err.reason
    vendor = {"ali": "Alibaba", "tx": "Tencent", "xf": "iFlytek"}[case.split("-")[0]]
    assert err.reason.startswith(vendor), err.reason


def test_bad_sentence_error_names_its_line(tmp_path):
    path = write(tmp_path, "bad.json", _ali_sentence(3, EndTime=10))
    err = read_one(path)
    assert err.line is not None
    assert '"BeginTime"' in path.read_text(encoding="utf-8").splitlines()[err.line - 1]
    assert str(err).startswith(f"{path}:{err.line}: ")


def test_a_broken_file_does_not_stop_the_others(tmp_path):
    write(tmp_path, "a-broken.json", _ali(StatusText="FILE_DOWNLOAD_FAILED", Result=None))
    (tmp_path / "b-good.json").write_bytes((FIXTURES / "tx-20261102-0012.json").read_bytes())
    items = list(read_paths([tmp_path], ROLES))
    assert [type(i).__name__ for i in items] == ["InputError", "Call"]
