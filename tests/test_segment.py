import jieba
import pytest
from hypothesis import given, settings, strategies as st

from checker.segment import (
    BlockMask,
    MaskedBoundaries,
    TextBoundaries,
    best_subdivision,
    block_table,
    get_segmenter,
    on_block_edges,
)

SEGMENTERS = ["jieba", "rjieba"]


def word(seg, text, phrase):
    i = text.index(phrase)
    return seg.is_word(text, i, i + len(phrase))


@pytest.mark.parametrize("name", SEGMENTERS)
@pytest.mark.parametrize(
    "text, phrase, expected",
    [
        ("我在看小说吧", "说吧", False),  # 小说吧 = 小说/吧
        ("喂,说吧", "说吧", True),
        ("您好像不太清楚", "您好", False),  # 您/好像
        ("您好,请讲", "您好", True),
        ("服务满意吗", "满意", True),  # inside 服务满意 = 服务/满意
        ("感谢您的来电", "感谢", True),  # inside 感谢您 = 感谢/您
        ("感谢您的来电", "感谢您的来电", True),  # spans 感谢您/的/来电
        ("感谢您的来电", "谢您", False),
    ],
)
def test_word_boundaries(name, text, phrase, expected):
    assert word(get_segmenter(name), text, phrase) is expected


def test_subdivision_follows_jieba_dictionary():
    assert best_subdivision("小说吧") == [0, 2, 3]
    assert best_subdivision("感谢您") == [0, 2, 3]
    assert best_subdivision("服务满意") == [0, 2, 4]


def test_frequencies_found_in_one_pass_equal_those_searched_one_by_one():
    from checker.jieba_data import Frequencies as _Frequencies, dictionary as _dictionary

    # The last line of a word wins (as in jieba's own table); a line may have no tag.
    data = "服务 50 n\n满意 7\n服务满意 3 l\n满意 9 a\n你好 12 l".encode()
    words = ["服务", "满意", "服务满意", "你好", "务满", "服", "满意度"]
    one_by_one, at_once = _Frequencies(data), _Frequencies(data)
    at_once.prefetch(words)
    assert (
        {w: at_once._found[w] for w in words}
        == {w: one_by_one.get(w) for w in words}
        == {"服务": 50, "满意": 9, "服务满意": 3, "你好": 12, "务满": 0, "服": 0, "满意度": 0}
    )
    assert one_by_one.total == 81
    shipped, _ = _dictionary()
    words = ["感谢", "谢您", "感谢您", "服务满意", "小说", "说吧", "没有这个词语"]
    fresh, searched = _Frequencies(shipped.data[1:]), _Frequencies(shipped.data[1:])
    fresh.prefetch(words)
    assert [fresh._found[w] for w in words] == [searched.get(w) for w in words]
    assert fresh.get("感谢") > 0 and fresh.get("没有这个词语") == 0


@pytest.mark.parametrize("name", SEGMENTERS)
def test_block_segmentation_equals_whole_text_segmentation(name):
    text = "您好,欢迎致电xx通信,工号1023为您服务。请问有什么可以帮您? 我想查 5G 套餐"
    seg = get_segmenter(name)
    if name == "jieba":
        assert seg.tokens(text) == jieba.lcut(text)
    assert "".join(seg.tokens(text)) == text
    # both segmenters, block by block, divide it as jieba divides the whole text
    assert seg.tokens(text) == [
        "您好",
        ",",
        "欢迎",
        "致电",
        "xx",
        "通信",
        ",",
        "工号",
        "1023",
        "为您服务",
        "。",
        "请问",
        "有",
        "什么",
        "可以",
        "帮",
        "您",
        "?",
        " ",
        "我想查",
        " ",
        "5G",
        " ",
        "套餐",
    ]


# -- the block mask of the audit's vectorised path against the regex blocks ----------------------

MASK_TEXT = st.text(st.sampled_from(list("您好说吧小说吧工号为您服务请问，。？ ab3.%-_、😀")), max_size=14)


def _mask(texts: list[str]) -> tuple[bytes, list[int]]:
    """The byte mask of the texts joined by one separator character, and each text's offset."""
    table = block_table()
    joined = "\ue000".join(texts)
    mask = bytes(int(table[ord(ch)]) if ord(ch) < 0x10000 else 0 for ch in joined)
    offsets, pos = [], 0
    for t in texts:
        offsets.append(pos)
        pos += len(t) + 1
    return mask, offsets


@settings(max_examples=200, deadline=None)
@given(st.lists(MASK_TEXT, min_size=1, max_size=4))
def test_block_mask_agrees_with_the_regex_blocks(texts):
    mask, offsets = _mask(texts)
    seg = get_segmenter("rjieba")
    for text, base in zip(texts, offsets):
        blocks = BlockMask(mask, base, len(text))
        regex = TextBoundaries(seg, text)
        masked = MaskedBoundaries(seg, text, blocks)
        for i in range(len(text)):
            assert blocks.block(i) == regex._block(i), (text, i)
        for b in range(len(text)):
            for e in range(b + 1, len(text) + 1):
                assert blocks.on_edges(b, e) == on_block_edges(text, b, e), (text, b, e)
                assert masked.is_word(b, e) == regex.is_word(b, e), (text, b, e)
