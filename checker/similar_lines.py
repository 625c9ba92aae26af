"""`similar`: a sentence of a turn that scores at least `min_score` against one of a script
line's examples, by the character-bigram Dice coefficient (`similarity`; SPEC "Similar sentences").

A turn is cut into sentences at 。！？；!?; and line ends (in its normalised text, where ！？；
are already ! ? ;), each scored on its compact text against every example; a sentence scoring
`min_score` or more is one occurrence, quoted as written.

Which turns are scored: a sentence with Dice ≥ s against an example of n bigrams shares at least
c = ⌈s·n / (2 − s)⌉ of them (2c ≥ s·(c + n), as the sentence has at least c bigrams). So it holds
at least one bigram of any set of the example's bigrams whose complement counts fewer than c: the
example's commonest-looking bigrams (those with a character of everyday talk such as 的, 您, 吗)
are left out of that set while they count fewer than c, and the rest are registered with the
scheme's automaton as keys. A turn holding none of an example's keys is never split or scored.
"""
from __future__ import annotations

import math
import re
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
        self.min_score = min_score

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
        out = []
        for begin, end in sentence_spans(text):
            compact = compact_text(text[begin:end])
            if not compact:
                continue
            grams = bigrams(compact)
            score = max(dice(grams, g) for g in self.grams)
            if score >= self.min_score:
                out.append((begin, end, score))
        return out

    def best(self, text: str) -> tuple[float, str]:
        """The best score of any sentence of `text` and that sentence (for `explain`)."""
        found = [(max(dice(bigrams(compact_text(text[b:e])), g) for g in self.grams), text[b:e])
                 for b, e in sentence_spans(text) if compact_text(text[b:e])]
        return max(found, default=(0.0, ""))


def _commonness(gram: str) -> int:
    return sum(ch in _COMMON for ch in gram)
