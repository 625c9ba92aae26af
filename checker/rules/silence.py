"""The `silence` kind (a timing kind: see `timing`).

`silence` (`min_seconds`): each gap between consecutive turns, next start − the latest end so
far, of at least `min_seconds` is one finding at the turn after the gap. `except_after`
(`{phrases | regex, speaker, max_seconds}`) excuses announced holds: a gap is not dead air when
the last turn of `except_after.speaker` (default agent) before the gap holds one of its phrases
(请稍等), unless the gap is longer than `except_after.max_seconds`. The rule's `speaker`
(default `any` here) and `window` select the turns after a gap: `speaker: agent` counts only
the silences the agent broke. `after_speaker` (`agent`|`customer`|`any`, default any) keeps
only gaps that start at the end of a turn of that speaker (the turn with the latest end so
far): `after_speaker: customer, speaker: agent` = the customer finished and the agent was silent.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..model import Finding
from .base import CallContext, CompileContext, RuleConfig, Speaker, register
from .phrases import PhraseMatcher, PhraseSet
from .timing import TimingRule, _ms, _num

__all__ = ["SilenceConfig", "SilenceRule"]


class HoldAnnouncement(PhraseSet):
    speaker: Speaker = "agent"
    max_seconds: float | None = Field(None, gt=0)  # an announced hold longer than this still counts


class SilenceConfig(RuleConfig):
    kind: Literal["silence"]
    speaker: Speaker = "any"
    min_seconds: float = Field(gt=0)
    after_speaker: Speaker = "any"
    except_after: HoldAnnouncement | None = None


@register
class SilenceRule(TimingRule):
    kind = "silence"
    Config = SilenceConfig
    config: SilenceConfig

    def __init__(self, config: SilenceConfig, ctx: CompileContext):
        super().__init__(config, ctx)
        self.hold = PhraseMatcher(config.except_after, ctx) if config.except_after else None

    def findings(self, ctx: CallContext) -> list[Finding]:
        cfg = self.config
        turns = ctx.call.turns
        starts, ends = turns.starts, turns.ends
        # Gaps are judged rounded to the millisecond; a raw gap this far below the limit cannot
        # round up to it, so only the near-misses and hits are rounded.
        least = cfg.min_seconds - 0.001
        scope: set[int] | None = None
        out: list[Finding] = []
        speakers = turns.speakers
        before = cfg.after_speaker
        latest_end, latest = ends[0], 0  # the latest end so far, and whose turn ended then
        for i in range(1, len(starts)):
            raw = starts[i] - latest_end  # type: ignore[operator]  # a timed call (this rule needs timestamps): no start or end is None
            if raw >= least and (before == "any" or speakers[latest] == before):
                gap = _ms(raw)
                if scope is None:
                    scope = set(self.scope(ctx))
                if gap >= cfg.min_seconds and i in scope and not self._announced(ctx, i, gap):
                    out.append(
                        self.finding(
                            ctx,
                            turn=i,
                            message=f"{cfg.message}（静默 {_num(gap)} 秒）",
                            details={"gap_seconds": gap, "from": latest_end, "to": starts[i]},
                        )
                    )
            if ends[i] > latest_end:  # type: ignore[operator]  # a timed call (this rule needs timestamps): no start or end is None
                latest_end, latest = ends[i], i
        return out

    def _announced(self, ctx: CallContext, after: int, gap: float) -> bool:
        hold = self.config.except_after
        if hold is None or self.hold is None:  # (both None, or neither)
            return False
        if hold.max_seconds is not None and gap > hold.max_seconds:
            return False
        speakers = ctx.call.turns.speakers
        before = [j for j in range(after) if hold.speaker == "any" or speakers[j] == hold.speaker]
        return bool(before) and bool(self.hold.hits(ctx, before[-1]))
