"""How alike two texts are: the character-bigram Dice coefficient (SPEC "Rule language v2").

Used by `similar` (a sentence against a script line's examples) and `kind: repetition` (a turn
against an earlier one). Lexical and deterministic on purpose: it scores reworded and ASR-garbled
forms of the same line high, and needs no model.
"""

from __future__ import annotations

from collections import Counter

from .normalise import normalise

__all__ = ["bigrams", "dice", "compact_text"]


def compact_text(text: str) -> str:
    """The compact normalised text the scores are taken on: NFKC, traditional → simplified,
    lower case, without spaces, punctuation and symbols."""
    return normalise(text).compact


def bigrams(compact: str) -> Counter[str]:
    """The multiset of character bigrams of a compact text; a one-character text is its unigram."""
    if len(compact) == 1:
        return Counter((compact,))
    return Counter(compact[i : i + 2] for i in range(len(compact) - 1))


def dice(a: "str | Counter[str]", b: "str | Counter[str]") -> float:
    """2·|A∩B| / (|A|+|B|) over the bigram multisets of two compact texts (or of their bigrams,
    precomputed); 0.0 when both are empty."""
    grams_a = a if isinstance(a, Counter) else bigrams(a)
    grams_b = b if isinstance(b, Counter) else bigrams(b)
    total = sum(grams_a.values()) + sum(grams_b.values())
    if not total:
        return 0.0
    return 2 * sum((grams_a & grams_b).values()) / total
