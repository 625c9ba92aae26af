r"""`tolerance: homophone`: a phrase also matches text that reads the same in toneless pinyin,
syllable for syllable (工号 meets 公号, 稍等 meets 烧等), on the word-boundary rule of phrases.

Readings are pypinyin's `lazy_pinyin` (`Style.NORMAL`): of the phrase as a whole, and of a turn
token by token (jieba's tokens), so that a character reads as it does in its word (行 in 银行 is
hang). pypinyin is imported only when a homophone rule first looks at a turn, never at start-up.

Which turns are read: a phrase's homophones are written with, for each of its characters, one of
the characters that may read as it, so a turn's normalised text is first searched with a regex of
those classes (`[工公功…][\W_]*[号好毫…]`), after a set test that every class has a character in
the turn; only a turn where that regex finds something other than the phrase itself is read in
pinyin, and the match counts when the turn's reading of it is the phrase's. The homophones of a syllable are every character pypinyin's
dictionary gives that reading (any of its readings: heteronyms included).
"""

from __future__ import annotations

import bisect
import functools
import re

from .normalise import compact_of, is_ignorable

__all__ = ["HomophonePhrases", "readings_of"]


class HomophonePhrases:
    """The phrases of one rule under `tolerance: homophone`: each phrase's reading, and the
    regexes that pick the turns worth reading (made on first use, in the process that evaluates,
    so that loading a scheme never imports pypinyin)."""

    def __init__(self, keys: list[str]):
        self.keys = tuple(dict.fromkeys(keys))  # compact normalised phrases
        self._compiled: list | None = None
        self._bits: dict[str, int] = {}
        self._chars: frozenset[str] = frozenset()

    def __getstate__(self):
        return {"keys": self.keys, "_compiled": None, "_bits": {}, "_chars": frozenset()}

    def warm(self) -> None:
        """Load pypinyin, its tables and this set's regexes now rather than at the first turn."""
        self._compile()
        readings_of.__wrapped__("工号")

    def _compile(self) -> list:
        """For each phrase: its key, its reading, the bits of its characters' classes (what each
        may be written as) and a regex of those classes (`[工公功…][\\W_]*[号好毫…]`: spaces and
        punctuation may stand between); and each character's bits, over every class it is in."""
        if self._compiled is None:
            out = []
            bits: dict[str, int] = {}
            bit = 0
            for key in self.keys:
                reading = tuple(_phrase_reading(key))
                classes = [_variants(ch, syl) for ch, syl in zip(key, reading)]
                mask = 0
                for c in classes:
                    for ch in c:
                        bits[ch] = bits.get(ch, 0) | (1 << bit)
                    mask |= 1 << bit
                    bit += 1
                regex = re.compile(r"[\W_]*".join(_char_class(c) for c in classes))
                out.append((key, reading, mask, regex))
            self._bits = bits
            self._chars = frozenset(bits)
            self._compiled = out
        return self._compiled

    def present(self, text: str) -> int:
        """The bits of every class that has a character in `text`: one pass over its characters."""
        self._compile()
        found = 0
        for ch in self._chars.intersection(text):  # C-speed: only the turn's characters in a class
            found |= self._bits[ch]
        return found

    def may_hold(self, text: str) -> bool:
        """False when no phrase has every one of its classes represented in `text`."""
        found = self.present(text)
        return any(found & mask == mask for _, _, mask, _ in self._compile())

    def spans(self, text: str, segmenter=None) -> list[tuple[str, int, int]]:
        """(phrase key, begin, end) of every place in the normalised `text` whose reading equals a
        phrase's and whose characters differ from it; word boundaries not judged yet. Tokens are
        `segmenter`'s (default: jieba-rs)."""
        found = self.present(text)
        out = []
        for key, reading, mask, regex in self._compile():
            # Only a phrase each of whose characters has a homophone in the turn is looked for.
            if found & mask == mask:
                out.extend(self._found(text, key, reading, regex, segmenter))
        return out

    @staticmethod
    def _found(text: str, key: str, reading: tuple[str, ...], regex: re.Pattern, segmenter) -> list:
        """The phrase's regex matches in `text` that read as the phrase (the turn read once, cached)."""
        out = []
        for m in regex.finditer(text):
            if compact_of(m.group()) == key:
                continue  # the phrase itself: an exact match, found as one
            out.extend(_read_as(reading, key, readings_of(text, segmenter), m.start(), m.end()))
        return out


def _read_as(reading: tuple[str, ...], key: str, readings, begin: int, end: int) -> list[tuple[str, int, int]]:
    """The match [begin, end) of a phrase's regex when the turn reads it as the phrase: its
    characters' readings, in their words, are the phrase's syllables."""
    positions, syllables = readings
    i = bisect.bisect_left(positions, begin)
    n = len(reading)
    if i + n <= len(positions) and positions[i + n - 1] < end and syllables[i : i + n] == reading:
        return [(key, positions[i], positions[i + n - 1] + 1)]
    return []


@functools.lru_cache(maxsize=4096)
def readings_of(text: str, segmenter=None) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """The toneless reading of each character of a normalised text that a phrase can match
    (spaces and punctuation left out), with its offset: Han characters read in their jieba
    token, other characters read as themselves."""
    from pypinyin import Style, lazy_pinyin

    from .segment import get_segmenter

    positions: list[int] = []
    syllables: list[str | None] = []  # None: a Han character, read below with the others
    words: list[str] = []  # the Han runs of the tokens, read in one call
    at = 0
    for token in (segmenter or get_segmenter()).tokens(text):
        run = ""
        for j, ch in enumerate(token):
            if is_ignorable(ch):
                continue
            positions.append(at + j)
            if _is_han(ch):
                run += ch
                syllables.append(None)
            else:
                if run:
                    words.append(run)
                    run = ""
                syllables.append(ch)
        if run:
            words.append(run)
        at += len(token)
    read = lazy_pinyin(words, style=Style.NORMAL) if words else []
    if len(read) != sum(map(len, words)):  # a word pypinyin read as fewer syllables: char by char
        read = [lazy_pinyin(ch, style=Style.NORMAL)[0] for w in words for ch in w]
    it = iter(read)
    return tuple(positions), tuple(s if s is not None else next(it) for s in syllables)


def _phrase_reading(key: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    if all(_is_han(ch) for ch in key):
        read = lazy_pinyin(key, style=Style.NORMAL)
        if len(read) == len(key):
            return read
    return [lazy_pinyin(ch, style=Style.NORMAL)[0] if _is_han(ch) else ch for ch in key]


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
_TONELESS = str.maketrans(
    {
        **dict.fromkeys("āáǎà", "a"),
        **dict.fromkeys("ēéěè", "e"),
        **dict.fromkeys("īíǐì", "i"),
        **dict.fromkeys("ōóǒò", "o"),
        **dict.fromkeys("ūúǔù", "u"),
        **dict.fromkeys("ǖǘǚǜü", "v"),
        **dict.fromkeys("ńňǹ", "n"),
        "ḿ": "m",
    }
)


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0002ffff"
