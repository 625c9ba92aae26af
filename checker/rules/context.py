"""One call as the rules see it (`CallContext`): its turns normalised and scanned once with the
scheme's automaton, each turn viewed only when a rule looks at it, and the per-call facts rules
share."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate, chain

from ..match import PhraseBook, TurnView
from ..model import Call
from ..normalise import JoinedText, NormalText, alnum_counts, compact_of, joinable, normalise, normalise_call
from ..segment import BlockMask, Segmenter

__all__ = ["CallContext", "SpeakerTurns"]


@dataclass
class CallContext:
    """One call being evaluated: its turns normalised and scanned once, each turn viewed
    (offsets, segmentation) only when a rule looks at it.

    `vectorised` normalises with numpy (the audit); off, the same result without importing it
    (the script lint, which a pre-commit hook starts for every commit)."""

    call: Call
    book: PhraseBook
    segmenter: Segmenter
    vectorised: bool = False

    def __post_init__(self) -> None:
        self._views: dict[int, TurnView] = {}
        self._speaker_turns: dict[str, tuple[int, ...]] = {}
        # None until scanned; then each turn's NormalText, or empty when the turns were normalised
        # in one piece (`joined`), their texts cut from it.
        self._norms: list[NormalText] | None = None
        self._hits: list[dict[str, list[tuple[int, int]]]] = []
        self._key_turns: dict[str, list[int]] = {}
        self._alone = False  # its turns cannot be normalised in one piece (`scan_together` found)
        # Per-call facts, each computed once for all the rules that ask (and, the last two, set
        # by the plan's run for the report).
        self.spoken_chars: list[int] | None = None  # letters and digits per turn (`timing.spoken_counts`)
        self.call_text: str | None = None  # the turns normalised, in one string (`phrases._call_text`)
        self.turn_grams: list | None = None  # per turn: compact length, bigrams (`repetition.turn_grams`)
        self._compacts: dict[int, str] = {}  # per turn asked: its compact text (`compact_text`)
        self.dialect_markers: dict[tuple[int, int], list] = {}  # (id(dialect), turn) -> its marker matches
        self.dialect_strength: dict[tuple[int, str], float] = {}  # (id(dialect), speaker) -> strength
        self.open_gates = 0  # the gate bits the call opened (`plan.Plan.open_gates`)
        self.rule_errors: list[str] = []  # rules not judged on this call, and why (errors.csv)
        self.joined: JoinedText | None = None  # the call normalised in one piece, when it could be
        self.offsets: list[int] = []  # where each turn starts in `joined.text` (maybe a batch's)

    def _scan(self) -> None:
        """Normalise every turn in one pass and scan the whole call with the scheme's automaton
        once, so that rules look at a turn only when one of their keys is in it."""
        if not self._alone and self._scan_joined([self], self.vectorised):
            return
        # A character that changes length (or the separator) in some turn: turn by turn.
        norms = [normalise(t) for t in self.call.turns.texts]
        self._norms = norms
        self._hits = [self.book.spans_in(n) for n in norms]
        self._key_turns = _key_index(self._hits)

    @staticmethod
    def scan_together(contexts: list[CallContext]) -> None:
        """`_scan` for several calls at once: their turns normalised as one text and scanned in
        one automaton pass (see `engine.audit_calls`); each context then holds its own turns'
        hits, as if it had scanned alone. When that cannot be done, each scans itself when
        first asked."""
        if len(contexts) > 1 and all(c.vectorised and c._norms is None for c in contexts):
            if CallContext._scan_joined(contexts, True):
                return
            # A call with a character that changes length (… in 4 % of the real corpus's calls,
            # so in most batches): the others are still scanned together, it scans alone.
            rest = []
            for c in contexts:
                if joinable(c.call.turns.texts):
                    rest.append(c)
                else:
                    c._alone = True  # its own joined text would fail the same way: turn by turn at once
            if 1 < len(rest) < len(contexts):
                CallContext._scan_joined(rest, True)

    @staticmethod
    def _scan_joined(contexts: list[CallContext], vectorised: bool) -> bool:
        """Normalise the turns of `contexts` as one text and scan it once; False (nothing done)
        when the joined normalisation cannot keep offsets."""
        texts = list(chain.from_iterable(c.call.turns.texts for c in contexts))
        joined = normalise_call(texts, vectorised)
        if joined is None:
            return False
        starts = None  # the offsets as a numpy array, for the numpy steps below
        if joined.codes is not None:
            import numpy as np

            starts = np.zeros(len(texts), dtype=np.int64)
            np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))[:-1] + 1, out=starts[1:])
            offsets = starts.tolist()
        else:
            offsets = list(accumulate(map((1).__add__, map(len, texts)), initial=0))  # + 1: the separator
            offsets.pop()
        sizes = [len(c.call.turns.texts) for c in contexts]
        hits, key_turns = contexts[0].book.scan_call(joined, offsets, sizes, starts)
        # Letters and digits per turn (speech rate), for all the text in one numpy step.
        spoken = alnum_counts(joined, offsets, texts, starts)
        lo = 0
        for c, n, index in zip(contexts, sizes, key_turns):
            if spoken is not None:
                c.spoken_chars = spoken[lo : lo + n]
            c._norms = []  # scanned: the normalised texts are cut from `joined.text`
            c.joined, c.offsets, c._hits = joined, offsets[lo : lo + n], hits[lo : lo + n]
            c._key_turns = index
            lo += n
        return True

    def norm_text(self, index: int) -> str:
        """A turn's normalised text (what regexes run on), without building its views."""
        if self._norms is None:
            self._scan()
        if self.joined is not None:
            start = self.offsets[index]
            return self.joined.text[start : start + len(self.call.turns.texts[index])]
        return self._norms[index].text  # type: ignore[index]  # scanned one by one (no joined text): _norms is set by _scan

    def compact_text(self, index: int) -> str:
        """A turn's normalised text without spaces and punctuation (`normalise.compact_of`), made
        once per call however many rules compare it (`similar` rules share the closing turns)."""
        compact = self._compacts.get(index)
        if compact is None:
            text = self.norm_text(index)
            # Scanned turn by turn, the turn's NormalText holds it already (the scan read it).
            compact = self._norms[index].compact if self.joined is None else compact_of(text)  # type: ignore[index]  # as in norm_text: _norms is set when there is no joined text
            self._compacts[index] = compact
        return compact

    def call_keys(self):
        """The phrase keys found anywhere in the call: a rule none of whose keys is here can
        skip the call's turns altogether."""
        return self.key_turns().keys()

    def key_turns(self) -> dict[str, list[int]]:
        """Each phrase key found in the call, with the turns (in order) that hold it."""
        if self._norms is None:
            self._scan()
        return self._key_turns

    def turns_with(self, keys) -> list[int]:
        """Indexes, in order, of the turns holding at least one of `keys` (as characters)."""
        if self._norms is None:
            self._scan()
        present = self._key_turns
        # Walk the smaller side: `dict_keys & frozenset` would walk the frozenset, every phrase
        # of a 10,000-phrase rule, on every call.
        if len(present) <= len(keys):
            found = [turns for k, turns in present.items() if k in keys]
        else:
            found = [present[k] for k in keys if k in present]
        if not found:
            return []
        if len(found) == 1:
            return found[0]
        return sorted({i for turns in found for i in turns})

    def within(self, turns: list[int], scope) -> list[int]:
        """The `turns` (in order) that are in `scope` (a rule's turn indexes, in order)."""
        if len(scope) == len(self.call.turns):
            return turns
        speaker = getattr(scope, "speaker", None)
        if speaker is not None:  # all of one speaker's turns: no set to build
            speakers = self.call.turns.speakers
            return [i for i in turns if speakers[i] == speaker]
        inside = set(scope)
        return [i for i in turns if i in inside]

    def turn_hits(self) -> list[dict[str, list[tuple[int, int]]]]:
        """For each turn, where each key occurs in it (spans in the normalised text)."""
        if self._norms is None:
            self._scan()
        return self._hits

    def turn_keys(self, index: int):
        """The phrase keys found (as characters) in a turn."""
        if self._norms is None:
            self._scan()
        return self._hits[index].keys()

    def view(self, index: int) -> TurnView:
        view = self._views.get(index)
        if view is None:
            if self._norms is None:
                self._scan()
            joined = self.joined
            text = self.call.turns.texts[index]
            if joined is not None:  # cut from the joined text, as long as the turn's
                blocks = None
                if joined.blocks is not None:
                    blocks = BlockMask(joined.blocks, self.offsets[index], len(text))
                view = TurnView(text, self.book, self.segmenter, None, self._hits[index], blocks, self.norm_text(index))
            else:
                view = TurnView(text, self.book, self.segmenter, self._norms[index], self._hits[index])  # type: ignore[index]  # as in norm_text: _norms is set when there is no joined text
            self._views[index] = view
        return view

    def sharing_scan(self, segmenter: Segmenter) -> CallContext:
        """A fresh context of the same call for another scheme compiled into the same phrase book
        (`qa-check diff`): it shares this one's normalised text and automaton hits and, with the
        same segmenter, its turn views (the segmentation done so far); what rules keep per call
        starts empty, but for the turns' spoken characters."""
        if self._norms is None:
            self._scan()
        twin = CallContext(self.call, self.book, segmenter, self.vectorised)
        twin._norms, twin._hits, twin._key_turns = self._norms, self._hits, self._key_turns
        twin.joined, twin.offsets = self.joined, self.offsets
        twin._speaker_turns = self._speaker_turns
        if segmenter is self.segmenter:
            twin._views = self._views
        twin.spoken_chars = self.spoken_chars
        return twin

    def turn_indexes(self, speaker: str) -> tuple[int, ...]:
        """Indexes of a speaker's turns ("any": all turns); found once per call, not per rule."""
        found = self._speaker_turns.get(speaker)
        if found is None:
            speakers = self.call.turns.speakers
            # (a comprehension: `compress(count(), map(speaker.__eq__, …))` costs twice as much)
            found = (
                tuple(range(len(speakers)))
                if speaker == "any"
                else SpeakerTurns([i for i, s in enumerate(speakers) if s == speaker], speaker)
            )
            self._speaker_turns[speaker] = found
        return found


class SpeakerTurns(tuple):
    """The indexes of all of one speaker's turns, knowing whose they are (`CallContext.within`)."""

    speaker: str

    def __new__(cls, indexes, speaker: str) -> "SpeakerTurns":
        self = super().__new__(cls, indexes)
        self.speaker = speaker
        return self


def _key_index(hits: list[dict[str, list[tuple[int, int]]]]) -> dict[str, list[int]]:
    """For each key found, the turns (in order) whose hits hold it."""
    index: dict[str, list[int]] = {}
    for i, found in enumerate(hits):
        if found:
            for key in found:
                index.setdefault(key, []).append(i)
    return index
