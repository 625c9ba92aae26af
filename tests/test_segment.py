import jieba
import pytest

from checker.segment import best_subdivision, get_segmenter

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


@pytest.mark.parametrize("name", SEGMENTERS)
def test_block_segmentation_equals_whole_text_segmentation(name):
    text = "您好,欢迎致电xx通信,工号1023为您服务。请问有什么可以帮您? 我想查 5G 套餐"
    seg = get_segmenter(name)
    if name == "jieba":
        assert seg.tokens(text) == jieba.lcut(text)
    assert "".join(seg.tokens(text)) == text
