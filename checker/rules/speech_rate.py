"""The `speech_rate` kind (a timing kind: see `timing`).

`speech_rate` (`max_chars_per_minute`, `min_chars_per_minute`): characters (Han, letters,
digits; not punctuation or spaces) per minute over the speaker's turns in scope, time being
the sum of those turns' durations. One call-level finding. Less than `min_speech_seconds`
(default 20) of speech is too little to judge: not applicable.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..model import Finding
from .base import CallContext, NotApplicable, RuleConfig, register
from .timing import TimingRule, _ms, _num, spoken_counts

__all__ = ["SpeechRateConfig", "SpeechRateRule"]


class SpeechRateConfig(RuleConfig):
    kind: Literal["speech_rate"]
    max_chars_per_minute: float | None = Field(None, gt=0)
    min_chars_per_minute: float | None = Field(None, ge=0)
    min_speech_seconds: float = Field(20, ge=0)

    @model_validator(mode="after")
    def _a_limit(self) -> "SpeechRateConfig":
        lo, hi = self.min_chars_per_minute, self.max_chars_per_minute
        if lo is None and hi is None:
            raise ValueError("a speech_rate rule needs max_chars_per_minute and/or min_chars_per_minute")
        if lo is not None and hi is not None and lo >= hi:
            raise ValueError("min_chars_per_minute must be below max_chars_per_minute")
        return self


@register
class SpeechRateRule(TimingRule):
    kind = "speech_rate"
    Config = SpeechRateConfig
    config: SpeechRateConfig

    def findings(self, ctx: CallContext) -> list[Finding]:
        cfg = self.config
        turns = ctx.call.turns
        starts, ends, spoken = turns.starts, turns.ends, spoken_counts(ctx)
        chars = 0
        seconds = 0.0
        for i in self.scope(ctx):
            length = ends[i] - starts[i]  # type: ignore[operator]  # a timed call (this rule needs timestamps): no start or end is None
            if length > 0:  # a zero-length turn has words but no time: it would only inflate the rate
                chars += spoken[i]
                seconds += length
        seconds = _ms(seconds)
        if seconds < cfg.min_speech_seconds or seconds <= 0:
            raise NotApplicable(f"only {_num(seconds)} s of speech, need {_num(cfg.min_speech_seconds)} s")
        rate = round(chars * 60 / seconds, 1)
        too_fast = cfg.max_chars_per_minute is not None and rate > cfg.max_chars_per_minute
        too_slow = cfg.min_chars_per_minute is not None and rate < cfg.min_chars_per_minute
        if not (too_fast or too_slow):
            return []
        details = {
            "chars_per_minute": rate,
            "chars": chars,
            "speech_seconds": seconds,
            "max_chars_per_minute": cfg.max_chars_per_minute,
            "min_chars_per_minute": cfg.min_chars_per_minute,
        }
        return [self.call_level(ctx, f"{cfg.message}（{rate:.0f} 字/分钟）", details)]
