import pytest
from hypothesis import example, given, settings, strategies as st

from checker.normalise import SEPARATOR, compact_of, normalise, normalise_call, normalise_joined, normalise_phrase


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


# Simplified and traditional Han, full-width forms, punctuation, Latin, digits, an expanding
# character (㈱) and the joining separator itself.
ALPHABET = st.sampled_from(
    list("您好請問还有什麼可以幫您說吧小說吧，。？！ 、ＡＢＣabcXYZ０１２123㈱😀\u200b") + [SEPARATOR]
)


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


# -- the vectorised (numpy) normalisation of a call against the regex one ------------------------

# Simplified and traditional Han, full-width forms, ASCII letters/digits/punctuation, spaces, a
# zero-width space, characters outside the BMP (an emoji, a CJK Extension B letter), U+FFFF, an
# NFKC-expanding character and the separator. The separator and ㈱ are drawn rarely so that most
# calls get past the "None" answer and their text, compact form and positions are compared.
CALL_CHARS = list("您好請問说吧小說吧沈澱乾隆还有什麼ＡＢＣ０１２，。？！abcXYZ019.,?!-_ \t") + [
    "\u200b",
    "\U0001f600",
    "\U00020000",
    "\uffff",
    "\u3000",
]
CALL_TEXT = st.text(st.sampled_from(CALL_CHARS), max_size=16) | st.text(
    st.sampled_from(CALL_CHARS + ["㈱", SEPARATOR]), max_size=16
)


def assert_same_joined(texts):
    regex = normalise_call(texts, vectorised=False)
    numpy = normalise_call(texts, vectorised=True)
    if regex is None or numpy is None:
        assert regex is None and numpy is None, (regex, numpy)
        return None
    assert numpy.text == regex.text
    assert numpy.compact == regex.compact
    assert [int(x) for x in numpy.positions] == [int(x) for x in regex.positions]
    if numpy.compact_utf16 is not None:
        assert numpy.compact_utf16.decode("utf-16-le") == numpy.compact
    return numpy


@settings(max_examples=200, deadline=None)
@given(st.lists(CALL_TEXT, min_size=1, max_size=6))
def test_vectorised_call_normalisation_equals_the_regex_one(texts):
    assert_same_joined(texts)


@pytest.mark.parametrize(
    "texts, compact",
    [
        # BMP only: the UTF-16 fast path
        (["您好，請問有什麼可以幫您？", "說吧", "ＡＢＣ０１２ ok"], ["您好请问有什么可以帮您", "说吧", "abc012ok"]),
        (["您好😀請問", "𠀀说吧"], ["您好请问", "𠀀说吧"]),  # outside the BMP: the general path
        (["您好\uffff請問", "沈澱"], ["您好\uffff请问", "沉淀"]),  # U+FFFF, where the clip puts the astral code points
        (["㈱公司", "您好"], None),  # NFKC lengthens ㈱: None
        (["您好" + SEPARATOR, "x"], None),  # the separator itself: None
        (["", "", ""], ["", "", ""]),  # empty turns
        ([""], [""]),
        (["\u200b \u3000，。"], [""]),  # nothing but ignorable characters
        (["乾隆", "小說吧", "abc"], ["乾隆", "小说吧", "abc"]),
    ],
)
def test_vectorised_call_normalisation_examples(texts, compact):
    joined = assert_same_joined(texts)
    assert (joined.compact.split(SEPARATOR) if joined is not None else None) == compact


def test_vectorised_fast_path_keeps_utf16_bytes_of_the_compact_text():
    joined = normalise_call(["您好，請問", "ＡＢＣ"], vectorised=True)
    assert joined.text == "您好,请问" + SEPARATOR + "abc"
    assert joined.compact == "您好请问" + SEPARATOR + "abc"
    assert joined.compact_utf16 == joined.compact.encode("utf-16-le")
    assert [int(x) for x in joined.positions] == [0, 1, 3, 4, 5, 6, 7, 8]


def test_vectorised_general_path_outside_the_bmp():
    joined = normalise_call(["您😀好", "𠀀"], vectorised=True)
    assert joined.text == "您😀好" + SEPARATOR + "𠀀"
    assert joined.compact == "您好" + SEPARATOR + "𠀀"  # the emoji is a symbol, the Ext B letter is not
    assert [int(x) for x in joined.positions] == [0, 2, 3, 4]
    assert joined.compact_utf16 is None  # not the BMP: the text automaton scans it


# Seven CJK compatibility ideographs have an NFKC form outside the BMP (U+FA6C → U+242EE,
# U+FAD0 → U+22844, …). The regex path maps them there; the UTF-16 table of the numpy path is
# uint16, so the mapped code point is truncated (U+22844 → U+2844, a Braille pattern, which is
# then dropped from the compact text as a symbol).
COMPAT_OUTSIDE_BMP = ["\ufa6c", "\ufacf", "\ufad0", "\ufad1", "\ufad5", "\ufad6", "\ufad7"]


@pytest.mark.parametrize("char", COMPAT_OUTSIDE_BMP)
def test_vectorised_compatibility_ideograph_mapped_outside_the_bmp(char):
    assert_same_joined([f"您{char}好", "请问"])


@settings(max_examples=50, deadline=None)
@example(["您\ufad0好"])
@given(st.lists(st.text(st.sampled_from(CALL_CHARS + COMPAT_OUTSIDE_BMP), max_size=16), min_size=1, max_size=6))
def test_vectorised_equals_regex_with_compatibility_ideographs(texts):
    assert_same_joined(texts)
