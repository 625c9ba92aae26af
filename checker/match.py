"""Find phrases in a turn: candidates on characters, word boundaries judged by segmentation.

Every phrase of a scheme goes into one Aho-Corasick automaton (ahocorasick-rs), built once; a
call (or a batch of calls) is scanned once whatever the number of rules or phrases. Only the
spans the automaton reports are checked against jieba's boundaries (see `segment`), and only when
a rule asks for them.
"""

from __future__ import annotations

import bisect
import functools
import operator
from itertools import chain, islice
from dataclasses import dataclass
from typing import NamedTuple

import ahocorasick_rs

from .normalise import JoinedText, NormalText, normalise, normalise_phrase
from .segment import BlockMask, Segmenter, TextBoundaries, on_block_edges

__all__ = ["PhraseBook", "PhraseList", "TurnView", "Match", "Phrase", "find_phrases", "has_phrase", "choose_matches"]


# Phrases up to which the UTF-16 automaton is a DFA (`_matches_utf16`): measured on 1,000 random
# Han phrases, a DFA of 9 MB scans 20 % faster than the NFA; on 10,000, 65 MB against 7 MB and slower.
DFA_MAX_PATTERNS = 2_000


@dataclass(frozen=True)
class Phrase:
    """A phrase as a rule uses it: what the user wrote, its lookup key, and its suggestion."""

    text: str
    key: str  # compact normalised form
    suggest: str | None = None
    weight: float = 1.0
    exceptions: tuple[str, ...] = ()  # keys of phrases that hide this one where they overlap
    contiguous: bool = False  # True: may not span skipped spaces/punctuation (dialect markers)


Entries = dict  # key -> ((phrase, hiding keys), ...): `PhraseList.entries`


class PhraseList(tuple):
    """Phrases of one rule (or one dialect), indexed by key so that a turn is matched by looking
    up the keys the automaton found in it: the cost follows the hits, not the list's length."""

    @functools.cached_property
    def by_key(self) -> dict[str, tuple[Phrase, ...]]:
        index: dict[str, list[Phrase]] = {}
        for phrase in self:
            index.setdefault(phrase.key, []).append(phrase)
        return {k: tuple(v) for k, v in index.items()}

    def entries(self, exceptions: tuple[str, ...] = ()) -> dict[str, tuple[tuple[Phrase, tuple[str, ...]], ...]]:
        """`by_key` with each phrase's hiding keys (`exceptions` + its own) worked out once."""
        cache = self.__dict__.setdefault("_entries", {})
        found = cache.get(exceptions)
        if found is None:
            found = cache[exceptions] = {
                k: tuple((p, exceptions + p.exceptions) for p in group) for k, group in self.by_key.items()
            }
        return found


class Match(NamedTuple):
    """A phrase found on word boundaries in one turn (a named tuple: rules make one per hit, and
    a frozen dataclass costs three times as much to make)."""

    phrase: Phrase
    begin: int  # span in the normalised text of the turn
    end: int

    def overlaps(self, begin: int, end: int) -> bool:
        return self.begin < end and begin < self.end


class PhraseBook:
    """All phrase keys of a scheme, compiled into one automaton.

    ahocorasick-rs returns every match of a text in one call (no Python step per character or per
    match), ~5x faster than iterating pyahocorasick's matches on a call's text."""

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._patterns: list[str] = []
        self._automaton: ahocorasick_rs.AhoCorasick | None = None
        self._utf16: ahocorasick_rs.BytesAhoCorasick | None = None

    def add(self, text: str) -> str:
        """Register a phrase; returns its key. Raises ValueError when nothing is left to match."""
        key = normalise_phrase(text)
        if not key:
            raise ValueError(f"phrase {text!r} has nothing to match once spaces and punctuation are ignored")
        return self.add_key(key)

    def add_key(self, key: str) -> str:
        """Register a key as it is looked up in compact text, not normalised again (a regex's
        literal factor stands in the normalised text exactly as the pattern spells it)."""
        if key not in self._keys:
            self._keys.add(key)
            self._automaton = self._utf16 = None
            self._patterns = []
        return key

    def __len__(self) -> int:
        return len(self._keys)

    def build(self) -> None:
        """Compile the text automaton now (it is otherwise built on first use)."""
        self._pattern_list()
        if self._patterns:
            self._automaton = ahocorasick_rs.AhoCorasick(self._patterns, matchkind=ahocorasick_rs.MatchKind.Standard)

    def _pattern_list(self) -> list[str]:
        if not self._patterns and self._keys:
            self._patterns = sorted(self._keys)
        return self._patterns

    def _matches(self, compact: str) -> list[tuple[int, int, int]]:
        """(pattern index, begin, end) of every occurrence, overlapping ones included, in order of
        their end (the longer first at the same end)."""
        if self._automaton is None:
            if not self._keys:
                return []
            self.build()
        return self._automaton.find_matches_as_indexes(compact, overlapping=True)  # type: ignore[union-attr]  # build() has just set the automaton

    def _matches_utf16(self, data: bytes) -> list[tuple[int, int, int]]:
        """Every occurrence in the UTF-16-LE bytes of a compact text with no character outside the
        BMP: (pattern index, begin, end) in bytes, two per character. Scanning the bytes numpy
        already made, with a DFA, takes a third of the time of the text automaton, which first
        converts the text to UTF-8 and maps byte offsets back to characters. A match that starts
        on an odd byte is made of the bytes of two characters, not a phrase: callers drop it."""
        if self._utf16 is None:
            patterns = self._pattern_list()
            if not patterns:
                return []
            self._utf16 = ahocorasick_rs.BytesAhoCorasick(
                [p.encode("utf-16-le") for p in patterns],
                matchkind=ahocorasick_rs.MatchKind.Standard,
                # A DFA's table grows with the states times the byte classes: ~6 KB a phrase (a 1 MB
                # scheme of 70,000 phrases took 420 MB, a 10 MB one GBs). Past DFA_MAX_PATTERNS the
                # contiguous NFA: ~200 bytes a phrase, and on large sets no slower (cache misses).
                implementation=ahocorasick_rs.Implementation.DFA
                if len(patterns) <= DFA_MAX_PATTERNS
                else ahocorasick_rs.Implementation.ContiguousNFA,
            )
        return self._utf16.find_matches_as_indexes(data, overlapping=True)

    def scan(self, compact: str) -> dict[str, list[tuple[int, int]]]:
        """Every occurrence of every key in `compact`, as [begin, end) compact offsets."""
        hits: dict[str, list[tuple[int, int]]] = {}
        matches = self._matches(compact) if compact else ()
        patterns = self._patterns
        for index, begin, end in matches:
            hits.setdefault(patterns[index], []).append((begin, end))
        return hits

    def spans_in(self, norm: NormalText) -> dict[str, list[tuple[int, int]]]:
        """`scan` of one text's compact view, the spans mapped to its normalised text."""
        span = norm.text_span
        return {k: [span(b, e) for b, e in v] for k, v in self.scan(norm.compact).items()}

    def scan_call(
        self, joined: JoinedText, offsets: list[int], sizes: list[int] | None = None, starts=None
    ) -> tuple[list[dict[str, list[tuple[int, int]]]], list[dict[str, list[int]]]]:
        """For each turn of a call (or a batch of calls) normalised together (`normalise_call`),
        where each key occurs: [begin, end) spans in that turn's normalised text; and for each
        call (`sizes`: its number of turns, in order; default one call), each key found with
        the turns (indexes within the call, in order) that hold it. `offsets[i]` is where turn i
        starts in `joined.text`. One automaton pass for all the text; no key holds the
        separator, so no match crosses two turns, and matches come in text order, so in turn
        order: both tables are filled in the one pass over them. `starts`: `offsets` as a numpy
        array, when the caller has it."""
        hits: list[dict[str, list[tuple[int, int]]]] = [_NO_HITS] * len(offsets)
        sizes = sizes if sizes is not None else [len(offsets)]
        indexes: list[dict[str, list[int]]] = [{} for _ in sizes]
        rows = self._placed(joined, offsets, starts)  # builds the automaton, and so the patterns, on first use
        patterns = self._patterns
        call, lo = 0, 0
        hi = sizes[0] if sizes else 0
        index = indexes[0] if indexes else None
        for i, k, begin, end in rows:
            while i >= hi:  # the next call (possibly past some without a match)
                call += 1
                lo, hi = hi, hi + sizes[call]
                index = indexes[call]
            turn = hits[i]
            if turn is _NO_HITS:
                turn = hits[i] = {}
            key = patterns[k]
            spans = turn.get(key)
            if spans is None:
                turn[key] = [(begin, end)]
                turns = index.get(key)  # type: ignore[union-attr]  # set whenever there are rows: sizes is not empty then
                if turns is None:
                    index[key] = [i - lo]  # type: ignore[index]  # as above
                else:
                    turns.append(i - lo)
            else:
                spans.append((begin, end))
        return hits, indexes

    def _placed(self, joined: JoinedText, offsets: list[int], starts=None):
        """(turn, pattern index, begin, end) of every match, the span local to its turn's
        normalised text; with numpy (the vectorised path) for all matches at once."""
        if joined.compact_utf16 is not None:
            found = self._matches_utf16(joined.compact_utf16)
            if not found:
                return ()
            import numpy as np

            # (np.array of a list of tuples takes twice as long as reading the flat values)
            m = np.fromiter(chain.from_iterable(found), dtype=np.int64, count=3 * len(found)).reshape(-1, 3)
            m = m[(m[:, 1] & 1) == 0]  # a match on an odd byte straddles two characters
            positions = joined.positions
            begins = positions.take(m[:, 1] >> 1)  # type: ignore[attr-defined]  # a numpy array on the UTF-16 path
            ends = positions.take((m[:, 2] >> 1) - 1) + 1  # type: ignore[attr-defined]  # as above
            if starts is None:
                starts = np.asarray(offsets)
            turns = np.searchsorted(starts, begins, side="right") - 1
            base = starts.take(turns)
            return zip(turns.tolist(), m[:, 0].tolist(), (begins - base).tolist(), (ends - base).tolist())
        positions = joined.positions
        out = []
        last = len(offsets)
        for k, cbegin, cend in self._matches(joined.compact):
            # int(): positions may be a numpy array (a batch with characters outside the BMP),
            # and a numpy integer in a span would not survive the JSON of the resume journal.
            begin, end = int(positions[cbegin]), int(positions[cend - 1]) + 1
            i = bisect.bisect_right(offsets, begin, 0, last) - 1
            out.append((i, k, begin - offsets[i], end - offsets[i]))
        return out


def _never(begin: int, end: int) -> bool:
    return False


_NO_HITS: dict = {}  # shared by the turns where nothing was found; never written to


class TurnView:
    """One turn's text, normalised and scanned once; boundary checks done on demand and kept.

    A rule looks at a few turns of every call through one of these, so it is kept light: with
    `normalised` (the turn's piece of a call normalised in one piece, same length as `text`) no
    NormalText is made, since offsets then map to themselves."""

    __slots__ = ("text", "book", "segmenter", "_norm", "_normalised", "_hits", "_words", "_bounds", "_blocks", "_edges")

    def __init__(
        self,
        text: str,
        book: PhraseBook,
        segmenter: Segmenter,
        norm: NormalText | None = None,
        hits: dict[str, list[tuple[int, int]]] | None = None,  # spans in the normalised text
        blocks: BlockMask | None = None,  # the normalised text's block characters, when known
        normalised: str | None = None,  # the normalised text, as long as `text`, instead of `norm`
    ):
        self.text = text
        self.book = book
        self.segmenter = segmenter
        if norm is None and normalised is None:
            norm = normalise(text)
        self._norm = norm
        self._normalised = norm.text if norm is not None else normalised
        self._hits = hits if hits is not None else book.spans_in(norm)  # type: ignore[arg-type]  # one of norm and normalised is given, so norm is set here
        self._words: dict[str, list[tuple[int, int]]] = {}
        self._bounds: TextBoundaries | None = None
        self._blocks = blocks
        # A span whose both ends are block edges (punctuation, the text's ends) is on word
        # boundaries whatever the segmentation: no need to segment for it. (The reference
        # segmenter, which checks that premise, always segments.)
        if not segmenter.block_wise:
            self._edges = _never
        elif blocks is not None:
            self._edges = blocks.on_edges
        else:
            self._edges = functools.partial(on_block_edges, self._normalised)  # type: ignore[arg-type]  # one of norm and normalised is given

    @property
    def norm(self) -> NormalText:
        if self._norm is None:
            self._norm = NormalText(self.text, self._normalised, None)  # type: ignore[arg-type]  # _normalised is set whenever _norm is not
        return self._norm

    def occurrences(self, key: str) -> list[tuple[int, int]]:
        """Spans (normalised text) where the key occurs as characters, boundaries not judged."""
        return self._hits.get(key, [])

    def hidden(self, keys: tuple[str, ...], begin: int, end: int) -> bool:
        """Whether an occurrence of one of `keys` overlaps [begin, end)."""
        hits = self._hits
        for key in keys:
            for b, e in hits.get(key, ()):
                if b < end and begin < e:
                    return True
        return False

    def words(self, key: str) -> list[tuple[int, int]]:
        """Spans (normalised text) where the key occurs on word boundaries."""
        found = self._words.get(key)
        if found is None:
            spans = self._hits.get(key, [])
            edges = self._edges
            if len(spans) == 1:  # most keys occur once in a turn
                b, e = spans[0]
                if not edges(b, e) and not self._boundaries().is_word(b, e):
                    spans = []
            else:
                for b, e in spans:
                    if not edges(b, e):
                        bounds = self._boundaries()
                        spans = [span for span in spans if edges(*span) or bounds.is_word(*span)]
                        break
            found = self._words[key] = spans
        return found

    def is_word(self, begin: int, end: int) -> bool:
        """Whether [begin, end) of the normalised text is on word boundaries (SPEC "Matching"):
        the rule `words` applies to a key's occurrences, for a span found another way."""
        return self._edges(begin, end) or self._boundaries().is_word(begin, end)

    def _boundaries(self) -> TextBoundaries:
        if self._bounds is None:
            self._bounds = self.segmenter.boundaries(self._normalised, self._blocks)  # type: ignore[arg-type]  # as above
        return self._bounds

    def has_match(self, entries: "Entries") -> bool:
        """Whether some phrase of `entries` (`PhraseList.entries`) occurs here on word boundaries,
        unhidden: the first one found answers."""
        return self._matches(entries, True) is True

    def matches(self, entries: "Entries") -> list[Match]:
        """Every unhidden word match of the phrases of `entries`, overlapping ones included."""
        return self._matches(entries, False)  # type: ignore[return-value]  # with first_only False, _matches returns the list

    def _matches(self, entries: "Entries", first: bool) -> "list[Match] | bool":
        """The one matching loop of `matches` and `has_match`: with `first`, True as soon as a
        match is found (what `required` asks, turn after turn: no Match made), else []."""
        out = []
        for key in self._hits:
            group = entries.get(key)
            if group is None:
                continue
            spans = self.words(key)
            if not spans:
                continue
            for phrase, hiding in group:
                for begin, end in spans:
                    if phrase.contiguous and end - begin != len(key):
                        continue
                    if hiding and self.hidden(hiding, begin, end):
                        continue
                    if first:
                        return True
                    out.append(Match(phrase, begin, end))
        return out

    def original(self, begin: int, end: int) -> tuple[int, int]:
        if self._norm is None:
            return begin, end  # `normalised` is as long as the text: offsets are the same
        return self._norm.original_span(begin, end)


def find_phrases(
    view: TurnView, phrases: "PhraseList | tuple[Phrase, ...]", exceptions: tuple[str, ...] = ()
) -> list[Match]:
    """Non-overlapping word matches of `phrases` in a turn, longest first, then leftmost.

    An occurrence of an exception (on characters: an exception only ever hides) that overlaps a
    match hides it, whether the exception is the rule's or the phrase's own.
    """
    return choose_matches(view.matches(_entries(phrases, exceptions)))


def choose_matches(candidates: list[Match]) -> list[Match]:
    """`find_phrases` from every candidate match: longest first, then leftmost, no overlaps."""
    if len(candidates) <= 1:
        return candidates
    # Mostly no two overlap: then every one is chosen, and the answer is them in text order.
    ordered = sorted(candidates, key=_SPAN)
    if all(map(operator.le, map(_END, ordered), map(_BEGIN, islice(ordered, 1, None)))):
        return ordered
    candidates.sort(key=lambda m: (-(m.end - m.begin), m.begin, m.phrase.text))
    chosen: list[Match] = []
    for m in candidates:
        if not any(c.overlaps(m.begin, m.end) for c in chosen):
            chosen.append(m)
    chosen.sort(key=lambda m: (m.begin, m.end))
    return chosen


_SPAN, _BEGIN, _END = operator.attrgetter("begin", "end"), operator.attrgetter("begin"), operator.attrgetter("end")


def has_phrase(view: TurnView, phrases: "PhraseList | tuple[Phrase, ...]", exceptions: tuple[str, ...] = ()) -> bool:
    """Whether `find_phrases` would find anything: it does exactly when some match is not hidden,
    so the first one answers (what `required` asks, turn after turn)."""
    return view.has_match(_entries(phrases, exceptions))


def _entries(phrases, exceptions: tuple[str, ...]) -> dict[str, tuple[tuple[Phrase, tuple[str, ...]], ...]]:
    return (phrases if isinstance(phrases, PhraseList) else PhraseList(phrases)).entries(exceptions)
