"""`jieba_data` reads jieba's data without loading jieba: pinned here to the installed jieba, so
that a jieba release that changes its block pattern, its dictionary or its route fails these
tests instead of changing word boundaries silently."""

from __future__ import annotations

import math
import re

import jieba
import pytest

from checker.jieba_data import BLOCK_ASCII, BLOCK_PATTERN, HAN_FIRST, HAN_LAST, dictionary, dictionary_path
from checker.segment import best_subdivision

WORDS = [
    "感谢",
    "谢您",
    "感谢您",
    "服务",
    "满意",
    "服务满意",
    "小说",
    "说吧",
    "您好",
    "请问",
    "宽带",
    "没有这个词语",
    "的",
    "退款",
    "投诉",
    "一下",
    "不知道",
]


@pytest.fixture(scope="module")
def tokenizer():
    jieba.setLogLevel(60)
    jieba.dt.initialize()
    return jieba.dt


def test_block_pattern_is_jiebas():
    """Every BMP character is a block character for jieba's pattern exactly when it is for ours,
    and for the one-character checks (`segment.on_block_edges`, `segment.block_table`)."""
    ours, theirs = re.compile(BLOCK_PATTERN), jieba.re_han_default
    chars = [chr(cp) for cp in range(0x10000) if not 0xD800 <= cp <= 0xDFFF]
    in_theirs = {ch for ch in chars if theirs.fullmatch(ch)}
    assert in_theirs == {ch for ch in chars if ours.fullmatch(ch)}
    assert in_theirs == {chr(cp) for cp in range(ord(HAN_FIRST), ord(HAN_LAST) + 1)} | BLOCK_ASCII
    assert len(in_theirs) == 0x9FD5 - 0x4E00 + 1 + 62 + 7


def test_dictionary_is_the_file_jieba_reads():
    with jieba.get_dict_file() as fh:
        assert fh.read() == dictionary_path().read_bytes()


def test_frequencies_and_total_are_jiebas(tokenizer):
    freq, log_total = dictionary()
    assert freq.total == tokenizer.total
    assert log_total == math.log(tokenizer.total)
    assert [freq.get(w) for w in WORDS] == [tokenizer.FREQ.get(w, 0) for w in WORDS]
    assert freq.get("感谢") == jieba.get_FREQ("感谢") > 0 and freq.get("没有这个词语") == 0


@pytest.mark.parametrize(
    "token", ["小说吧", "感谢您", "服务满意", "不知道呢", "宽带办理", "中华人民共和国", "您好请问"]
)
def test_best_subdivision_is_jiebas_route(tokenizer, token):
    """jieba's own DAG and route (`get_DAG`, `calc`) over the token, the whole token left out of
    the DAG (a sub-division), give the same boundaries."""
    dag = tokenizer.get_DAG(token)
    n = len(token)
    dag[0] = [j for j in dag[0] if j != n - 1] or [0]
    route: dict = {}
    tokenizer.calc(token, dag, route)
    bounds, i = [0], 0
    while i < n:
        i = route[i][1] + 1
        bounds.append(i)
    expected = list(range(n + 1)) if n <= 2 else bounds
    assert best_subdivision(token) == expected
