"""Rule language v2 matching (SPEC "Rule language v2"): token `patterns`, `similar` sentences,
`entities` and `tolerance: homophone`, in every kind that takes a phrase set, with the `how`
column; firing and non-firing cases and the traps the SPEC names."""

from __future__ import annotations

import pytest

from checker.engine import audit_call
from checker.ruletest import run_examples
from checker.yamlpos import SchemeError

from ..conftest import call_from, scheme_from


def rule(kind: str = "forbidden", **keys: str) -> str:
    body = "".join(f"    {k}: {v}\n" for k, v in keys.items())
    return f"rules:\n  - id: r\n    kind: {kind}\n    section: s\n    message: m\n{body}"


def findings(scheme_yaml: str, transcript: str):
    scheme = scheme_from(scheme_yaml)
    return list(audit_call(call_from(transcript, scheme), scheme).findings)


# ------------------------------------------------------------------------------ patterns
REFUSAL = rule(patterns='[[{NORM: 退款}, {OP: "{0,5}"}, {NORM: {IN: [不行, 不了]}}]]')


def test_pattern_with_words_close_enough_fires_and_quotes_its_tokens():
    # jieba.posseg: 退款/的/事/我们/这边/办/不了 — four tokens between 退款 and 不了
    (f,) = findings(REFUSAL, "坐席: 好的，退款的事我们这边办不了。")
    assert (f.turn, f.matched, f.how) == (0, "退款的事我们这边办不了", "pattern")
    assert f.excerpt == "好的，【退款的事我们这边办不了】。"


def test_pattern_whose_words_are_too_far_apart_does_not_fire():
    # 退款/这个/事情/我们/这边/确实/是/真的/没有/办法/不行: nine tokens between, limit five
    assert findings(REFUSAL, "坐席: 退款这个事情我们这边确实是真的没有办法不行") == []


def test_pattern_needs_every_literal_token_in_the_turn():
    assert findings(REFUSAL, "坐席: 退款已经提交了\n客户: 不行") == []  # split over two turns


def test_overlapping_pattern_matches_keep_the_longest_then_the_leftmost():
    scheme = rule(patterns="[[{POS: NUM}, {NORM: 元}], [{POS: NUM}, {NORM: 元}, {NORM: 话费}]]")
    found = findings(scheme, "坐席: 给您返还58元话费，另外30元")
    assert [f.matched for f in found] == ["58元话费", "30元"]


def test_pattern_pos_comes_from_jieba_tags_mapped_to_universal_pos():
    # jieba.posseg: 我/先/核实/一下/身份 tagged r/d/vn/m/n: PRON ADV NOUN NUM NOUN
    found = findings(rule(patterns="[[{POS: PRON}, {POS: ADV}, {NORM: 核实}]]"), "坐席: 我先核实一下身份")
    assert [f.matched for f in found] == ["我先核实"]
    assert findings(rule(patterns="[[{POS: PRON}, {POS: VERB}, {NORM: 核实}]]"), "坐席: 我先核实一下身份") == []


def test_pattern_regex_like_num_and_length():
    scheme = rule(patterns='[[{NORM: {REGEX: "^退"}}, {LIKE_NUM: true}, {LENGTH: 1}]]')
    assert [f.matched for f in findings(scheme, "坐席: 退还58元")] == ["退还58元"]
    assert findings(scheme, "坐席: 退还五十八块钱") == []  # 块钱 is two characters


def test_pattern_as_a_required_rule_and_as_a_response_trigger():
    required = rule("required", patterns="[[{NORM: 核实}, {OP: '?'}, {NORM: 身份}]]")
    assert findings(required, "坐席: 我先核实一下身份") == []
    assert len(findings(required, "坐席: 我先查一下")) == 1
    response = """
rules:
  - id: r
    kind: response
    section: s
    message: m
    when: {speaker: customer, patterns: [[{NORM: 退款}, {OP: "{0,3}"}, {NORM: {IN: [没到, 没有到]}}]]}
    expect: {speaker: agent, phrases: [抱歉], within_turns: 1}
"""
    (f,) = findings(response, "客户: 退款到现在还没到\n坐席: 我查一下\n客户: 好")
    assert (f.turn, f.matched, f.how) == (0, "退款到现在还没到", "pattern")


def test_invalid_patterns_are_scheme_errors_at_the_token_all_at_once():
    text = """\
rules:
  - id: r
    kind: forbidden
    section: s
    message: m
    patterns:
      - [{NORM: 退款}, {OP: "{0,x}"}, {LEMMA: 退}]
      - [{POS: VERBS}, {NORM: {REGEX: "("}}]
      - []
"""
    with pytest.raises(SchemeError) as exc:
        scheme_from(text, name="p.yaml")
    problems = exc.value.problems
    assert len(problems) == 5, problems
    assert problems[0].startswith("p.yaml:7:22: patterns.0.1: OP '{0,x}'")
    assert problems[1].startswith("p.yaml:7:37: patterns.0.2: unknown token attribute 'LEMMA'")
    assert problems[2].startswith("p.yaml:8:10: patterns.1.0: POS 'VERBS' is not one of")
    assert problems[3].startswith("p.yaml:8:24: patterns.1.1: NORM: bad REGEX '('")
    assert problems[4].startswith("p.yaml:9:9: patterns.2:")


# ------------------------------------------------------------------------------ similar
CLOSING = rule(
    "required",
    window="{last_turns: 1}",
    similar="{examples: [还有其他能帮您的吗, 感谢您的来电], min_score: 0.6}",
)


def test_similar_sentence_meets_a_required_line():
    # 还有其他能帮你吗 vs 还有其他能帮您的吗: 5 shared bigrams of 7 and 8, Dice 10/15 = 0.667
    assert findings(CLOSING, "坐席: 还有其他能帮你吗？感谢您来电") == []


def test_sentence_just_under_min_score_does_not_count():
    # 还有其他帮您吗 vs 还有其他能帮您的吗: 还有 有其 其他 帮您 shared of 6 and 8: 8/14 = 0.571
    assert len(findings(CLOSING, "坐席: 还有其他帮您吗")) == 1
    at_threshold = CLOSING.replace("min_score: 0.6", "min_score: 0.57")
    assert findings(at_threshold, "坐席: 还有其他帮您吗") == []


def test_similar_quotes_the_sentence_as_written():
    scheme = rule(similar="{examples: [这个不归我们管], min_score: 0.6}")
    (f,) = findings(scheme, "坐席: 您好！這個不歸我們管的。您找別人吧。")
    assert (f.matched, f.how) == ("這個不歸我們管的", "similar")


def test_similar_is_split_at_sentence_ends_and_line_ends_only():
    # a comma does not end a sentence: the whole clause is scored, and is too long to reach 0.6
    scheme = rule(similar="{examples: [这个不归我们管]}")
    assert findings(scheme, "坐席: 您的宽带已经报修了，这个不归我们管，请耐心等待师傅上门") == []
    assert [f.matched for f in findings(scheme, "坐席: 您的宽带已经报修了；这个不归我们管")] == ["这个不归我们管"]


def test_similar_examples_need_text():
    with pytest.raises(SchemeError) as exc:
        scheme_from(rule(similar="{examples: ['，'], min_score: 0}"))
    assert "nothing to compare" in str(exc.value) and "greater than 0" in str(exc.value)


# ------------------------------------------------------------------------------ entities
AMOUNTS = rule(entities="[amount]")


@pytest.mark.parametrize(
    "text, matched",
    [
        ("给您补偿五十八元", ["五十八元"]),
        ("退您两百块钱", ["两百块钱"]),
        ("返还58.5块，另加￥２０", ["58.5块", "￥２０"]),
        ("给您一万二千元补偿", ["一万二千元"]),
        ("优惠券价值三块五", ["三块五"]),
        ("我们一块儿处理，这一块业务我来负责", []),
    ],
)
def test_amounts_in_arabic_and_chinese_numerals(text, matched):
    found = findings(AMOUNTS, f"坐席: {text}")
    assert [f.matched for f in found] == matched
    assert all(f.how == "entity" for f in found)


@pytest.mark.parametrize(
    "kinds, text, matched",
    [
        ("[date]", "我们11月2日前处理，最晚下周三给您答复，2026-11-02生效", ["11月2日", "下周三", "2026-11-02"]),
        ("[time]", "九点半或者16:00，下午三点也行，快一点", ["九点半", "16:00", "下午三点"]),
        ("[phone]", "我的号码是138 1234 5678，座机010-63923300", ["138 1234 5678", "010-63923300"]),
        ("[id_card]", "身份证号11010519491231002X", ["11010519491231002X"]),
        ("[bank_card]", "卡号6222 0202 0000 0000 006，不是6222020200000000001", ["6222 0202 0000 0000 006"]),
        ("[email]", "邮箱 zhang.san@example.com", ["zhang.san@example.com"]),
    ],
)
def test_other_entities(kinds, text, matched):
    found = findings(rule(entities=kinds, speaker="any"), f"客户: {text}")
    assert [f.matched for f in found] == matched


def test_entities_are_not_held_to_word_boundaries():
    # 58元套餐 is one jieba word; the amount inside it still counts
    assert [f.matched for f in findings(AMOUNTS, "坐席: 您现在是58元套餐")] == ["58元"]


def test_required_entity_the_agent_read_back_a_phone_number():
    scheme = rule("required", entities="[phone]")
    assert findings(scheme, "客户: 13812345678\n坐席: 您的号码是138-1234-5678对吗") == []
    assert len(findings(scheme, "客户: 13812345678\n坐席: 好的")) == 1


def test_unknown_entity_is_a_scheme_error():
    with pytest.raises(SchemeError) as exc:
        scheme_from(rule(entities="[amount, money]"), name="e.yaml")
    assert exc.value.problems == [
        "e.yaml:6:24: entities.1: Input should be 'phone', 'id_card', 'bank_card', 'email', 'amount', 'date' or 'time'"
    ]


# ------------------------------------------------------------------------------ homophones
SELF_ID = rule("required", phrases="[工号]", tolerance="homophone")


def test_homophone_meets_the_phrase():
    assert findings(SELF_ID, "坐席: 您好，我的公号是3021") == []
    found = findings(rule(phrases="[稍等]", tolerance="homophone"), "坐席: 请您烧等一下")
    assert [(f.matched, f.how) for f in found] == [("烧等", "homophone")]


def test_homophone_inside_a_longer_word_does_not_match():
    # 手工/号码: gong hao straddles two words
    assert len(findings(SELF_ID, "坐席: 您的手工号码登记好了")) == 1


def test_exact_text_is_reported_as_exact_under_homophone_tolerance():
    found = findings(rule(phrases="[工号]", tolerance="homophone"), "坐席: 工号3021，公号3022")
    assert [(f.matched, f.how) for f in found] == [("工号", "exact"), ("公号", "homophone")]


def test_without_tolerance_a_homophone_is_not_a_match():
    assert len(findings(rule("required", phrases="[工号]"), "坐席: 我的公号是3021")) == 1


def test_homophone_respects_exceptions():
    scheme = rule(phrases="[稍等]", tolerance="homophone", exceptions="[少等一会儿]")
    assert findings(scheme, "坐席: 您少等一会儿") == []


def test_tolerance_needs_phrases():
    with pytest.raises(SchemeError) as exc:
        scheme_from(rule(regex="工号", tolerance="homophone"))
    assert "`tolerance: homophone` applies to `phrases`" in str(exc.value)


# ------------------------------------------------------------------------------ how, elsewhere
def test_how_is_the_last_column_of_a_finding_record():
    (f,) = findings(AMOUNTS, "坐席: 给您补偿五十八元")
    record = f.to_record()
    assert list(record)[-1] == "how" and record["how"] == "entity"
    (missing,) = findings(SELF_ID, "坐席: 您好")
    assert missing.how == ""  # call-level: nothing quoted


def test_sequence_steps_take_the_new_keys():
    scheme = """
rules:
  - id: r
    kind: sequence
    section: s
    message: m
    steps:
      - {name: 致歉, similar: {examples: [非常抱歉给您带来不便]}}
      - {name: 补偿, entities: [amount]}
"""
    assert findings(scheme, "坐席: 非常抱歉给您带来了不便\n坐席: 给您补偿20元") == []
    # 补偿 said before 致歉: the out-of-order step is quoted, and how it matched
    (f,) = findings(scheme, "坐席: 给您补偿20元\n坐席: 非常抱歉给您带来不便")
    assert (f.turn, f.matched, f.how) == (0, "20元", "entity")


def test_examples_of_new_keys_run_in_rules_test():
    scheme = scheme_from(
        rule(
            entities="[amount]",
            examples='[{fires: true, transcript: "坐席: 补偿您五十元", matched: 五十元}, '
            '{fires: false, transcript: "坐席: 补偿已提交"}]',
        )
    )
    assert all(r.ok for r in run_examples(scheme))


# ------------------------------------------------------------------------------ explain, lint
V2_SCHEME = """\
rules:
  - id: self-id
    kind: forbidden
    section: s
    message: 提到工号
    phrases: [工号]
    tolerance: homophone
  - id: amount
    kind: forbidden
    section: s
    message: 报出金额
    entities: [amount]
"""


def test_explain_highlights_the_span_and_says_how(tmp_path):
    from click.testing import CliRunner

    from checker.cli import main

    (tmp_path / "s.yaml").write_text(V2_SCHEME, encoding="utf-8")
    (tmp_path / "c.txt").write_text("坐席: 我的公号是3021，给您补偿五十元\n", encoding="utf-8")
    out = CliRunner().invoke(main, ["explain", str(tmp_path / "c.txt"), "--rules", str(tmp_path / "s.yaml")]).output
    assert "我的【公号】是3021，给您补偿【五十元】" in out
    assert "提到工号「公号」（homophone）" in out and "报出金额「五十元」（entity）" in out


def test_lint_applies_the_new_keys_to_script_text(tmp_path):
    from click.testing import CliRunner

    from checker.cli import main

    (tmp_path / "s.yaml").write_text(V2_SCHEME, encoding="utf-8")
    (tmp_path / "draft.md").write_text("# 话术\n\n我的公号是3021。\n我们补偿您五十元。\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["lint", "--rules", str(tmp_path / "s.yaml"), str(tmp_path / "draft.md")])
    lines = [line for line in res.output.splitlines() if "draft.md:" in line]
    assert [line.split(": ", 1)[0].rsplit(":", 2)[-2:] for line in lines] == [["3", "3"], ["4", "6"]]
    assert res.exit_code == 1


def test_readme_porting_examples_hold_and_are_the_ported_rules():
    import re

    from ..conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ported = (ROOT / "examples" / "ported" / "matching.yaml").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(  - id: m-(?:refund-refusal|closing-offer)\n.*?)```", readme, re.S)
    assert len(blocks) == 2
    for block in blocks:
        scheme = scheme_from("rules:\n" + block, name="README.md")
        assert all(r.ok for r in run_examples(scheme))
        rule_id = block.split("\n", 1)[0].split("id: ")[1]
        assert f"- id: {rule_id}\n" in ported
