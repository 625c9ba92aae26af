"""Judge word boundaries with jieba, segmenting only the blocks that hold a candidate match.

jieba splits text into blocks of Han characters, letters and digits (its `re_han_default`),
emits every other character as a token of its own, and segments each block independently. So
the boundaries inside one block depend on that block alone: segmenting just the blocks a
candidate falls in gives exactly the boundaries a whole-text segmentation would, and a block seen
before is looked up, not segmented again.

Two segmenters share jieba's dictionary and algorithm: `jieba` (the reference) and `rjieba`
(jieba-rs, ~20x faster, loads in ~0.15 s). Both are used through `Segmenter.tokens`.
"""
from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable

__all__ = ["Segmenter", "get_segmenter", "SEGMENTERS"]

# jieba's own block pattern (jieba.re_han_default); copied so rjieba sees the same blocks.
_BLOCK = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+")

SEGMENTERS = ("jieba", "rjieba")


class Segmenter:
    """Word boundaries of normalised text, per the SPEC's matching rule."""

    def __init__(self, name: str, cut: Callable[[str], list[str]]):
        self.name = name
        self._cut = cut
        self._block_boundaries = functools.lru_cache(maxsize=200_000)(self._boundaries_uncached)
        self._subdivision = functools.lru_cache(maxsize=50_000)(self._subdivision_uncached)

    def tokens(self, text: str) -> list[str]:
        """The whole-text segmentation, block by block (what jieba.lcut(text) gives)."""
        out: list[str] = []
        pos = 0
        for m in _BLOCK.finditer(text):
            out.extend(text[pos : m.start()])
            out.extend(self._cut(m.group()))
            pos = m.end()
        out.extend(text[pos:])
        return out

    def is_word(self, text: str, begin: int, end: int) -> bool:
        """True when [begin, end) of `text` starts and ends on word boundaries (SPEC "Matching").

        Either both ends are token boundaries, or the span lies inside one token and both ends are
        boundaries of that token's best division into smaller dictionary words.
        """
        b_start, b_bounds = self._locate(text, begin)
        e_start, e_bounds = self._locate(text, end - 1)
        start_ok = b_bounds is None or (begin - b_start) in b_bounds
        end_ok = e_bounds is None or (end - e_start) in e_bounds
        if start_ok and end_ok:
            return True
        if b_bounds is None or b_start != e_start:
            return False
        # Both ends in one block: find the token holding the span.
        bounds = sorted(b_bounds)
        lo, hi = begin - b_start, end - b_start
        tok_start = max(b for b in bounds if b <= lo)
        tok_end = min(b for b in bounds if b >= hi)
        if not all(b <= lo or b >= hi for b in bounds):
            return False  # the span crosses a token boundary but does not end on one
        token = text[b_start + tok_start : b_start + tok_end]
        sub = self._subdivision(token)
        return (lo - tok_start) in sub and (hi - tok_start) in sub

    def _locate(self, text: str, index: int) -> tuple[int, frozenset[int] | None]:
        """The block holding text[index]: its start and boundary offsets, None outside blocks."""
        ch = text[index]
        if not _BLOCK.fullmatch(ch):
            return index, None
        start = index
        while start > 0 and _BLOCK.fullmatch(text[start - 1]):
            start -= 1
        end = index + 1
        while end < len(text) and _BLOCK.fullmatch(text[end]):
            end += 1
        return start, self._block_boundaries(text[start:end])

    def _boundaries_uncached(self, block: str) -> frozenset[int]:
        bounds = {0}
        pos = 0
        for tok in self._cut(block):
            pos += len(tok)
            bounds.add(pos)
        return frozenset(bounds)

    def _subdivision_uncached(self, token: str) -> frozenset[int]:
        return frozenset(best_subdivision(token))


def best_subdivision(token: str) -> list[int]:
    """Boundary offsets of the max-probability route through jieba's DAG, whole word excluded."""
    n = len(token)
    if n <= 2:
        return list(range(n + 1))
    freq, log_total = _dictionary()
    route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
    for i in range(n - 1, -1, -1):
        # jieba's DAG: dictionary words starting at i (the whole token excluded), else the char.
        ends = [
            j
            for j in range(i + 1, n + 1)
            if not (i == 0 and j == n) and freq.get(token[i:j])
        ] or [i + 1]
        # max() over (score, end) breaks ties towards the longer word, as jieba's calc does.
        route[i] = max((math.log(freq.get(token[i:j]) or 1) - log_total + route[j][0], j) for j in ends)
    out, i = [0], 0
    while i < n:
        i = route[i][1]
        out.append(i)
    return out


@functools.lru_cache(maxsize=1)
def _dictionary() -> tuple[dict[str, int], float]:
    """jieba's word frequencies, loaded once and only when a sub-division is needed."""
    import jieba

    jieba.setLogLevel(60)
    jieba.dt.initialize()
    return jieba.dt.FREQ, math.log(jieba.dt.total)


@functools.lru_cache(maxsize=None)
def get_segmenter(name: str = "rjieba") -> Segmenter:
    if name == "rjieba":
        try:
            import rjieba
        except ImportError:  # pragma: no cover - rjieba is a declared dependency
            return get_segmenter("jieba")
        return Segmenter("rjieba", rjieba.cut)
    if name == "jieba":
        import jieba

        jieba.setLogLevel(60)
        return Segmenter("jieba", functools.partial(jieba.lcut, HMM=True))
    raise ValueError(f"unknown segmenter {name!r}; choose one of {', '.join(SEGMENTERS)}")
