"""`dialect` rules: distinct (weighted) markers per turn, `mode: any` and `mode: switch`."""

import pytest

from checker.engine import audit_call

from ..conftest import call_from, scheme_from

SCHEME = """
dialect_lexicons:
  testese:
    title: 测试话
    markers:
      - {marker: 嘅, suggest: 的}
      - {marker: 咗, suggest: 了}
      - {marker: 冇, suggest: 没有}
      - {marker: 唔该, suggest: 谢谢}
      - {marker: 啲, weight: 0.5}
      - {marker: 系, weight: 0.5, exceptions: [系统]}
rules:
  - id: switch
    kind: dialect
    section: 方言
    dialects: [testese]
    mode: switch
    min_markers: 2
    deduct: 5
    message: 坐席跟随客户使用方言
  - id: any
    kind: dialect
    section: 方言
    speaker: any
    dialects: [testese]
    mode: any
    min_markers: 1
    message: 出现方言
"""


@pytest.fixture(scope="module")
def scheme():
    return scheme_from(SCHEME)


def hits(scheme, text, rule_id):
    return [f for f in audit_call(call_from(text, scheme), scheme).findings if f.rule_id == rule_id]


def test_switch_fires_on_each_agent_turn_following_the_customer(scheme):
    text = """
    坐席: 您好，请问有什么可以帮您
    客户: 我部手机冇信号，搞咗成日
    坐席: 唔该你等等，我睇下系统
    坐席: 你嘅手机已经冇欠费
    坐席: 好的，请您稍等
    """
    found = hits(scheme, text, "switch")
    assert [f.turn for f in found] == [3]
    f = found[0]
    assert f.matched == "嘅、冇"
    assert f.message == "坐席跟随客户使用方言（测试话：嘅、冇）"
    assert f.suggest == "嘅→的；冇→没有"
    assert f.details == {"dialect": "testese", "markers": ["嘅", "冇"]}


def test_switch_needs_the_customer_to_speak_the_dialect(scheme):
    text = """
    坐席: 你嘅手机冇欠费
    客户: 好的谢谢
    """
    assert hits(scheme, text, "switch") == []


def test_customer_markers_count_over_the_whole_call(scheme):
    text = """
    客户: 冇信号
    坐席: 请稍等
    客户: 搞咗好耐
    坐席: 你部手机冇问题嘅
    """
    assert [f.turn for f in hits(scheme, text, "switch")] == [3]


def test_min_markers_counts_distinct_weighted_markers(scheme):
    # 冇 three times is one marker; a weak marker counts half.
    assert hits(scheme, "坐席: 冇冇冇\n客户: 冇咗", "switch") == []
    assert [f.turn for f in hits(scheme, "客户: 冇咗\n坐席: 冇啲", "switch")] == []
    assert [f.turn for f in hits(scheme, "客户: 冇咗\n坐席: 冇啲系咁", "switch")] == [1]


def test_exception_hides_a_weak_marker_in_mandarin(scheme):
    assert hits(scheme, "坐席: 我们系统升级", "any") == []


def test_mode_any_fires_on_every_speaker_turn(scheme):
    found = hits(scheme, "坐席: 您好\n客户: 唔该晒\n坐席: 不客气", "any")
    assert [(f.turn, f.speaker, f.matched) for f in found] == [(1, "customer", "唔该")]


def test_traditional_markers_are_normalised(scheme):
    found = hits(scheme, "客户: 冇咗\n坐席: 唔該你，冇問題", "switch")
    assert [f.matched for f in found] == ["唔該、冇"]


def test_customer_dialect_is_reported_per_call(scheme):
    # The shipped Cantonese lexicon knows more of these markers than the test lexicon: it wins.
    result = audit_call(call_from("客户: 我部手机冇信号，搞咗成日\n坐席: 好的", scheme), scheme)
    assert result.extra["customer_dialect"] == "cantonese"
    result = audit_call(call_from("客户: 我的手机没有信号\n坐席: 好的", scheme), scheme)
    assert result.extra["customer_dialect"] is None


def test_markers_do_not_span_punctuation():
    scheme = scheme_from("""
    dialect_lexicons:
      testese: {markers: [{marker: 唔好}]}
    rules:
      - {id: any, kind: dialect, section: 方言, dialects: [testese], min_markers: 1, message: 方言}
    """)
    assert hits(scheme, "坐席: 唔，好的，我帮您看一下", "any") == []
    assert [f.matched for f in hits(scheme, "坐席: 你唔好走啦", "any")] == ["唔好"]


def test_scheme_extends_a_shipped_lexicon():
    scheme = scheme_from("""
    dialect_lexicons:
      cantonese:
        markers: [{marker: 执笠, suggest: 倒闭}]
    rules:
      - {id: any, kind: dialect, section: 方言, dialects: [cantonese], min_markers: 1, message: 方言}
    """)
    found = hits(scheme, "坐席: 嗰间铺头执笠咗", "any")
    assert found and "执笠" in found[0].matched and "执笠→倒闭" in found[0].suggest
    # the shipped markers are still there
    assert hits(scheme, "坐席: 佢冇嚟", "any")


def test_strength_over_a_speakers_turns_skips_turns_that_cannot_add_and_equals_the_full_count():
    """`strength_of` matches a customer turn only while one of its markers could still count for
    more; on real spoken Cantonese (HKCanCor) it must give what matching every turn gives."""
    pycantonese = pytest.importorskip("pycantonese")
    from checker.model import Call, Turn
    from checker.rules import CallContext
    from checker.scheme import load_scheme
    from checker.segment import get_segmenter

    from ..conftest import ROOT

    scheme = load_scheme(ROOT / "qa_rules")
    texts = ["".join(t.word for t in u.tokens) for u in pycantonese.hkcancor().utterances()][:1200]
    skipped = 0
    for n in range(0, len(texts), 24):
        turns = tuple(Turn("customer" if i % 3 else "agent", t) for i, t in enumerate(texts[n : n + 24]))
        call = Call(f"c{n}", turns)
        fast = CallContext(call, scheme.book, get_segmenter(scheme.segmenter), vectorised=True)
        full = CallContext(call, scheme.book, get_segmenter(scheme.segmenter), vectorised=True)
        for dialect in scheme.dialects:
            everything = [m for i in dialect.turns(full, full.turn_indexes("customer")) for m in dialect.found(full, i)]
            assert dialect.strength_of(fast, "customer") == dialect.strength(everything), (n, dialect.name)
        skipped += len(full.dialect_markers) - len(fast.dialect_markers)
    assert skipped > 50  # turns it did not have to match
