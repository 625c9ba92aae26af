"""Phrase-based kinds share one way of naming what to look for: phrases, regexes, exceptions."""
from __future__ import annotations

from typing import Annotated, NamedTuple

from pydantic import AfterValidator, Field, field_validator, model_validator

from ..match import PhraseList, choose_matches
from ..normalise import compact_of
from ..prefilter import literal_factors
from ..regex_engine import compile_regex, regex_problem
from .base import CallContext, CompileContext, PhraseItem, RuleConfig, Strict

__all__ = ["PhraseSet", "PhraseRuleConfig", "PhraseMatcher", "Hit"]


def _valid_regex(pattern: str) -> str:
    problem = regex_problem(pattern)
    if problem:
        raise ValueError(problem)
    return pattern


class PhraseSet(Strict):
    """What to look for: phrases and/or regexes, with exceptions. A rule's own keys for the
    phrase kinds, and nested inside others (`when`, `expect`, `steps`, `except_after`)."""

    phrases: list[PhraseItem] = Field(default_factory=list)
    regex: list[Annotated[str, AfterValidator(_valid_regex)]] = Field(default_factory=list)  # each checked: all bad ones reported
    exceptions: list[str] = Field(default_factory=list)

    @field_validator("regex", mode="before")
    @classmethod
    def _listed(cls, v):
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _something_to_find(self) -> "PhraseSet":
        if not self.phrases and not self.regex:
            raise ValueError("needs `phrases` or `regex`")
        return self

    def label(self) -> str:
        """A short human name: the first phrase or regex as written."""
        first = self.phrases[0] if self.phrases else self.regex[0]  # type: ignore[index]
        text = first if isinstance(first, str) else first.phrase
        return text[1:] if text.startswith("@") else text


class PhraseRuleConfig(RuleConfig, PhraseSet):
    """`required` and `forbidden`: the common rule keys plus a phrase set."""


class Hit(NamedTuple):
    """A phrase or regex match in one turn; span in the turn's normalised text."""

    turn: int
    begin: int
    end: int
    suggest: str | None = None


class PhraseMatcher:
    """The compiled `phrases` + `regex` + `exceptions` of one rule."""

    def __init__(self, config: PhraseSet, ctx: CompileContext):
        self.phrases: PhraseList = ctx.phrases(config.phrases)
        self.exceptions: tuple[str, ...] = tuple(ctx.book.add(e) for e in ctx.expand(config.exceptions))
        self.regexes = tuple(compile_regex(p) for p in config.regex)  # RE2, or a budget (`regex_engine`)
        self.keys = frozenset(p.key for p in self.phrases)
        # Keys one of which a turn must hold for a regex to match there (`prefilter`); None when
        # some regex has no literal factor and must run on every turn.
        self.regex_keys: frozenset[str] | None = None
        if self.regexes:
            self.regex_keys = _regex_keys(config.regex, ctx)  # type: ignore[arg-type]
        # The keys one of which a turn must hold for a hit there; None when a regex without literal
        # factors may match anywhere (then every turn is a candidate).
        self.gate: frozenset[str] | None = None
        if not (self.regexes and self.regex_keys is None):
            self.gate = self.keys | (self.regex_keys or frozenset())
        self._entries = self.phrases.entries(self.exceptions)

    def may_hit(self, ctx: CallContext) -> bool:
        """False when no turn of the call can hold a match (no key, no regex that may match)."""
        return self.gate is None or not ctx.call_keys().isdisjoint(self.gate)

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
        for i in scope if len(scope) <= 4 else self.candidates(ctx, scope):
            if not keys.isdisjoint(hits[i]) and ctx.view(i).has_match(entries):
                return True
            if self.regexes and self._regex_may_hit(ctx, i) and self._regex_hits(ctx, i, []):
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
        return out

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
