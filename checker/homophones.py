"""`tolerance: homophone`: a phrase also matches text that reads the same in toneless pinyin,
syllable for syllable (工号 meets 公号, 稍等 meets 烧等), on the word-boundary rule of phrases.

Readings are pypinyin's `lazy_pinyin` (`Style.NORMAL`): of the phrase as a whole, and of a turn
token by token (jieba's tokens), so that a character reads as it does in its word (行 in 银行 is
hang). pypinyin is imported only when a homophone rule first looks at a turn, never at start-up.

Which turns are read: a phrase's homophones all contain a homophone of one of its two-character
windows (the window with the fewest homophones is chosen), so a turn's compact text is first
searched for one with a regex of two character classes (`[工公功…][号好毫…]`); only the turns
holding one are read in pinyin. The homophones of a syllable are every character pypinyin's
dictionary gives that reading (any of its readings: heteronyms included).
"""
from __future__ import annotations

import functools
import re

from .normalise import compact_of, is_ignorable

__all__ = ["HomophonePhrases", "readings_of"]

class HomophonePhrases:
    """The phrases of one rule under `tolerance: homophone`: each phrase's reading, and the
    regex that picks the turns worth reading (made on first use, in the process that evaluates,
    so that loading a scheme never imports pypinyin)."""

    def __init__(self, keys: list[str]):
        self.keys = tuple(dict.fromkeys(keys))  # compact normalised phrases
        self._compiled: tuple | None = None

    def __getstate__(self):
        return {"keys": self.keys, "_compiled": None}

    def _compile(self) -> tuple:
        if self._compiled is None:
            readings = {k: tuple(_phrase_reading(k)) for k in self.keys}
            finder = re.compile("|".join(sorted({_window_class(k, r) for k, r in readings.items()})))
            by_length: dict[int, list[tuple[str, tuple[str, ...]]]] = {}
            for key, reading in readings.items():
                by_length.setdefault(len(reading), []).append((key, reading))
            self._compiled = (finder, by_length)
        return self._compiled

    def spans(self, text: str, segmenter=None) -> list[tuple[str, int, int]]:
        """(phrase key, begin, end) of every place in the normalised `text` whose reading equals a
        phrase's and whose characters differ from it; word boundaries not judged yet. Tokens are
        `segmenter`'s (default: jieba-rs)."""
        finder, by_length = self._compile()
        if not finder.search(compact_of(text)):
            return []
        positions, syllables = readings_of(text, segmenter)
        out = []
        n = len(syllables)
        for length, phrases in by_length.items():
            for i in range(n - length + 1):
                window = syllables[i : i + length]
                for key, reading in phrases:
                    if window == reading:
                        begin, end = positions[i], positions[i + length - 1] + 1
                        if compact_of(text[begin:end]) != key:  # the phrase itself: an exact match
                            out.append((key, begin, end))
        return out


@functools.lru_cache(maxsize=4096)
def readings_of(text: str, segmenter=None) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """The toneless reading of each character of a normalised text that a phrase can match
    (spaces and punctuation left out), with its offset: Han characters read in their jieba
    token, other characters read as themselves."""
    from pypinyin import Style, lazy_pinyin

    from .segment import get_segmenter

    positions: list[int] = []
    syllables: list[str] = []
    at = 0
    for token in (segmenter or get_segmenter()).tokens(text):
        kept = [(at + j, ch) for j, ch in enumerate(token) if not is_ignorable(ch)]
        at += len(token)
        if not kept:
            continue
        han = all(_is_han(ch) for _, ch in kept)
        read = lazy_pinyin("".join(ch for _, ch in kept), style=Style.NORMAL) if han else None
        if read is None or len(read) != len(kept):
            read = [lazy_pinyin(ch, style=Style.NORMAL)[0] if _is_han(ch) else ch for _, ch in kept]
        positions.extend(p for p, _ in kept)
        syllables.extend(read)
    return tuple(positions), tuple(syllables)


def _phrase_reading(key: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    if all(_is_han(ch) for ch in key):
        read = lazy_pinyin(key, style=Style.NORMAL)
        if len(read) == len(key):
            return read
    return [lazy_pinyin(ch, style=Style.NORMAL)[0] if _is_han(ch) else ch for ch in key]


def _window_class(key: str, reading: tuple[str, ...]) -> str:
    """A regex of what the phrase's two-character window with the fewest homophones (its one
    character, for a one-character phrase) may be written as."""
    options = [_variants(ch, syl) for ch, syl in zip(key, reading)]
    if len(options) == 1:
        return _char_class(options[0])
    best = min(range(len(options) - 1), key=lambda j: len(options[j]) * len(options[j + 1]))
    return _char_class(options[best]) + _char_class(options[best + 1])


def _char_class(chars: frozenset[str]) -> str:
    return "[" + "".join(re.escape(ch) for ch in sorted(chars)) + "]"


def _variants(ch: str, syllable: str) -> frozenset[str]:
    if not _is_han(ch):
        return frozenset(ch)
    return _syllable_table().get(syllable, frozenset()) | {ch}


@functools.lru_cache(maxsize=1)
def _syllable_table() -> dict[str, frozenset[str]]:
    """Toneless syllable -> every character that pypinyin's dictionary reads so (any reading)."""
    from pypinyin.pinyin_dict import pinyin_dict

    table: dict[str, set[str]] = {}
    for code, readings in pinyin_dict.items():
        ch = chr(code)
        for reading in readings.translate(_TONELESS).split(","):
            table.setdefault(reading, set()).add(ch)
    return {k: frozenset(v) for k, v in table.items()}


# gōng -> gong, lǜ -> lv: pypinyin's Style.NORMAL of a toned reading, one `str.translate` per entry.
_TONELESS = str.maketrans({
    **dict.fromkeys("āáǎà", "a"), **dict.fromkeys("ēéěè", "e"), **dict.fromkeys("īíǐì", "i"),
    **dict.fromkeys("ōóǒò", "o"), **dict.fromkeys("ūúǔù", "u"), **dict.fromkeys("ǖǘǚǜü", "v"),
    **dict.fromkeys("ńňǹ", "n"), "ḿ": "m",
})


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0002ffff"
