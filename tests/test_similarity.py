"""The Dice coefficient as the SPEC defines it, on hand-computed cases."""

import pytest

from checker.similarity import bigrams, compact_text, dice


def test_identical_texts_score_one():
    assert dice("感谢您的来电", "感谢您的来电") == 1.0


def test_hand_computed_partial_overlap():
    # 感谢来电: 感谢 谢来 来电 (3); 感谢您来电: 感谢 谢您 您来 来电 (4); shared: 感谢, 来电 → 2·2/7
    assert dice("感谢来电", "感谢您来电") == pytest.approx(4 / 7)


def test_bigrams_are_a_multiset():
    # 哈哈哈: 哈哈 ×2; against 哈哈: one shared → 2·1/(2+1)
    assert bigrams("哈哈哈") == {"哈哈": 2}
    assert dice("哈哈哈", "哈哈") == pytest.approx(2 / 3)


def test_one_character_text_is_its_unigram():
    assert dice("好", "好") == 1.0
    assert dice("好", "好的") == 0.0  # {好} against {好的}


def test_empty_texts_score_zero():
    assert dice("", "") == 0.0
    assert dice("", "您好") == 0.0


def test_compact_text_normalises_width_script_case_and_punctuation():
    assert compact_text("還有其他能幫您的嗎？ OK") == "还有其他能帮您的吗ok"
