"""The matching traps from SPEC "Matching", through the whole engine."""
import pytest

from checker.engine import audit_call

from .conftest import call_from, scheme_from

SCHEME = """
rules:
  - id: greet
    kind: required
    section: 开场白
    window: {first_turns: 1}
    phrases: [您好, 你好]
    deduct: 5
    message: 开场未问候
  - id: taboo
    kind: forbidden
    section: 服务禁语
    phrases: [说吧, {phrase: 我不能, suggest: 我看看能为您做些什么}, 不知道]
    exceptions: [知不知道]
    per: occurrence
    deduct: 5
    message: 使用服务禁语
  - id: satisfied
    kind: required
    section: 结束语
    speaker: customer
    phrases: [满意]
    exceptions: [不满意]
    deduct: 1
    message: 客户未表示满意
  - id: closing
    kind: required
    section: 结束语
    window: {last_turns: 1}
    phrases: [请问还有什么可以帮您, 感谢您的来电]
    deduct: 2
    message: 未使用结束语
"""


@pytest.fixture(scope="module")
def scheme():
    return scheme_from(SCHEME)


def rule_hits(scheme, text, rule_id):
    result = audit_call(call_from(text, scheme), scheme)
    return [f for f in result.findings if f.rule_id == rule_id]


def test_forbidden_not_inside_a_longer_word(scheme):
    assert rule_hits(scheme, "坐席: 您好，我平时也看小说吧", "taboo") == []
    hits = rule_hits(scheme, "坐席: 喂，说吧", "taboo")
    assert [h.matched for h in hits] == ["说吧"]
    assert hits[0].excerpt == "喂，【说吧】"


def test_required_greeting_not_met_by_a_longer_word(scheme):
    assert [f.turn for f in rule_hits(scheme, "坐席: 您好像打错了\n客户: 没有", "greet")] == [0]
    assert rule_hits(scheme, "坐席: 您好，请讲\n客户: 我查话费", "greet") == []


def test_exception_hides_an_overlapping_match(scheme):
    assert len(rule_hits(scheme, "坐席: 您好\n客户: 我对这个服务很不满意", "satisfied")) == 1
    assert rule_hits(scheme, "坐席: 您好\n客户: 嗯，服务满意", "satisfied") == []
    assert rule_hits(scheme, "坐席: 您知不知道这个规定", "taboo") == []


def test_phrase_spanning_tokens_and_punctuation(scheme):
    assert rule_hits(scheme, "坐席: 您好\n客户: 好\n坐席: 好的，感谢您的来电，再见", "closing") == []
    assert rule_hits(scheme, "坐席: 您好\n客户: 好\n坐席: 请问，还有什么可以帮您？", "closing") == []


def test_traditional_and_full_width_text_match_and_quote_the_original(scheme):
    hits = rule_hits(scheme, "坐席：您好，這個我不能幫您辦理", "taboo")
    assert [h.matched for h in hits] == ["我不能"]
    assert hits[0].suggest == "我看看能为您做些什么"
    assert rule_hits(scheme, "坐席：ｎｉ您好\n客户：好", "greet") == []
    closing = rule_hits(scheme, "坐席: 您好\n坐席: 請問還有什麼可以幫您？", "closing")
    assert closing == []


def test_matched_quotes_original_spacing(scheme):
    hits = rule_hits(scheme, "坐席: 您好 我 不能 帮您", "taboo")
    assert [h.matched for h in hits] == ["我 不能"]


def test_every_occurrence_is_a_finding_with_capped_deduction():
    scheme = scheme_from(SCHEME.replace("per: occurrence", "per: occurrence\n    max_deduct: 8"))
    result = audit_call(call_from("坐席: 您好，说吧\n客户: 啊\n坐席: 说吧，我不能等", scheme), scheme)
    taboo = [f for f in result.findings if f.rule_id == "taboo"]
    assert [(f.turn, f.matched) for f in taboo] == [(0, "说吧"), (2, "说吧"), (2, "我不能")]
    assert [f.deduct for f in taboo] == [5, 3, 0]


def test_longest_phrase_wins_when_phrases_overlap():
    scheme = scheme_from("""
    rules:
      - id: t
        kind: forbidden
        section: s
        phrases: [不能, 我不能]
        message: m
    """)
    result = audit_call(call_from("坐席: 我不能", scheme), scheme)
    assert [f.matched for f in result.findings] == ["我不能"]


def test_regex_runs_on_normalised_text_and_quotes_original():
    scheme = scheme_from(r"""
    rules:
      - id: hollow
        kind: forbidden
        section: s
        severity: warning
        regex: '^\W*(嗯|哦)?\W*我(知道|明白)了\W*$'
        message: m
    """)
    result = audit_call(call_from("坐席: 嗯，我知道了。\n坐席: 我知道了，马上帮您查", scheme), scheme)
    assert [(f.turn, f.matched) for f in result.findings] == [(0, "嗯，我知道了。")]


def test_phrase_unknown_to_the_dictionary_matches_across_tokens():
    # Phrases are never added to jieba's dictionary: 这不是我应该做的 spans 这/不是/我/应该/做/的.
    scheme = scheme_from("""
    rules:
      - id: t
        kind: forbidden
        section: s
        phrases: [这不是我应该做的]
        message: m
    """)
    text = "坐席: 这不是我应该做的事情"
    before = [f.matched for f in audit_call(call_from(text, scheme), scheme).findings]
    assert before == ["这不是我应该做的"]
