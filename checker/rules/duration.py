"""The `duration` kind (a timing kind: see `timing`).

`duration` (`min_seconds`, `max_seconds`): call length from the first start to the last end.
One call-level finding.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..model import Finding
from .base import CallContext, RuleConfig, register
from .timing import TimingRule, _clock, _ms

__all__ = ["DurationConfig", "DurationRule"]


class DurationConfig(RuleConfig):
    kind: Literal["duration"]
    min_seconds: float | None = Field(None, ge=0)
    max_seconds: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _a_limit(self) -> "DurationConfig":
        if self.min_seconds is None and self.max_seconds is None:
            raise ValueError("a duration rule needs min_seconds and/or max_seconds")
        if self.min_seconds is not None and self.max_seconds is not None and self.min_seconds >= self.max_seconds:
            raise ValueError("min_seconds must be below max_seconds")
        if self.window is not None:
            raise ValueError("a duration rule measures the whole call and takes no window")
        return self


@register
class DurationRule(TimingRule):
    kind = "duration"
    Config = DurationConfig
    config: DurationConfig

    def findings(self, ctx: CallContext) -> list[Finding]:
        cfg = self.config
        turns = ctx.call.turns
        length = _ms(max(turns.ends) - min(turns.starts))  # type: ignore[type-var, operator]  # a timed call (this rule needs timestamps): no start or end is None
        too_short = cfg.min_seconds is not None and length < cfg.min_seconds
        too_long = cfg.max_seconds is not None and length > cfg.max_seconds
        if not (too_short or too_long):
            return []
        details = {"duration_seconds": length, "min_seconds": cfg.min_seconds, "max_seconds": cfg.max_seconds}
        return [self.finding(ctx, message=f"{cfg.message}（通话时长 {_clock(length)}）", details=details)]
