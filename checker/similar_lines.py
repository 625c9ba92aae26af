"""`similar`: a sentence of a turn that scores at least `min_score` against one of a script
line's examples, by the character-bigram Dice coefficient (`similarity`; SPEC "Similar sentences").

A turn is cut into sentences at 。！？；!?; and line ends (in its normalised text, where ！？；
are already ! ? ;), each scored on its compact text against every example; a sentence scoring
`min_score` or more is one occurrence, quoted as written.

Which turns are scored: a sentence with Dice ≥ s against an example of n bigrams shares at least
c = ⌈s·n / (2 − s)⌉ of them (2c ≥ s·(c + n), as the sentence has at least c bigrams). So it holds
at least one bigram of any set of the example's bigrams whose complement counts fewer than c: the
example's commonest-looking bigrams (those with a character of everyday talk such as 的, 您, 吗)
are left out of that set while they count fewer than c, and the rest are the example's keys. A
turn whose compact text holds none of the keys (one automaton pass) is never split or scored.
"""
from __future__ import annotations

import math
import re

import ahocorasick_rs
from .normalise import compact_of
from .similarity import bigrams, compact_text, dice

__all__ = ["SimilarLines", "sentence_spans"]

_SENTENCE_END = re.compile(r"[。！？；!?;\r\n]+")
# Characters so common in talk that a bigram holding one says little about a turn: left out of
# an example's keys first.
_COMMON = frozenset("的了是我你您他她它们好吗呢吧啊在有不这那个一么什请问还要就也都和说到给")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[begin, end) of each sentence of a normalised text: cut at sentence ends and line ends,
    spaces trimmed, empty ones dropped."""
    out = []
    at = 0
    for m in _SENTENCE_END.finditer(text):
        _add(text, at, m.start(), out)
        at = m.end()
    _add(text, at, len(text), out)
    return out


def _add(text: str, begin: int, end: int, out: list[tuple[int, int]]) -> None:
    piece = text[begin:end]
    stripped = piece.strip()
    if stripped:
        begin += len(piece) - len(piece.lstrip())
        out.append((begin, begin + len(stripped)))


class SimilarLines:
    """The examples of one `similar` key, their bigrams counted once."""

    def __init__(self, examples: list[str], min_score: float):
        self.examples = [compact_text(e) for e in examples]
        self.grams = [bigrams(e) for e in self.examples]
        self.sizes = [sum(g.values()) for g in self.grams]
        self.min_score = min_score
        self._keys = self.keys()
        self._finder = None  # the automaton of `_keys`, made on first use (not pickled)

    def __getstate__(self):
        return {**self.__dict__, "_finder": None}

    def keys(self) -> set[str] | None:
        """The compact keys one of which a turn must hold to have a sentence scoring
        `min_score` (see the module's note); None when any turn might."""
        out: set[str] = set()
        for grams in self.grams:
            n = sum(grams.values())
            need = math.ceil(self.min_score * n / (2 - self.min_score) - 1e-9)
            if need < 1:
                return None
            left_out = 0
            kept = []
            for gram, count in sorted(grams.items(), key=lambda g: (-_commonness(g[0]), -g[1], g[0])):
                if left_out + count < need:
                    left_out += count
                else:
                    kept.append(gram)
            out.update(kept)
        return out

    def spans(self, text: str) -> list[tuple[int, int, float]]:
        """(begin, end, score) of each sentence of a normalised text scoring `min_score` or more."""
        if self._keys is not None:
            if self._finder is None:
                self._finder = ahocorasick_rs.AhoCorasick(sorted(self._keys))
            if not self._finder.find_matches_as_indexes(compact_of(text), overlapping=False):
                return []
        out = []
        for begin, end in sentence_spans(text):
            score = self.score(compact_of(text[begin:end]))  # `text` is normalised already
            if score >= self.min_score:
                out.append((begin, end, score))
        return out

    def score(self, compact: str) -> float:
        """The best Dice score of a compact text against the examples; examples that cannot
        reach `min_score` by their sizes alone (2·min(n, m)/(n + m)) are not compared."""
        if not compact:
            return 0.0
        n = max(len(compact) - 1, 1)
        s = self.min_score
        best = 0.0
        grams = None
        for g, m in zip(self.grams, self.sizes):
            if 2 * min(n, m) < s * (n + m):
                continue
            if grams is None:
                grams = bigrams(compact)
            best = max(best, dice(grams, g))
        return best

    def best(self, text: str) -> tuple[float, str]:
        """The best score of any sentence of `text` and that sentence (for `explain`)."""
        found = [(max(dice(bigrams(compact_of(text[b:e])), g) for g in self.grams), text[b:e])
                 for b, e in sentence_spans(text) if compact_of(text[b:e])]
        return max(found, default=(0.0, ""))


def _commonness(gram: str) -> int:
    return sum(ch in _COMMON for ch in gram)
