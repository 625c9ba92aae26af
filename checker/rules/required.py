"""`required`: at least one of the phrases occurs in the rule's scope, else one finding."""
from __future__ import annotations

from typing import Literal

from ..model import Finding
from .base import CallContext, CompileContext, register, Rule
from .phrases import PhraseMatcher, PhraseRuleConfig


class RequiredConfig(PhraseRuleConfig):
    kind: Literal["required"]
    stage: str | list[str] | None = None  # script-library stages this applies to (`qa-check lint`)


@register
class RequiredRule(Rule):
    kind = "required"
    Config = RequiredConfig

    def __init__(self, config: RequiredConfig, ctx: CompileContext):
        super().__init__(config, ctx)
        self.matcher = PhraseMatcher(config, ctx)

    def findings(self, ctx: CallContext) -> list[Finding]:
        scope = self.scope(ctx)
        if self.matcher.any_hit(ctx, scope):
            return []
        # The evidence for a missing phrase is what the agent said where it belonged.
        window = self.config.window
        evidence = None
        if scope and window is not None:
            evidence = scope[-1] if window.last_turns or window.last_seconds else scope[0]
        return [self.finding(ctx, turn=evidence)]
