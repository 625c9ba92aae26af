"""Personal data masking: the regexes one by one, then every report of a batch, then the real
corpus's mobile numbers (STC-3, 11 turns) through the real engine and every writer."""

from __future__ import annotations

import json
import re
import textwrap

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings, strategies as st

from checker.cli import main
from checker.engine import audit_call
from checker.model import Call, Turn
from checker.personal_data import detect, may_hold
from checker.report.mask import id_checksum_ok, luhn_ok, mask_text
from checker.scheme import load_scheme_text

from .conftest import CARD, EMAIL, ID_NUMBER, PHONE, all_text, write


@pytest.mark.parametrize(
    "text, masked",
    [
        ("请打我手机18605718078谢谢", "请打我手机186****8078谢谢"),
        ("电话 138 1234 5678。", "电话 138 **** 5678。"),
        ("电话138-1234-5678", "电话138-****-5678"),
        ("+86 13812345678", "+86 138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("008613812345678", "0086138****5678"),
        ("１３８１２３４５６７８", "１３８****５６７８"),  # full-width digits
        ("688713107686887", "6887131****6887"),  # a number glued to other digits, as customers type
        ("座机010-63923300", "座机010-******00"),
        ("号码为07522813137的", "号码为0752*****37的"),
        ("身份证11010519491231002X", "身份证1****************X"),
        ("身份证11010519491231002x。", "身份证1****************x。"),
        ("卡号6228480402564890018", "卡号***************0018"),
        ("卡号 4111 1111 1111 1111 ", "卡号 **** **** **** 1111 "),
        ("邮箱 zhang.san@example.com 谢谢", "邮箱 z********@example.com 谢谢"),
        ("邮箱ａ@qq.com", "邮箱ａ@qq.com"),  # the local part must be ASCII letters/digits
    ],
)
def test_masks_personal_data(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "工号3021为您服务",
        "本月话费一百二十八元，共128.50元",
        "订单号1211145240001，2013-01-21购买",  # 13 digits, no mobile number at either end
        "IMEI 990007189146746",
        "身份证11010519491231002Y",  # not an ID: the check character is wrong
        "11010519491231003X",  # wrong check character
        "11010519491331002X",  # month 13
        "卡号6228480402564890011",  # fails Luhn
        "客服热线4009909696",
        "@中国联通客服 请私信",
        "12345678901",  # not a mobile prefix
        "",
    ],
)
def test_leaves_other_text_alone(text):
    assert mask_text(text) == text


def test_checksums():
    assert id_checksum_ok(ID_NUMBER) and not id_checksum_ok("110105194912310021")
    assert luhn_ok(CARD) and luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


def test_none_passes_through():
    assert mask_text(None) is None


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("0123456789 -+@＠.,，、/()（）xX话费号码ａ１３８一二三幺两〇零壹叁捌abc")),
        max_size=40,
    )
)
def test_what_may_hold_personal_data_says_none_detect_finds_none(text):
    # `mask_text` leaves a text alone on this test: it must never miss what `detect` would find
    assert may_hold(text) or detect(text) == []


@pytest.mark.parametrize("text", ["一下", "请稍等一会儿", "第3个", "1二3四5六", "话费58元"])
def test_a_digit_or_a_numeral_alone_may_hold_nothing(text):
    assert not may_hold(text) and mask_text(text) == text


@pytest.mark.parametrize("text", [PHONE, "一三八一二三四五六七八", "壹叁捌 1234 5678", "a@b.cn", "x＠y"])
def test_seven_digits_or_an_at_may_hold_something(text):
    assert may_hold(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789 -+@.xX话费号码ａ１３８abc")), max_size=60))
def test_masking_keeps_length_so_spans_still_point_at_the_match(text):
    out = mask_text(text)
    assert len(out) == len(text)
    assert all(a == b or b == "*" for a, b in zip(text, out))


def test_no_personal_data_survives_in_any_report(report):
    text = all_text(report)
    for secret in (PHONE, ID_NUMBER, CARD, EMAIL, "zhang.san"):
        assert secret not in text
    assert "139****5678" in text  # masked, not dropped: the reader still sees a number was given


def test_no_mask_keeps_personal_data(report_unmasked):
    text = all_text(report_unmasked)
    assert PHONE in text and ID_NUMBER in text and CARD in text and EMAIL in text


def test_masked_excerpt_keeps_the_match_marked(report):
    rows = [json.loads(line) for line in (report / "findings.jsonl").read_text(encoding="utf-8").splitlines()]
    taboo = [r for r in rows if r["rule_id"] == "taboo" and r["turn"] == 2]
    assert taboo and all("【" in r["excerpt"] and "****5678" in r["excerpt"] for r in taboo)
    # the excerpt of 说吧 starts inside the number ("…9****5678"): cut from the masked turn, so
    # the digits the regexes could no longer recognise as a phone number are masked too
    assert any(r["excerpt"].startswith("…9****5678") for r in taboo)
    assert {r["matched"] for r in taboo} == {"我不能", "说吧"}


def test_excerpt_cut_through_a_number_is_masked_all_the_same(scheme, tmp_path):
    # the excerpt keeps 20 characters each side: here it cuts the card number in the middle
    pad = "一" * 14
    text = f"坐席: 您好，{pad}卡号{CARD}{pad}说吧{pad}再见"
    from checker.read import parse_text

    result = audit_call(parse_text(text, scheme.roles), scheme)
    out = write(tmp_path / "out", scheme, [result])
    assert CARD[-8:-4] not in all_text(out).replace("0018", "")


def test_audit_no_mask_option(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        textwrap.dedent("""
        scheme: t
        rules:
          - id: taboo
            kind: forbidden
            section: 服务禁语
            phrases: [说吧]
            message: 使用服务禁语
    """),
        encoding="utf-8",
    )
    calls = tmp_path / "a.txt"
    calls.write_text(f"# agent_id: A1\n坐席: 说吧，你的号码{PHONE}\n", encoding="utf-8")
    for flag, expect in (([], False), (["--no-mask"], True)):
        out = tmp_path / f"out{len(flag)}"
        result = CliRunner().invoke(
            main, ["audit", str(calls), "--rules", str(rules), "--out", str(out), "--jobs", "1", *flag]
        )
        assert result.exit_code == 0, result.output
        assert (PHONE in all_text(out)) is expect


STC3_SCHEME = """
scheme: pii
title: 个人信息
rules:
  - id: number-in-turn
    kind: forbidden
    section: 信息安全
    speaker: any
    regex: ['\\d{7,}']
    message: 对话中出现长串号码
  - id: closing
    kind: required
    section: 结束语
    window: {last_turns: 1}
    phrases: [再见]
    message: 结束时未道别
"""


def test_real_corpus_mobile_numbers_are_masked_everywhere(corpus_path, tmp_path):
    scheme = load_scheme_text(textwrap.dedent(STC3_SCHEME), name="pii.yaml")
    mobile = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
    calls, numbers, turns_with_numbers = [], set(), 0
    with corpus_path.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            d = json.loads(line)
            if not d["call_id"].startswith("STC3-"):
                continue
            found = [mobile.findall(t["text"]) for t in d["turns"]]
            if not any(found):
                continue
            turns_with_numbers += sum(1 for f in found if f)
            numbers.update(n for f in found for n in f)
            calls.append(
                Call(
                    call_id=d["call_id"],
                    agent_id=f"W{i % 3}",
                    started_at="2026-11-02T10:00:00+08:00",
                    turns=tuple(Turn(t["speaker"], t["text"]) for t in d["turns"]),
                )
            )
    assert turns_with_numbers == 11 and len(numbers) >= 10
    numbers.add("13107686887")  # also typed glued to other digits: 688713107686887
    results = [audit_call(c, scheme) for c in calls]
    assert sum(f.rule_id == "number-in-turn" for r in results for f in r.findings) >= 11

    masked = all_text(write(tmp_path / "masked", scheme, results))
    assert [n for n in numbers if n in masked] == []
    assert masked.count("****") >= 11
    unmasked = all_text(write(tmp_path / "plain", scheme, results, mask=False))
    assert all(n in unmasked for n in numbers)  # the check above does look where the numbers would be


PIECES = [
    "说吧",
    "我不能",
    "您好",
    "卡号",
    CARD,
    PHONE,
    "138",
    "5678",
    "，",
    "。",
    "张伟",
    "住在北京市朝阳区建国路88号",
    "一" * 9,
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=8).map("".join), min_size=1, max_size=4))
@example([f"您好，{'一' * 14}卡号{CARD}{'一' * 14}说吧{'一' * 14}再见"])  # the excerpt cuts the number
def test_a_calls_records_are_masked_as_each_field_masked_on_its_own(scheme, turns):
    """`finding_records` tests each text once a call (`seen`) and leaves a record alone when none
    may hold personal data: the records are those of the masking path taken for every finding."""
    from checker.report import ReportOptions, mask
    from checker.report.tables import finding_records

    result = audit_call(Call("c1", tuple(Turn("agent", t) for t in turns), agent_id="A1"), scheme)
    assert result.findings
    fast = finding_records(result, ReportOptions())
    with pytest.MonkeyPatch.context() as always:  # (a function's fixture would outlive the examples)
        always.setattr(mask, "_may_mask", lambda text, seen: True)
        slow = [mask.mask_finding_record(f, result.call) for f in result.findings]
    assert fast == slow
