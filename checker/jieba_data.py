"""What the segmenters need of jieba's data, read without loading jieba: the pattern of its
blocks and the word frequencies of its dictionary.

jieba exposes both (`jieba.re_han_default`, `jieba.get_FREQ`, `jieba.dt.total`), but importing it
costs ~0.3 s and building its frequency table ~0.8 s per process, for the few tokens that ever
need a sub-division (`segment.best_subdivision`) and in `qa-check lint`, which a pre-commit hook
starts for every commit. This module is the one place that knows jieba's data; the tests in
tests/test_jieba_data.py pin it to the installed jieba: the same pattern, the same frequencies
and total, and the same best route through a token as jieba's own `get_DAG` and `calc`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from pathlib import Path

import ahocorasick_rs

__all__ = ["BLOCK_ASCII", "BLOCK_PATTERN", "HAN_FIRST", "HAN_LAST", "Frequencies", "dictionary", "dictionary_path"]

# jieba.re_han_default: the runs of these characters are the blocks jieba segments one by one.
HAN_FIRST, HAN_LAST = "\u4e00", "\u9fd5"
BLOCK_ASCII = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+#&._%-")
BLOCK_PATTERN = r"[\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+"


@functools.lru_cache(maxsize=1)
def dictionary() -> tuple[Frequencies, float]:
    """jieba's word frequencies, read once and only when a sub-division is needed."""
    freq = Frequencies(dictionary_path().read_bytes())
    return freq, math.log(freq.total)


class Frequencies:
    """jieba's dict.txt as bytes, searched for the words asked about instead of loaded as a table.

    Building jieba's own table (`jieba.dt.initialize()`) costs ~0.8 s per process, for the few
    tokens that ever need a sub-division. One search of the 5 MB text costs ~2.5 ms, and a
    token's sub-division asks about every piece of it (a four-character token: nine): `prefetch`
    finds all the pieces not known yet in one pass of an automaton, ~4 ms. On the real chat corpus
    those searches were an eighth of the audit. The last line of a word wins and `total` sums
    every line, as jieba's `gen_pfdict` does.
    """

    def __init__(self, data: bytes):
        self.data = b"\n" + data
        self.total = sum(int(line.split(b" ", 2)[1]) for line in data.splitlines() if line)
        self._found: dict[str, int] = {}

    def get(self, word: str) -> int:
        found = self._found.get(word)
        if found is None:
            key = _line_start(word)
            at = self.data.rfind(key)
            found = self._found[word] = self._frequency(at + len(key)) if at >= 0 else 0
        return found

    def prefetch(self, words: Iterable[str]) -> None:
        """Look up every one of `words` not known yet, in one pass over the text."""
        todo = [w for w in dict.fromkeys(words) if w not in self._found]
        if len(todo) < 2:
            return  # one search costs less than an automaton
        keys = [_line_start(w) for w in todo]
        last: dict[int, int] = {}  # a word's last line wins
        for k, _, end in ahocorasick_rs.BytesAhoCorasick(keys).find_matches_as_indexes(self.data, overlapping=True):
            last[k] = end
        for k, word in enumerate(todo):
            found_end = last.get(k)
            self._found[word] = self._frequency(found_end) if found_end is not None else 0

    def _frequency(self, start: int) -> int:
        """The frequency written at `start` (a line's second field, before its tag if any)."""
        data = self.data
        space = data.find(b" ", start)
        return int(data[start : space if space >= 0 else len(data)].split(b"\n", 1)[0])


def _line_start(word: str) -> bytes:
    """How a word's line of dict.txt starts ("word freq tag"), newline before it included."""
    return b"\n" + word.encode("utf-8") + b" "


def dictionary_path() -> Path:
    """jieba's default dictionary, the file `jieba.get_dict_file()` opens (found without importing
    jieba, which costs ~0.3 s)."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    return Path(spec.submodule_search_locations[0]) / "dict.txt"  # type: ignore[union-attr, index]  # jieba is a dependency: found, and a package
