"""The matching traps from SPEC "Matching", through the whole engine."""

import pytest
from hypothesis import example, given, settings, strategies as st

from checker.engine import audit_call
from checker.match import PhraseBook
from checker.model import Call, Turn
from checker.normalise import normalise
from checker.rules.base import CallContext
from checker.segment import get_segmenter

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


# -- the UTF-16 scan of the vectorised path --------------------------------------------------


def book_of(*phrases):
    book = PhraseBook()
    for phrase in phrases:
        book.add(phrase)
    return book


def call_of(*texts):
    return Call("c", tuple(Turn("agent" if i % 2 == 0 else "customer", t) for i, t in enumerate(texts)))


def context_hits(book, texts, vectorised):
    ctx = CallContext(call_of(*texts), book, get_segmenter("rjieba"), vectorised=vectorised)
    return ctx.turn_hits(), ctx


def one_by_one_hits(book, texts):
    """Each turn normalised and scanned on its own, compact spans mapped to the normalised text."""
    out = []
    for text in texts:
        norm = normalise(text)
        out.append({k: [norm.text_span(b, e) for b, e in v] for k, v in book.scan(norm.compact).items()})
    return out


def test_misaligned_utf16_bytes_are_no_match():
    # 扡 (U+6261) is the bytes 61 62; 愀b (U+6100 U+0062) is 00 61 62 00: the phrase's bytes
    # stand there only from the odd offset 1, across two characters.
    book = book_of("\u6261")
    text = "\u6100\u0062"
    assert "\u6261".encode("utf-16-le") in text.encode("utf-16-le")
    hits, ctx = context_hits(book, [text], vectorised=True)
    assert ctx.joined is not None and ctx.joined.compact_utf16 is not None  # the byte scan ran
    assert hits == [{}]
    assert ctx.call_keys() == set()
    assert book.scan(normalise(text).compact) == {}
    assert context_hits(book, [text], vectorised=False)[0] == [{}]


def test_misaligned_bytes_next_to_a_real_match():
    book = book_of("\u6261", "a")
    # a (61 00) stands at an odd offset in 愀愀 (00 61 00 61); 扡 stands for real at turn 1, 2
    texts = ["\u6100\u6100", "\u6100\u0062\u6261", "a\u6100"]
    hits, ctx = context_hits(book, texts, vectorised=True)
    assert ctx.joined.compact_utf16 is not None
    assert hits == [{}, {"\u6261": [(2, 3)]}, {"a": [(0, 1)]}]
    assert hits == one_by_one_hits(book, texts) == context_hits(book, texts, vectorised=False)[0]
    assert ctx.turns_with(frozenset({"\u6261"})) == [1] and ctx.turns_with(frozenset({"a"})) == [2]


def test_misaligned_bytes_across_the_turn_separator():
    # turn 0 ends in 愀 (00 61) and the separator is 00 e0: 'a' (61 00) straddles them
    book = book_of("a")
    texts = ["\u6100", "\u6100"]
    hits, ctx = context_hits(book, texts, vectorised=True)
    assert "a".encode("utf-16-le") in ctx.joined.compact_utf16
    assert hits == [{}, {}] == one_by_one_hits(book, texts)


# Characters whose UTF-16-LE bytes are all 00, 61 or 62, none changed by normalisation: their
# bytes combine into one another's at odd offsets all the time.
BYTE_CHARS = ["a", "b", "\u6100", "\u6261", "\u6162", "\u6161", "\u6262"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(st.sampled_from(BYTE_CHARS), min_size=1, max_size=3), min_size=1, max_size=4),
    st.lists(st.text(st.sampled_from(BYTE_CHARS + [" ", "，"]), max_size=10), min_size=1, max_size=5),
)
@example(["\u6261"], ["\u6100\u0062"])
def test_utf16_scan_equals_the_text_scan(phrases, texts):
    book = book_of(*phrases)
    fast, ctx = context_hits(book, texts, vectorised=True)
    assert ctx.joined is not None and ctx.joined.compact_utf16 is not None
    assert fast == context_hits(book, texts, vectorised=False)[0]
    assert fast == one_by_one_hits(book, texts)


# -- characters outside the BMP around a phrase -------------------------------------------------

ASTRAL = ["😀", "\U00020000", "\U0001f44d", "\U00010400"]  # emoji, CJK Ext. B, 👍, Deseret 𐐀


@pytest.mark.parametrize(
    "texts, quoted",
    [
        (["😀您好😀", "说吧"], [["您好"], ["说吧"]]),
        # an emoji is a symbol (skipped inside a phrase); 𠀀 is a letter
        (["您😀好", "𠀀说吧𠀀"], [["您😀好"], ["说吧"]]),
        (["您\U00020000好", "好的👍说吧"], [[], ["说吧"]]),
        (["😀", "您好", "\U00010400说吧"], [[], ["您好"], ["说吧"]]),
        (["說吧😀", "ＯＫ😀您好"], [["說吧"], ["ＯＫ", "您好"]]),  # traditional and full-width next to an emoji
    ],
)
def test_astral_characters_around_a_phrase_same_hits(texts, quoted):
    book = book_of("您好", "说吧", "ok")
    fast, ctx = context_hits(book, texts, vectorised=True)
    slow, _ = context_hits(book, texts, vectorised=False)
    assert fast == slow == one_by_one_hits(book, texts)
    found_quotes = []
    for i, found in enumerate(fast):
        found_quotes.append([])
        for key, spans in found.items():
            for b, e in spans:
                view = ctx.view(i)
                ob, oe = view.original(b, e)
                assert normalise(texts[i][ob:oe]).compact == key
                found_quotes[i].append(texts[i][ob:oe])
    assert [sorted(q) for q in found_quotes] == [sorted(q) for q in quoted]


def test_emoji_inside_a_phrase_is_skipped_and_quoted():
    book = book_of("您好")
    fast, ctx = context_hits(book, ["嗯，您😀好"], vectorised=True)
    assert fast == [{"您好": [(2, 5)]}]
    assert ctx.norm_text(0)[2:5] == "您😀好"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(st.sampled_from(["您", "好", "说", "吧", "說", " ", "，"] + ASTRAL), max_size=10),
        min_size=1,
        max_size=5,
    )
)
def test_astral_texts_same_hits_on_both_paths(texts):
    book = book_of("您好", "说吧", "好说")
    fast, _ = context_hits(book, texts, vectorised=True)
    assert fast == context_hits(book, texts, vectorised=False)[0] == one_by_one_hits(book, texts)
