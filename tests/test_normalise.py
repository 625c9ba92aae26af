from checker.normalise import normalise, normalise_phrase


def test_traditional_full_width_and_case_are_normalised():
    n = normalise("請問，還有什麼可以幫您？ＯＫ")
    assert n.text == "请问,还有什么可以帮您?ok"
    assert n.compact == "请问还有什么可以帮您ok"


def test_offsets_map_back_to_the_original_text():
    original = "您好！請問，還有什麼可以幫您"
    n = normalise(original)
    begin = n.compact.index("还有")
    b, e = n.original_span(*n.text_span(begin, begin + 4))
    assert original[b:e] == "還有什麼"


def test_expanding_characters_keep_offsets():
    original = "㈱公司 請稍等"
    n = normalise(original)
    assert n.text.startswith("(株)")
    i = n.text.index("请稍等")
    b, e = n.original_span(i, i + 3)
    assert original[b:e] == "請稍等"


def test_phrase_ignores_spaces_and_punctuation():
    assert normalise_phrase("请问，还有 什么可以帮您？") == "请问还有什么可以帮您"
    assert normalise_phrase("，。！") == ""


def test_zero_width_space_is_ignored_inside_phrases():
    n = normalise("您\u200b好")
    assert n.compact == "您好"


from hypothesis import given, settings, strategies as st

from checker.normalise import SEPARATOR, compact_of, normalise_joined

# Simplified and traditional Han, full-width forms, punctuation, Latin, digits, an expanding
# character (㈱) and the joining separator itself.
ALPHABET = st.sampled_from(list("您好請問还有什麼可以幫您說吧小說吧，。？！ 、ＡＢＣabcXYZ０１２123㈱😀\u200b") + [SEPARATOR])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(ALPHABET, max_size=20), min_size=1, max_size=6))
def test_joined_normalisation_equals_one_by_one(texts):
    joined = normalise_joined(texts)
    singles = [normalise(t) for t in texts]
    if any(SEPARATOR in t for t in texts) or any(n.source is not None for n in singles):
        assert joined is None
    if joined is not None:
        assert joined.split(SEPARATOR) == [n.text for n in singles]
        assert compact_of(joined).split(SEPARATOR) == [n.compact for n in singles]
