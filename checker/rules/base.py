"""What every rule kind shares: its YAML keys, its scope in a call, and how it reports.

A kind is one module holding a pydantic `Config` (its YAML keys) and a `Rule` subclass that turns
one call into findings. `register` puts it in the table that the scheme loader reads, so a new
kind is one new module and one import line in `rules/__init__.py`.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate, chain
from typing import Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..match import Phrase, PhraseBook, PhraseList, TurnView
from ..normalise import JoinedText, NormalText, alnum_counts, normalise, normalise_call
from ..model import AGENT, Call, Finding
from ..segment import BlockMask, Segmenter

__all__ = [
    "RuleConfig",
    "Window",
    "Example",
    "PhraseSpec",
    "Rule",
    "CallContext",
    "CompileContext",
    "NotApplicable",
    "KINDS",
    "register",
]

Speaker = Literal["agent", "customer", "any"]
Severity = Literal["error", "warning", "info"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(Strict):
    first_turns: int | None = Field(None, ge=1)
    last_turns: int | None = Field(None, ge=1)
    first_seconds: float | None = Field(None, gt=0)
    last_seconds: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_window(self) -> "Window":
        set_keys = [k for k, v in self.model_dump().items() if v is not None]
        if len(set_keys) != 1:
            raise ValueError("a window takes exactly one of first_turns, last_turns, first_seconds, last_seconds")
        return self

    @property
    def needs_timestamps(self) -> bool:
        return self.first_seconds is not None or self.last_seconds is not None


class Example(Strict):
    fires: bool
    transcript: str
    count: int | None = Field(None, ge=0)  # exact number of findings expected
    matched: Union[str, list[str], None] = None  # the quoted text of the findings, in order
    suggest: str | None = None  # the suggestion the first finding must carry
    turn: int | None = None  # the turn the first finding must point at
    name: str | None = None


class PhraseSpec(Strict):
    phrase: str
    suggest: str | None = None


PhraseItem = Union[str, PhraseSpec]


class RuleConfig(Strict):
    """The keys every rule takes (SPEC "Rules in")."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    kind: str
    section: str = Field(min_length=1)
    message: str = Field(min_length=1)
    speaker: Speaker = AGENT
    window: Window | None = None
    when_meta: dict[str, Any] = Field(default_factory=dict)
    deduct: float = Field(0, ge=0)
    per: Literal["call", "occurrence"] = "call"
    max_deduct: float | None = Field(None, ge=0)
    fatal: bool = False
    severity: Severity = "error"
    suggest: str | None = None
    examples: list[Example] = Field(default_factory=list)
    enabled: bool = True
    description: str | None = None

    @field_validator("when_meta")
    @classmethod
    def _plain_values(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key, value in v.items():
            if isinstance(value, (dict,)):
                raise ValueError(f"when_meta {key!r} must be a value or a list of values")
        return v


class NotApplicable(Exception):
    """The rule cannot be judged on this call (e.g. it needs timestamps the call lacks)."""


@dataclass
class CompileContext:
    """What compiling a rule may use: the shared phrase book and the scheme's named lists."""

    book: PhraseBook
    lexicons: dict[str, list[Any]]
    dialects: Any  # dialect.DialectLibrary, resolved lazily by the dialect kind
    shared: dict[Any, Any] = field(default_factory=dict)  # compiled once per scheme, shared by rules

    def phrases(self, items: list[Any]) -> PhraseList:
        """Turn `phrases:` items (strings, {phrase, suggest}, "@lexicon") into Phrases."""
        out: list[Phrase] = []
        for item in self.expand(items):
            text, suggest = (item, None) if isinstance(item, str) else (item.phrase, item.suggest)
            out.append(Phrase(text, self.book.add(text), suggest))
        return PhraseList(out)

    def expand(self, items: list[Any]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if isinstance(item, str) and item.startswith("@"):
                out.extend(self.lexicons[item[1:]])  # names were checked when the scheme loaded
            else:
                out.append(item)
        return out


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
        self.memo: dict[str, Any] = {}  # per-call facts a rule kind computes once for all its rules
        self.joined: JoinedText | None = None  # the call normalised in one piece, when it could be
        self.offsets: list[int] = []  # where each turn starts in `joined.text` (maybe a batch's)

    def _scan(self) -> None:
        """Normalise every turn in one pass and scan the whole call with the scheme's automaton
        once, so that rules look at a turn only when one of their keys is in it."""
        if self._scan_joined([self], self.vectorised):
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
            CallContext._scan_joined(contexts, True)

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
                c.memo["spoken_chars"] = spoken[lo : lo + n]
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
        return self._norms[index].text  # type: ignore[index]

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
                view = TurnView(text, self.book, self.segmenter, self._norms[index], self._hits[index])  # type: ignore[index]
            self._views[index] = view
        return view

    def sharing_scan(self, segmenter: Segmenter) -> CallContext:
        """A fresh context of the same call for another scheme compiled into the same phrase book
        (`qa-check diff`): it shares this one's normalised text and automaton hits and, with the
        same segmenter, its turn views (the segmentation done so far); what rules keep per call
        (`memo`) starts empty, but for the turns' spoken characters."""
        if self._norms is None:
            self._scan()
        twin = CallContext(self.call, self.book, segmenter, self.vectorised)
        twin._norms, twin._hits, twin._key_turns = self._norms, self._hits, self._key_turns
        twin.joined, twin.offsets = self.joined, self.offsets
        twin._speaker_turns = self._speaker_turns
        if segmenter is self.segmenter:
            twin._views = self._views
        if "spoken_chars" in self.memo:
            twin.memo["spoken_chars"] = self.memo["spoken_chars"]
        return twin

    def turn_indexes(self, speaker: str) -> tuple[int, ...]:
        """Indexes of a speaker's turns ("any": all turns); found once per call, not per rule."""
        found = self._speaker_turns.get(speaker)
        if found is None:
            speakers = self.call.turns.speakers
            # (a comprehension: `compress(count(), map(speaker.__eq__, …))` costs twice as much)
            found = tuple(range(len(speakers))) if speaker == "any" else SpeakerTurns(
                [i for i, s in enumerate(speakers) if s == speaker], speaker)
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


class Rule:
    """A compiled rule. Subclasses set `kind` and `Config` and implement `findings`."""

    kind: ClassVar[str]
    Config: ClassVar[type[RuleConfig]]
    needs_timestamps: ClassVar[bool] = False
    lints_text: ClassVar[bool] = False  # applies to script files without speakers (`qa-check lint`)

    def __init__(self, config: RuleConfig, ctx: CompileContext):
        self.config = config
        self.id = config.id
        # Keys one of which must occur in a call for this rule to report anything there (None:
        # the rule must always be evaluated). Set by kinds that fire only on what they find, and
        # only where skipping the call cannot hide a not-applicable verdict.
        self.gate: frozenset[str] | None = None
        # Whose turn a gate key must be in (None or "any": anyone's), where the kind finds nothing in
        # the other speakers' turns: 知道了 said by the customer opens no agent rule.
        self.gate_speaker: str | None = None
        self._population: tuple[RuleConfig, list[tuple[str, Options]]] | None = None

    @property
    def window_in_seconds(self) -> bool:
        return self.config.window is not None and self.config.window.needs_timestamps

    @property
    def population(self) -> list[tuple[str, Options]]:
        """`when_meta` as (field, the values it accepts), for `applies` to ask of every call.
        Derived from the config the rule holds now, never from the one it was built with: the
        script lint narrows `when_meta` on a copy of the rule, and the copy must judge by that."""
        cached = self._population
        if cached is None or cached[0] is not self.config:
            config = self.config
            cached = self._population = (config, [
                (key, Options(wanted if isinstance(wanted, list) else [wanted])) for key, wanted in config.when_meta.items()
            ])
        return cached[1]

    # -- evaluation -----------------------------------------------------------------------
    def applies(self, call: Call) -> bool:
        """`enabled` and `when_meta`: whether this call is in the rule's population at all."""
        config = self.config
        if not config.when_meta:
            return config.enabled
        if not config.enabled:
            return False
        for key, options in self.population:
            if call.field_value(key) not in options:
                return False
        return True

    def evaluate(self, ctx: CallContext) -> list[Finding]:
        """Findings for one call; raises NotApplicable when the call lacks what the rule needs."""
        if self.needs_timestamps and not ctx.call.turns.timed:
            raise NotApplicable("needs timestamps")
        return self.findings(ctx)

    def findings(self, ctx: CallContext) -> list[Finding]:
        raise NotImplementedError

    def scope(self, ctx: CallContext, speaker: str | None = None, window: Window | None = None) -> Sequence[int]:
        """Indexes of the turns the rule looks at: its speaker's turns, cut by its window (or by
        `window`, a part's own: a composite's condition)."""
        indexes = ctx.turn_indexes(speaker or self.config.speaker)
        window = window or self.config.window
        if window is None:
            return indexes
        if window.first_turns is not None:
            return indexes[: window.first_turns]
        if window.last_turns is not None:
            return indexes[-window.last_turns :]
        turns = ctx.call.turns
        if not turns.timed:
            raise NotApplicable("window in seconds needs timestamps")
        starts, ends = turns.starts, turns.ends
        if window.first_seconds is not None:
            origin = starts[0]
            return [i for i in indexes if starts[i] < origin + window.first_seconds]  # type: ignore[operator]
        last_end = max(ends)  # type: ignore[type-var]
        return [i for i in indexes if ends[i] > last_end - window.last_seconds]  # type: ignore[operator]

    # -- reporting ------------------------------------------------------------------------
    def finding(
        self,
        ctx: CallContext,
        turn: int | None = None,
        span: tuple[int, int] | None = None,
        suggest: str | None = None,
        message: str | None = None,
        details: dict[str, Any] | None = None,
        how: str | None = None,
    ) -> Finding:
        """A finding of this rule; `span` is in the turn's normalised text and is quoted as written.
        `how` it matched defaults to "exact" for a quoted span, "" for none."""
        call = ctx.call
        turns = call.turns
        text = turns.texts[turn] if turn is not None else None
        matched = excerpt = ""
        orig_span = None
        if text is not None:
            if span is not None:
                orig_span = ctx.view(turn).original(*span)  # type: ignore[arg-type]
                matched = text[orig_span[0] : orig_span[1]]
            excerpt = make_excerpt(text, orig_span)
        return Finding(
            call_id=call.call_id,
            agent_id=call.agent_id,
            rule_id=self.id,
            kind=self.kind,
            section=self.config.section,
            severity=self.config.severity,
            message=message or self.config.message,
            turn=turn,
            speaker=turns.speakers[turn] if turn is not None else None,
            start=turns.starts[turn] if turn is not None else None,
            matched=matched,
            span=orig_span,
            excerpt=excerpt,
            suggest=suggest if suggest is not None else self.config.suggest,
            deduct=self.config.deduct,
            fatal=self.config.fatal,
            details=details or {},
            how=how if how is not None else ("exact" if span is not None else ""),
        )


EXCERPT_CONTEXT = 20


def make_excerpt(text: str, span: tuple[int, int] | None, context: int = EXCERPT_CONTEXT) -> str:
    """The turn text around a match, marked 【like this】, trimmed to `context` chars each side."""
    text = text.strip() if span is None else text
    if span is None:
        return text if len(text) <= 2 * context + 10 else text[: 2 * context + 10] + "…"
    b, e = span
    left = text[max(0, b - context) : b]
    right = text[e : e + context]
    return (
        ("…" if b > context else "")
        + left
        + "【"
        + text[b:e]
        + "】"
        + right
        + ("…" if e + context < len(text) else "")
    ).strip()


class Options:
    """The values a `when_meta` key or a metadata rule accepts, asked `value in options` of
    every call. A value matches an option when both are None; when either is a boolean, their
    lower-cased texts are equal (true / True / "TRUE"); otherwise when their texts are equal
    (1 and "1", "None" and None). Decided by set look-ups built once."""

    __slots__ = ("none", "plain", "lowered", "bools")

    def __init__(self, options: list) -> None:
        self.none = any(o is None for o in options)
        self.plain = frozenset(str(o) for o in options if not isinstance(o, bool))
        self.lowered = frozenset(str(o).lower() for o in options)
        self.bools = frozenset(str(o).lower() for o in options if isinstance(o, bool))

    def __contains__(self, value: Any) -> bool:
        if value is None:
            return self.none
        if isinstance(value, bool):
            return str(value).lower() in self.lowered
        text = str(value)
        return text in self.plain or (bool(self.bools) and text.lower() in self.bools)


KINDS: dict[str, type[Rule]] = {}


def register(cls: type[Rule]) -> type[Rule]:
    KINDS[cls.kind] = cls
    return cls
