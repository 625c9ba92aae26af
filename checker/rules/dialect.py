"""`dialect`: a turn holding enough distinct markers of a dialect; `mode: switch` only when the
customer speaks that dialect too (the agent followed the customer out of Mandarin)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Literal

from pydantic import Field, model_validator

from ..dialects import DialectLexicon, Marker
from ..match import Match, Phrase, PhraseList, find_phrases
from ..model import CUSTOMER, Finding
from .base import CallContext, CompileContext, register, Rule, RuleConfig

CUSTOM = "custom"


class DialectConfig(RuleConfig):
    kind: Literal["dialect"]
    dialects: list[str] = Field(default_factory=list)
    markers: list[str] = Field(default_factory=list)
    min_markers: float = Field(2, gt=0)
    mode: Literal["any", "switch"] = "any"

    @model_validator(mode="after")
    def _something_to_find(self) -> "DialectConfig":
        if not self.dialects and not self.markers:
            raise ValueError("a dialect rule needs `dialects` or `markers`")
        return self


@dataclass(frozen=True)
class CompiledDialect:
    name: str
    title: str
    markers: PhraseList

    def present(self, ctx: CallContext) -> bool:
        """Whether any marker of this dialect occurs anywhere in the call."""
        return not ctx.call_keys().isdisjoint(self.markers.by_key.keys())

    def turns(self, ctx: CallContext, scope) -> list[int]:
        """The turns of `scope` that hold a marker of this dialect (as characters)."""
        found = ctx.turns_with(self.markers.by_key.keys())
        return ctx.within(found, scope) if found else []

    def found(self, ctx: CallContext, turn: int) -> list[Match]:
        if self.markers.by_key.keys().isdisjoint(ctx.turn_keys(turn)):
            return []
        # Kept per call: the dialect rule and `detect_dialect` ask about the same customer turns.
        memo = ctx.dialect_markers
        key = (id(self), turn)
        matches = memo.get(key)
        if matches is None:
            matches = memo[key] = find_phrases(ctx.view(turn), self.markers)
        return matches

    @staticmethod
    def strength(matches: list[Match]) -> float:
        """Distinct markers, weighted: a weak marker counts for its weight."""
        return sum(_weigh({}, matches).values())

    def strength_of(self, ctx: CallContext, speaker: str) -> float:
        """`strength` of the matches in all of a speaker's turns taken together, kept per call
        (the dialect rule and `detect_dialect` both ask it of the customer). A turn is matched
        only while one of its markers could still count for more: a customer who says 唔 in
        every turn has the turns after the first few looked at, not matched again."""
        memo = ctx.dialect_strength
        key = (id(self), speaker)
        found = memo.get(key)
        if found is None:
            top = self.top_weights
            weights: dict[str, float] = {}
            for i in self.turns(ctx, ctx.turn_indexes(speaker)):
                if any(weights.get(k, 0.0) < top[k] for k in ctx.turn_keys(i) if k in top):
                    _weigh(weights, self.found(ctx, i))
            found = memo[key] = sum(weights.values())
        return found

    @functools.cached_property
    def top_weights(self) -> dict[str, float]:
        """Each marker key with the highest weight a marker of that key has."""
        top: dict[str, float] = {}
        for m in self.markers:
            top[m.key] = max(top.get(m.key, 0.0), m.weight)
        return top


def _weigh(weights: dict[str, float], matches: list[Match]) -> dict[str, float]:
    """`weights` (marker key -> the highest weight matched) with `matches` counted in."""
    for m in matches:
        weights[m.phrase.key] = max(weights.get(m.phrase.key, 0.0), m.phrase.weight)
    return weights


def compile_dialect(lexicon: DialectLexicon, ctx: CompileContext) -> CompiledDialect:
    """The lexicon compiled, once per scheme: the dialect rules and `customer_dialect` share it,
    and so what a call keeps of its markers (`found`, `strength_of`)."""
    key = ("dialect", lexicon)
    compiled = ctx.shared.get(key)
    if compiled is None:
        compiled = ctx.shared[key] = CompiledDialect(
            lexicon.name, lexicon.title, PhraseList(_phrase(m, ctx) for m in lexicon.markers)
        )
    return compiled


def _phrase(marker: Marker, ctx: CompileContext) -> Phrase:
    return Phrase(
        marker.text,
        ctx.book.add(marker.text),
        marker.suggest,
        marker.weight,
        tuple(ctx.book.add(e) for e in marker.exceptions),
        # A marker is a word of the dialect: 唔，好的 is not 唔好.
        contiguous=True,
    )


@register
class DialectRule(Rule):
    kind = "dialect"
    Config = DialectConfig
    config: DialectConfig
    lints_text = True

    def __init__(self, config: DialectConfig, ctx: CompileContext):
        super().__init__(config, ctx)
        self.dialects = [compile_dialect(ctx.dialects.get(name), ctx) for name in config.dialects]
        if config.markers:
            custom = DialectLexicon(CUSTOM, "方言", tuple(Marker(m) for m in ctx.expand(config.markers)))
            self.dialects.append(compile_dialect(custom, ctx))
        if not self.window_in_seconds:  # else a call without timestamps must say not applicable
            self.gate = frozenset(k for d in self.dialects for k in d.markers.by_key)
            self.gate_speaker = config.speaker  # findings are in the rule's speaker's turns

    def findings(self, ctx: CallContext) -> list[Finding]:
        need = self.config.min_markers
        out: list[Finding] = []
        scope = self.scope(ctx)
        for dialect in self.dialects:
            if not dialect.present(ctx):
                continue
            if self.config.mode == "switch" and dialect.strength_of(ctx, CUSTOMER) < need:
                continue
            for i in dialect.turns(ctx, scope):
                matches = dialect.found(ctx, i)
                if matches and dialect.strength(matches) >= need:
                    out.append(self._finding(ctx, i, dialect, matches))
        out.sort(key=lambda f: f.sort_key)
        return out

    def _finding(self, ctx: CallContext, turn: int, dialect: CompiledDialect, matches: list[Match]) -> Finding:
        text = ctx.call.turns[turn].text
        view = ctx.view(turn)
        quoted: dict[str, str | None] = {}  # marker as written -> its Mandarin wording
        for m in matches:
            b, e = view.original(m.begin, m.end)
            quoted.setdefault(text[b:e], m.phrase.suggest)
        suggestions = [f"{q}→{s}" for q, s in quoted.items() if s]
        finding = self.finding(
            ctx,
            turn=turn,
            span=(matches[0].begin, matches[0].end),
            suggest="；".join(suggestions) or None,
            message=f"{self.config.message}（{dialect.title}：{'、'.join(quoted)}）",
            details={"dialect": dialect.name, "markers": list(quoted)},
        )
        # `matched` quotes every marker found, not only the first one the span points at.
        return replace(finding, matched="、".join(quoted))


def detect_dialect(ctx: CallContext, dialects: list[CompiledDialect], min_strength: float = 2) -> str | None:
    """The dialect the customer speaks: the one whose markers, over all the customer's turns
    taken together, weigh most, if they reach `min_strength`; None for Mandarin."""
    best: tuple[float, str] | None = None
    for dialect in dialects:
        if not dialect.present(ctx):
            continue
        strength = dialect.strength_of(ctx, CUSTOMER)
        if strength >= min_strength and (best is None or strength > best[0]):
            best = (strength, dialect.name)
    return best[1] if best else None
