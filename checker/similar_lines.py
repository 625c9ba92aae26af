"""`similar`: a sentence of a turn that scores at least `min_score` against one of a script
line's examples, by the character-bigram Dice coefficient (`similarity`; SPEC "Similar sentences").

A turn is cut into sentences at 。！？；!?; and line ends (in its normalised text, where ！？；
are already ! ? ;), each scored on its compact text against every example; a sentence scoring
`min_score` or more is one occurrence, quoted as written.

Which turns are scored: a sentence with Dice ≥ s against an example of n bigrams shares at least
c = ⌈s·n / (2 − s)⌉ of them (2c ≥ s·(c + n), as the sentence has at least c bigrams), and so does
the turn that holds it. One automaton of every example's bigrams counts, in one pass over a turn's
compact text, the bigrams it shares with each example; a turn sharing fewer than c with every
example is never split or scored.
"""

from __future__ import annotations

import math
import re

import ahocorasick_rs
from .normalise import compact_of
from .similarity import bigrams, compact_text, dice

__all__ = ["SimilarLines", "sentence_spans"]

_SENTENCE_END = re.compile(r"[。！？；!?;\r\n]+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[begin, end) of each sentence of a normalised text: cut at sentence ends and line ends,
    spaces trimmed, empty ones dropped."""
    out: list[tuple[int, int]] = []
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
        # The bigrams a turn must share with an example for a sentence of it to reach min_score.
        self.need = [math.ceil(min_score * n / (2 - min_score) - 1e-9) for n in self.sizes]
        self._least = min(self.need)
        self.vocabulary = sorted({k for g in self.grams for k in g})
        self._finder: ahocorasick_rs.AhoCorasick | None = (
            None  # the automaton of `vocabulary`, made on first use (not pickled)
        )

    def __getstate__(self):
        return {**self.__dict__, "_finder": None}

    def may_hold(self, compact: str) -> bool:
        """Whether a turn's compact text shares enough bigrams with some example (see the module's
        note) for one of its sentences to reach min_score."""
        if self._least < 1:
            return True
        if self._finder is None:
            self._finder = ahocorasick_rs.AhoCorasick(self.vocabulary)
        found = self._finder.find_matches_as_indexes(compact, overlapping=True)
        if len(found) < self._least:
            return False
        counts: dict[str, int] = {}
        vocabulary = self.vocabulary
        for k, _, _ in found:
            gram = vocabulary[k]
            counts[gram] = counts.get(gram, 0) + 1
        return any(
            sum(min(c, counts[k]) for k, c in g.items() if k in counts) >= need
            for g, need in zip(self.grams, self.need)
        )

    def spans(self, text: str, compact: str | None = None) -> list[tuple[int, int, float]]:
        """(begin, end, score) of each sentence of a normalised text scoring `min_score` or more;
        `compact`: the text's `compact_of`, when the caller has it."""
        if not self.may_hold(compact_of(text) if compact is None else compact):
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
            # `dice(grams, g)`, the intersection summed without building a Counter of it
            shared = sum(min(c, g[k]) for k, c in grams.items() if k in g)
            best = max(best, 2 * shared / (n + m))
        return best

    def best(self, text: str) -> tuple[float, str]:
        """The best score of any sentence of `text` and that sentence (for `explain`)."""
        found = [
            (max(dice(bigrams(compact_of(text[b:e])), g) for g in self.grams), text[b:e])
            for b, e in sentence_spans(text)
            if compact_of(text[b:e])
        ]
        return max(found, default=(0.0, ""))
