"""Find phrases in a turn: candidates on characters, word boundaries judged by segmentation.

Every phrase of a scheme goes into one Aho-Corasick automaton, built once; each turn is scanned
once whatever the number of rules or phrases. Only the spans the automaton reports are checked
against jieba's boundaries (see `segment`), and only when a rule asks for them.
"""
from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass

import ahocorasick

from .normalise import SEPARATOR, NormalText, normalise, normalise_phrase
from .segment import Segmenter, TextBoundaries

__all__ = ["PhraseBook", "PhraseList", "TurnView", "Match", "Phrase", "find_phrases"]


@dataclass(frozen=True)
class Phrase:
    """A phrase as a rule uses it: what the user wrote, its lookup key, and its suggestion."""

    text: str
    key: str  # compact normalised form
    suggest: str | None = None
    weight: float = 1.0
    exceptions: tuple[str, ...] = ()  # keys of phrases that hide this one where they overlap
    contiguous: bool = False  # True: may not span skipped spaces/punctuation (dialect markers)


class PhraseList(tuple):
    """Phrases of one rule (or one dialect), indexed by key so that a turn is matched by looking
    up the keys the automaton found in it: the cost follows the hits, not the list's length."""

    @functools.cached_property
    def by_key(self) -> dict[str, tuple[Phrase, ...]]:
        index: dict[str, list[Phrase]] = {}
        for phrase in self:
            index.setdefault(phrase.key, []).append(phrase)
        return {k: tuple(v) for k, v in index.items()}


@dataclass(frozen=True)
class Match:
    phrase: Phrase
    begin: int  # span in the normalised text of the turn
    end: int

    def overlaps(self, begin: int, end: int) -> bool:
        return self.begin < end and begin < self.end


class PhraseBook:
    """All phrase keys of a scheme, compiled into one automaton."""

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._automaton: ahocorasick.Automaton | None = None

    def add(self, text: str) -> str:
        """Register a phrase; returns its key. Raises ValueError when nothing is left to match."""
        key = normalise_phrase(text)
        if not key:
            raise ValueError(f"phrase {text!r} has nothing to match once spaces and punctuation are ignored")
        self._keys.add(key)
        self._automaton = None
        return key

    def __len__(self) -> int:
        return len(self._keys)

    def build(self) -> None:
        automaton = ahocorasick.Automaton()
        for key in sorted(self._keys):
            automaton.add_word(key, key)
        if self._keys:
            automaton.make_automaton()
        self._automaton = automaton

    def scan(self, compact: str) -> dict[str, list[tuple[int, int]]]:
        """Every occurrence of every key in `compact`, as [begin, end) compact offsets."""
        if self._automaton is None:
            self.build()
        hits: dict[str, list[tuple[int, int]]] = {}
        if not self._keys or not compact:
            return hits
        for end, key in self._automaton.iter(compact):  # type: ignore[union-attr]
            hits.setdefault(key, []).append((end + 1 - len(key), end + 1))
        return hits


    def scan_joined(self, compact: str, turns: int) -> list[dict[str, list[tuple[int, int]]]]:
        """`scan` for each of `turns` texts whose compact forms are joined by SEPARATOR, in one
        pass over the automaton; offsets are local to each text."""
        hits: list[dict[str, list[tuple[int, int]]]] = [{} for _ in range(turns)]
        if not self._keys:
            return hits
        if self._automaton is None:
            self.build()
        starts, pos = [0], compact.find(SEPARATOR)
        while pos != -1:
            starts.append(pos + 1)
            pos = compact.find(SEPARATOR, pos + 1)
        for end, key in self._automaton.iter(compact):  # type: ignore[union-attr]
            begin = end + 1 - len(key)
            i = bisect.bisect_right(starts, begin) - 1
            base = starts[i]
            hits[i].setdefault(key, []).append((begin - base, end + 1 - base))
        return hits


class TurnView:
    """One turn's text, normalised and scanned once; boundary checks done on demand and kept."""

    def __init__(
        self,
        text: str,
        book: PhraseBook,
        segmenter: Segmenter,
        norm: NormalText | None = None,
        hits: dict[str, list[tuple[int, int]]] | None = None,
    ):
        self.text = text
        self.book = book
        self.segmenter = segmenter
        self.norm = norm if norm is not None else normalise(text)
        self._hits = hits if hits is not None else book.scan(self.norm.compact)
        self._words: dict[str, list[tuple[int, int]]] = {}
        self._bounds: TextBoundaries | None = None

    def keys(self):
        """The keys the automaton found in this turn."""
        return self._hits.keys()

    def occurrences(self, key: str) -> list[tuple[int, int]]:
        """Spans (normalised text) where the key occurs as characters, boundaries not judged."""
        return [self.norm.text_span(b, e) for b, e in self._hits.get(key, ())]

    def words(self, key: str) -> list[tuple[int, int]]:
        """Spans (normalised text) where the key occurs on word boundaries."""
        found = self._words.get(key)
        if found is None:
            spans = self.occurrences(key)
            if spans:
                if self._bounds is None:
                    self._bounds = self.segmenter.boundaries(self.norm.text)
                spans = [span for span in spans if self._bounds.is_word(*span)]
            found = self._words[key] = spans
        return found

    def original(self, begin: int, end: int) -> tuple[int, int]:
        return self.norm.original_span(begin, end)


def find_phrases(view: TurnView, phrases: "PhraseList | tuple[Phrase, ...]", exceptions: tuple[str, ...] = ()) -> list[Match]:
    """Non-overlapping word matches of `phrases` in a turn, longest first, then leftmost.

    An occurrence of an exception (on characters: an exception only ever hides) that overlaps a
    match hides it, whether the exception is the rule's or the phrase's own.
    """
    index = (phrases if isinstance(phrases, PhraseList) else PhraseList(phrases)).by_key
    candidates: list[Match] = []
    present = [p for key in view.keys() for p in index.get(key, ())]
    for phrase in present:
        for begin, end in view.words(phrase.key):
            if phrase.contiguous and end - begin != len(phrase.key):
                continue
            hidden = any(
                b < end and begin < e
                for key in exceptions + phrase.exceptions
                for b, e in view.occurrences(key)
            )
            if not hidden:
                candidates.append(Match(phrase, begin, end))
    candidates.sort(key=lambda m: (-(m.end - m.begin), m.begin, m.phrase.text))
    chosen: list[Match] = []
    for m in candidates:
        if not any(c.overlaps(m.begin, m.end) for c in chosen):
            chosen.append(m)
    chosen.sort(key=lambda m: (m.begin, m.end))
    return chosen
