"""Phrase-based kinds share one way of naming what to look for: phrases, regexes, exceptions, and
(SPEC "Rule language v2") token `patterns`, `similar` sentences, `entities` and `tolerance`.

Everything that takes a phrase set — `required`, `forbidden`, `response` (`when`, `expect`),
`sequence` steps, composite conditions — matches through `PhraseMatcher`, so each of these keys
works wherever phrases do.
"""

from __future__ import annotations

import weakref
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import AfterValidator, Field, field_validator, model_validator

from ..entities import ENTITY_KINDS, entity_spans, entity_trigger
from ..homophones import HomophonePhrases
from ..match import PhraseList, choose_matches
from ..normalise import compact_of
from ..prefilter import literal_factors
from ..similar_lines import SimilarLines
from ..token_patterns import PatternSet, pattern_problems, required_literals
from ..regex_engine import compile_regex, regex_problem
from .base import CallContext, CompileContext, PhraseItem, RuleConfig, Strict

__all__ = ["PhraseSet", "PhraseRuleConfig", "PhraseMatcher", "Hit", "Similar", "preload_matchers"]

HOW = ("exact", "homophone", "similar", "pattern", "entity")  # the `how` of a finding


def _token(value: Any) -> Any:
    problems = pattern_problems(value)
    if problems:
        raise ValueError("; ".join(problems))
    return value


PatternToken = Annotated[Any, AfterValidator(_token)]


class Similar(Strict):
    """`similar: {examples: [...], min_score: 0.6}` (SPEC "Similar sentences")."""

    examples: list[str] = Field(min_length=1)
    min_score: float = Field(0.6, gt=0, le=1)

    @field_validator("examples")
    @classmethod
    def _has_text(cls, v: list[str]) -> list[str]:
        for example in v:
            if not compact_of(example.lower()):
                raise ValueError(f"example {example!r} has nothing to compare once spaces and punctuation are ignored")
        return v


def _valid_regex(pattern: str) -> str:
    problem = regex_problem(pattern)
    if problem:
        raise ValueError(problem)
    return pattern


class PhraseSet(Strict):
    """What to look for: phrases and/or regexes, token patterns, similar sentences, entities, with
    exceptions. A rule's own keys for the phrase kinds, and nested inside others (`when`,
    `expect`, `steps`, `except_after`, composite conditions)."""

    phrases: list[PhraseItem] = Field(default_factory=list)
    regex: list[Annotated[str, AfterValidator(_valid_regex)]] = Field(
        default_factory=list
    )  # each checked: all bad ones reported
    exceptions: list[str] = Field(default_factory=list)
    patterns: list[Annotated[list[PatternToken], Field(min_length=1)]] = Field(default_factory=list)
    similar: Similar | None = None
    entities: list[Literal[ENTITY_KINDS]] = Field(default_factory=list)  # type: ignore[valid-type]  # a Literal of a tuple, made from the detectors' names
    tolerance: Literal["exact", "homophone"] = "exact"

    @field_validator("regex", mode="before")
    @classmethod
    def _listed(cls, v):
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _something_to_find(self) -> "PhraseSet":
        if not (self.phrases or self.regex or self.patterns or self.similar or self.entities):
            raise ValueError("needs `phrases` or `regex` (or `patterns`, `similar`, `entities`)")
        if self.tolerance == "homophone" and not self.phrases:
            raise ValueError("`tolerance: homophone` applies to `phrases`, and there are none")
        return self

    def label(self) -> str:
        """A short human name: the first phrase, regex, pattern token, example or entity as written."""
        if self.phrases:
            first = self.phrases[0]
            text = first if isinstance(first, str) else first.phrase
            return text[1:] if text.startswith("@") else text
        if self.regex:
            return self.regex[0]
        if self.similar is not None:
            return self.similar.examples[0]
        if self.patterns:
            return " ".join(_token_label(t) for t in self.patterns[0])
        return "、".join(self.entities)


def _token_label(token: dict) -> str:
    for attr in ("NORM", "TEXT", "ORTH", "LOWER", "POS"):
        value = token.get(attr)
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and isinstance(value.get("IN"), list):
            return "/".join(map(str, value["IN"]))
    return "…"


class PhraseRuleConfig(RuleConfig, PhraseSet):
    """`required` and `forbidden`: the common rule keys plus a phrase set."""


class Hit(NamedTuple):
    """A match in one turn; span in the turn's normalised text; `how` it matched (`HOW`)."""

    turn: int
    begin: int
    end: int
    suggest: str | None = None
    how: str = "exact"


class PhraseMatcher:
    """The compiled `phrases` + `regex` + `exceptions` of one rule, with its `patterns`,
    `similar`, `entities` and homophones (`finders`), each looking only at the turns that can
    hold one of its matches."""

    def __init__(self, config: PhraseSet, ctx: CompileContext):
        self.phrases: PhraseList = ctx.phrases(config.phrases)
        self.exceptions: tuple[str, ...] = tuple(ctx.book.add(e) for e in ctx.expand(config.exceptions))
        self.regexes = tuple(compile_regex(p) for p in config.regex)  # RE2, or a budget (`regex_engine`)
        self.keys = frozenset(p.key for p in self.phrases)
        # Keys one of which a turn must hold for a regex to match there (`prefilter`); None when
        # some regex has no literal factor and must run on every turn.
        self.regex_keys: frozenset[str] | None = None
        if self.regexes:
            self.regex_keys = _regex_keys(config.regex, ctx)
        # The keys one of which a turn must hold for a hit there; None when a regex without literal
        # factors may match anywhere (then every turn is a candidate).
        self.gate: frozenset[str] | None = None
        if not (self.regexes and self.regex_keys is None):
            self.gate = self.keys | (self.regex_keys or frozenset())
        self._entries = self.phrases.entries(self.exceptions)
        self.finders = _finders(config, self.phrases, ctx)
        for finder in self.finders:
            if finder.keys is None:
                self.gate = None
            elif self.gate is not None:
                self.gate |= finder.keys
        # Without a gate: the keys that still say a call may hold a hit (`may_hit`).
        self._keyed = self.keys.union(self.regex_keys or (), *(f.keys for f in self.finders if f.keys is not None))

    def may_hit(self, ctx: CallContext) -> bool:
        """False when no turn of the call can hold a match (no key, no regex that may match, no
        finder that may find something in the call's text)."""
        if self.gate is not None:
            return not ctx.call_keys().isdisjoint(self.gate)
        if self.regexes and self.regex_keys is None:
            return True
        return any(f.keys is None and f.call_may_hold(ctx) for f in self.finders) or (
            not ctx.call_keys().isdisjoint(self._keyed)
        )

    def candidates(self, ctx: CallContext, scope) -> "list[int] | tuple[int, ...]":
        """The turns of `scope` that can hold a hit: those holding a key (a phrase's, or a literal
        factor of a regex), or every one for a regex without factors. Rules loop over these, so a
        turn without any of the rule's keys costs nothing."""
        if self.gate is None:
            return scope
        found = ctx.turns_with(self.gate)
        return ctx.within(found, scope) if found else ()

    def hits_in(self, ctx: CallContext, scope) -> list[Hit]:
        """Every hit in the `scope` turns, in turn then offset order."""
        return [h for i in self.candidates(ctx, scope) for h in self.hits(ctx, i)]

    def any_hit(self, ctx: CallContext, scope) -> bool:
        """Whether any turn of `scope` holds a hit: `any(self.hits(...))`, stopping at the first.
        A window of a few turns is looked at turn by turn, cheaper than finding the candidates."""
        hits = ctx.turn_hits()
        keys, entries = self.keys, self._entries
        turns = scope if len(scope) <= 4 else self.candidates(ctx, scope)
        for i in turns:
            if not keys.isdisjoint(hits[i]) and ctx.view(i).has_match(entries):
                return True
            if self.regexes and self._regex_may_hit(ctx, i) and self._regex_hits(ctx, i, []):
                return True
        # The finders after every literal look: a phrase anywhere in scope answers first.
        for f in self.finders:
            for i in turns:
                if self._finder_hits(ctx, i, f):
                    return True
        return False

    def _regex_may_hit(self, ctx: CallContext, turn: int) -> bool:
        return self.regex_keys is None or not ctx.turn_keys(turn).isdisjoint(self.regex_keys)

    def hits(self, ctx: CallContext, turn: int) -> list[Hit]:
        out: list[Hit] = []
        if not self.keys.isdisjoint(ctx.turn_keys(turn)):
            view = ctx.view(turn)
            out = [Hit(turn, m.begin, m.end, m.phrase.suggest) for m in choose_matches(view.matches(self._entries))]
        if self.regexes and self._regex_may_hit(ctx, turn):
            out = self._regex_hits(ctx, turn, out)
        if self.finders:
            found = [h for f in self.finders for h in self._finder_hits(ctx, turn, f)]
            if found:
                out = _longest_first(out + found)
        return out

    def _finder_hits(self, ctx: CallContext, turn: int, finder: "_Finder") -> list[Hit]:
        """The finder's hits in a turn that it may hold and that no exception hides."""
        if finder.keys is not None and not finder.may_hold(ctx.turn_keys(turn)):
            return []
        found = finder.hits(ctx, turn)
        if found and self.exceptions:
            found = [h for h in found if not self._hidden(ctx, turn, h.begin, h.end)]
        return found

    def _regex_hits(self, ctx: CallContext, turn: int, out: list[Hit]) -> list[Hit]:
        """`out` (the phrase hits) with the regex matches that overlap none of them."""
        text = ctx.norm_text(turn)
        added = False
        for regex in self.regexes:
            for begin, end in regex.spans(text):
                if end > begin and not self._hidden(ctx, turn, begin, end):
                    if not any(h.begin < end and begin < h.end for h in out):
                        out.append(Hit(turn, begin, end))
                        added = True
        if added:
            out.sort(key=lambda h: (h.begin, h.end))
        return out

    def _hidden(self, ctx: CallContext, turn: int, begin: int, end: int) -> bool:
        if not self.exceptions:
            return False
        return ctx.view(turn).hidden(self.exceptions, begin, end)


def _regex_keys(patterns: list[str], ctx: CompileContext) -> frozenset[str] | None:
    """The compact forms of the literal factors of every pattern, registered with the automaton;
    None when one pattern has none (a factor that is all punctuation counts as none)."""
    keys: set[str] = set()
    for pattern in patterns:
        factors = literal_factors(pattern)
        if factors is None:
            return None
        compact = {compact_of(f) for f in factors}
        if "" in compact:
            return None
        keys |= compact
    return frozenset(ctx.book.add_key(k) for k in keys)


def _longest_first(hits: list[Hit]) -> list[Hit]:
    """Of overlapping hits, the longest, then the leftmost (SPEC "Rule language v2"), in text order."""
    if len(hits) <= 1:
        return hits
    chosen: list[Hit] = []
    for h in sorted(hits, key=lambda h: (h.begin - h.end, h.begin)):
        if not any(c.begin < h.end and h.begin < c.end for c in chosen):
            chosen.append(h)
    chosen.sort(key=lambda h: (h.begin, h.end))
    return chosen


def preload_matchers() -> None:
    """Load now what the compiled homophone and pattern finders load on first use (pypinyin and
    its tables, spaCy, jieba's tagger): the audit calls this before forking its workers, as it
    loads the segmenter's dictionary. Nothing is loaded for a scheme without them."""
    for finder in list(_HEAVY):
        finder.warm()


_HEAVY: "weakref.WeakSet[_Finder]" = weakref.WeakSet()  # finders with something to load


class _Finder:
    """One way of finding matches beyond literal phrases and regexes. `keys`: compact keys
    registered with the scheme's automaton, one of which a turn must hold to be looked at
    (None: every turn in scope is)."""

    keys: frozenset[str] | None = None

    def warm(self) -> None:
        """Load what the first match would (see `preload_matchers`)."""

    def call_may_hold(self, ctx: CallContext) -> bool:
        """For a finder without keys: False when nothing in the call can hold one of its matches."""
        return True

    def may_hold(self, turn_keys) -> bool:
        return not turn_keys.isdisjoint(self.keys)

    def hits(self, ctx: CallContext, turn: int) -> list[Hit]:
        raise NotImplementedError


class _Homophones(_Finder):
    """`tolerance: homophone`: phrases that read the same, on word boundaries. Every turn in scope
    is a candidate for the scheme's automaton; the finder's own regex of homophones picks the turns
    read in pinyin (see `homophones`)."""

    def __init__(self, phrases: PhraseList):
        self.suggest = {p.key: p.suggest for p in phrases}
        self.phrases = HomophonePhrases(list(self.suggest))
        _HEAVY.add(self)

    def warm(self) -> None:
        self.phrases.warm()

    def call_may_hold(self, ctx: CallContext) -> bool:
        return self.phrases.may_hold(_call_text(ctx))

    def hits(self, ctx: CallContext, turn: int) -> list[Hit]:
        spans = self.phrases.spans(ctx.norm_text(turn), ctx.segmenter)
        if not spans:
            return []
        view = ctx.view(turn)
        return [Hit(turn, b, e, self.suggest[k], "homophone") for k, b, e in spans if view.is_word(b, e)]


class _Patterns(_Finder):
    """`patterns`: a turn is looked at when it holds, for some pattern, a text of every literal
    token the pattern requires."""

    def __init__(self, patterns: list[list[dict]], ctx: CompileContext):
        self.patterns = PatternSet(patterns)
        _HEAVY.add(self)
        self.needs: list[list[frozenset[str]]] | None = []
        keys: set[str] = set()
        for pattern in patterns:
            literals = []
            for texts in required_literals(pattern):
                try:
                    literals.append(frozenset(ctx.book.add(t) for t in texts))
                except ValueError:  # punctuation only: no key to look for
                    continue
            if not literals:
                self.needs = None  # this pattern may match in any turn
                break
            self.needs.append(literals)
            keys |= literals[0]
        self.keys = frozenset(keys) if self.needs is not None else None

    def may_hold(self, turn_keys) -> bool:
        return any(all(not turn_keys.isdisjoint(k) for k in need) for need in self.needs)  # type: ignore[union-attr]  # asked only when keys, and so needs, is set

    def warm(self) -> None:
        self.patterns.spans("预热")

    def hits(self, ctx: CallContext, turn: int) -> list[Hit]:
        return [Hit(turn, b, e, None, "pattern") for b, e in self.patterns.spans(ctx.norm_text(turn))]


class _Similar(_Finder):
    """`similar`: a turn in scope is scored only when it shares enough bigrams with an example,
    counted by the finder's own automaton (see `similar_lines`). Not the scheme's: the bigrams are
    everyday ones (可以, 还有) that would add matches to the scan of every turn of every call,
    while a `similar` rule mostly looks at a few turns (the last two, the first)."""

    def __init__(self, similar: Similar, ctx: CompileContext):
        self.lines = SimilarLines(similar.examples, similar.min_score)

    def hits(self, ctx: CallContext, turn: int) -> list[Hit]:
        return [
            Hit(turn, b, e, None, "similar")
            for b, e, _ in self.lines.spans(ctx.norm_text(turn), ctx.compact_text(turn))
        ]


class _Entities(_Finder):
    """`entities`: regexes over every turn in scope, after one cheap search for a digit,
    numeral or sign that any entity holds."""

    def __init__(self, kinds: list[str]):
        self.kinds = frozenset(kinds)
        self.trigger = entity_trigger(self.kinds)

    def call_may_hold(self, ctx: CallContext) -> bool:
        return not self.trigger.isdisjoint(_call_text(ctx))

    def hits(self, ctx: CallContext, turn: int) -> list[Hit]:
        return [Hit(turn, b, e, None, "entity") for _, b, e in entity_spans(ctx.norm_text(turn), self.kinds)]


def _call_text(ctx: CallContext) -> str:
    """The call's turns, normalised, in one string (made once per call, for finders' call tests)."""
    text = ctx.call_text
    if text is None:
        texts = ctx.call.turns.texts
        ctx.norm_text(0) if texts else None  # scanned, so `joined` is known
        if ctx.joined is not None and texts:  # the call's piece of the batch's text: one slice
            text = ctx.joined.text[ctx.offsets[0] : ctx.offsets[-1] + len(texts[-1])]
        else:
            text = "\n".join(map(ctx.norm_text, range(len(texts))))
        ctx.call_text = text
    return text


def _finders(config: PhraseSet, phrases: PhraseList, ctx: CompileContext) -> list[_Finder]:
    out: list[_Finder] = []
    if config.tolerance == "homophone" and phrases:
        out.append(_Homophones(phrases))
    if config.patterns:
        out.append(_Patterns(config.patterns, ctx))
    if config.similar is not None:
        out.append(_Similar(config.similar, ctx))
    if config.entities:
        out.append(_Entities(config.entities))
    return out
