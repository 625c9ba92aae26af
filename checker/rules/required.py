"""`required`: at least one of the phrases occurs in the rule's scope, else one finding.

With counts (SPEC "Counts on phrase rules"): met when the scope holds at least `min_count`
occurrences of at least `min_distinct` different phrases (any-N-of, `counts.distinct`); the
finding of an unmet count names what was found in its message and `details`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..model import Finding
from .base import CallContext, CompileContext, register, Rule
from .counts import distinct
from .phrases import PhraseMatcher, PhraseRuleConfig


class RequiredConfig(PhraseRuleConfig):
    kind: Literal["required"]
    stage: str | list[str] | None = None  # script-library stages this applies to (`qa-check lint`)
    min_count: int = Field(1, ge=1)  # occurrences needed in scope
    min_distinct: int = Field(1, ge=1)  # different phrases among them


@register
class RequiredRule(Rule):
    kind = "required"
    Config = RequiredConfig

    def __init__(self, config: RequiredConfig, ctx: CompileContext):
        super().__init__(config, ctx)
        self.matcher = PhraseMatcher(config, ctx)

    def findings(self, ctx: CallContext) -> list[Finding]:
        cfg: RequiredConfig = self.config  # type: ignore[assignment]  # the registry builds this rule from its own config type
        scope = self.scope(ctx)
        message = details = None
        if cfg.min_count == 1 and cfg.min_distinct == 1:
            if self.matcher.any_hit(ctx, scope):
                return []
        else:
            hits = self.matcher.hits_in(ctx, scope)
            kinds = distinct(ctx, hits)
            if len(hits) >= cfg.min_count and kinds >= cfg.min_distinct:
                return []
            details = {
                "count": len(hits),
                "distinct": kinds,
                "min_count": cfg.min_count,
                "min_distinct": cfg.min_distinct,
            }
            message = f"{cfg.message}（{len(hits)} 次，{kinds} 种）"
        # The evidence for a missing phrase is what the agent said where it belonged.
        window = self.config.window
        evidence = None
        if scope and window is not None:
            evidence = scope[-1] if window.last_turns or window.last_seconds else scope[0]
        return [self.finding(ctx, turn=evidence, message=message, details=details)]
