"""`forbidden`: one finding for each occurrence of a phrase or regex in the rule's scope.

With `min_count: N` (SPEC "Counts on phrase rules") it fires only when the scope holds N or more
occurrences, and then each occurrence is one finding; `per` still decides the deduction.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..model import Finding
from .base import CallContext, CompileContext, register, Rule
from .phrases import PhraseMatcher, PhraseRuleConfig


class ForbiddenConfig(PhraseRuleConfig):
    kind: Literal["forbidden"]
    min_count: int = Field(1, ge=1)


@register
class ForbiddenRule(Rule):
    kind = "forbidden"
    Config = ForbiddenConfig
    lints_text = True

    def __init__(self, config: ForbiddenConfig, ctx: CompileContext):
        super().__init__(config, ctx)
        self.matcher = PhraseMatcher(config, ctx)
        self.gate = self.matcher.gate  # `findings` asks may_hit first
        if not self.window_in_seconds:  # else a key in anyone's turn asks the scope, which may say not applicable
            self.gate_speaker = config.speaker

    def findings(self, ctx: CallContext) -> list[Finding]:
        if not self.matcher.may_hit(ctx):
            return []
        hits = self.matcher.hits_in(ctx, self.scope(ctx))
        if len(hits) < self.config.min_count:  # type: ignore[attr-defined]  # a ForbiddenConfig, built by the registry
            return []
        return [
            self.finding(ctx, turn=hit.turn, span=(hit.begin, hit.end), suggest=hit.suggest, how=hit.how)
            for hit in hits
        ]
