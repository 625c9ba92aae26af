"""Personal data is masked in every spelling the issue found, in the reports and in `explain`;
call ids are masked where people read them (coaching pages, explain) and kept as keys in the
machine files (findings.csv/.jsonl, calls.csv)."""

import csv
import json

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.report.mask import mask_text


@pytest.mark.parametrize(
    "text,expected",
    [
        ("137，2345，6789", "137，****，6789"),
        ("135.1234.5678", "135.****.5678"),
        ("138 1234 5678", "138 **** 5678"),
        ("010-12345678", "010-******78"),
        ("(021)87654321", "(021)******21"),
        ("（0755）23456789", "（0755）******89"),
        ("0755 2345 6789", "0755 **** **89"),
        ("身份证110105491231002", "身份证1*************2"),  # the old 15-digit ID
        ("一三八一二三四五六七八", "一三八****五六七八"),
        ("幺三八一二三四五六七八", "幺三八****五六七八"),
        ("壹叁捌壹贰叁肆伍陆柒捌", "壹叁捌****伍陆柒捌"),
        ("138一二三四5678", "138****5678"),
        ("我叫张伟，住在北京市朝阳区建国路88号", "我叫张*，住在北京市*********"),
        ("机主叫陈丽华", "机主叫陈**"),
        ("吴晓峰，后六位是250013。", "吴**，后六位是250013。"),
        ("装机地址是城西街道幸福里小区5栋1002。", "装机地址是***************。"),
    ],
)
def test_every_spelling_is_masked(text, expected):
    assert mask_text(text) == expected
    assert len(mask_text(text)) == len(text)


@pytest.mark.parametrize(
    "text",
    [
        "谢谢，明白了，祝您生活愉快",
        "好的王先生，请稍等",
        "您的套餐将在11月30号到期",
        "价格是1,234.56元",
        "2026-11-02 09:30",
        "订单号 2026110212345",
        "我明天(8号)回老家",
        "一二三四五六七",
        "马上为您处理",
        "客服热线400-8610-400",
        "恭喜您乔迁新居",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert mask_text(text) == text


SCHEME = (
    "scheme: s\nrules:\n  - {id: taboo, kind: forbidden, section: 禁语, message: 禁语, deduct: 5, "
    "phrases: [说吧], examples: []}\n"
)
TURNS = [
    {"speaker": "agent", "text": "您好，说吧"},
    {"speaker": "customer", "text": "我叫张伟，电话137，2345，6789，地址北京市朝阳区建国路88号"},
    {"speaker": "agent", "text": "好的，说吧，号码是幺三八一二三四五六七八吗"},
]


@pytest.fixture
def work(tmp_path):
    (tmp_path / "rules.yaml").write_text(SCHEME, encoding="utf-8")
    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / "c.jsonl").write_text(
        json.dumps({"call_id": "13712345678", "agent_id": "A1", "turns": TURNS}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return tmp_path


SECRETS = ["2345", "张伟", "建国路", "一二三四", "12345678"]


def test_reports_mask_every_spelling_and_human_call_ids(work):
    out = work / "out"
    result = CliRunner().invoke(
        main, ["audit", str(work / "calls"), "--rules", str(work / "rules.yaml"), "--out", str(out), "--jobs", "1"]
    )
    assert result.exit_code == 0, result.output
    with (out / "findings.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["call_id"] == "13712345678" for r in rows)  # the machine key, as the source has it
    excerpts = " ".join(r["excerpt"] for r in rows)
    assert "137，****，6789" in excerpts or "幺三八****五六七八" in excerpts
    pages = list((out / "agents").glob("*.*"))
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for secret in SECRETS:
            assert secret not in text, (page.name, secret)
        assert "137****5678" in text or "137\\*\\*\\*\\*5678" in text  # the call id, masked where people read it
    for name in ("findings.csv", "findings.jsonl"):
        text = (out / name).read_text(encoding="utf-8-sig").replace("13712345678", "")
        for secret in SECRETS:
            assert secret not in text, (name, secret)


def test_explain_masks_by_default_and_no_mask_shows_all(work):
    args = ["explain", str(work / "calls" / "c.jsonl"), "--rules", str(work / "rules.yaml"), "--width", "200"]
    masked = CliRunner().invoke(main, args)
    assert masked.exit_code == 0, masked.output
    for secret in SECRETS + ["13712345678"]:
        assert secret not in masked.output, secret
    assert "137****5678" in masked.output and "张*" in masked.output
    shown = CliRunner().invoke(main, args + ["--no-mask"])
    assert "13712345678" in shown.output and "张伟" in shown.output and "137，2345，6789" in shown.output
