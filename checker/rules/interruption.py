"""The `interruption` kind (a timing kind: see `timing`).

`interruption` (`min_overlap_seconds`, `max_count`): a turn of the rule's speaker interrupts
when it starts before the previous turn of another speaker ended, and the overlap
(min(that end, its own end) − its start, so a short backchannel 嗯 inside the customer's turn
overlaps only by its own length) is at least `min_overlap_seconds`. More than `max_count`
interruptions in the call is one finding, at the first interruption over the limit; all of
them are listed in `details`. `min_chars` (default 0): an interrupting turn counts only with at
least that many compact characters (Han, letters, digits), so back-channels (嗯, 好的) do not;
`max_total_seconds`: the rule also fires when the summed overlap of the interruptions that count
goes over it, at the interruption that took it over. With `max_total_seconds` and no
`max_count`, the count has no limit.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..model import Finding
from .base import CallContext, RuleConfig, register
from .timing import TimingRule, _ms, _num, spoken_counts

__all__ = ["InterruptionConfig", "InterruptionRule"]


class InterruptionConfig(RuleConfig):
    kind: Literal["interruption"]
    min_overlap_seconds: float = Field(1.0, gt=0)
    max_count: int | None = Field(None, ge=0)  # default 0, or no limit beside max_total_seconds
    min_chars: int = Field(0, ge=0)
    max_total_seconds: float | None = Field(None, gt=0)

    @property
    def count_limit(self) -> int | None:
        if self.max_count is not None:
            return self.max_count
        return None if self.max_total_seconds is not None else 0


@register
class InterruptionRule(TimingRule):
    kind = "interruption"
    Config = InterruptionConfig
    config: InterruptionConfig

    def findings(self, ctx: CallContext) -> list[Finding]:
        cfg = self.config
        turns = ctx.call.turns
        speakers, starts, ends = turns.speakers, turns.starts, turns.ends
        least = cfg.min_overlap_seconds - 0.001  # as in `silence`: only near-misses are rounded
        spoken = spoken_counts(ctx) if cfg.min_chars else None
        found: list[dict] = []
        for i in self.scope(ctx):
            if spoken is not None and spoken[i] < cfg.min_chars:
                continue  # a back-channel (嗯, 好的) is not an interruption
            # the last turn before i by someone else: the one before it, mostly (turns alternate)
            prev = i - 1
            speaker = speakers[i]
            while prev >= 0 and speakers[prev] == speaker:
                prev -= 1
            if prev < 0:
                continue
            end = ends[prev] if ends[prev] < ends[i] else ends[i]  # type: ignore[operator]  # a timed call (this rule needs timestamps): no start or end is None
            if end - starts[i] < least:  # type: ignore[operator]  # a timed call (this rule needs timestamps): no start or end is None
                continue
            overlap = _ms(end - starts[i])  # type: ignore[operator]  # a timed call (this rule needs timestamps): no start or end is None
            if overlap >= cfg.min_overlap_seconds:
                found.append({"turn": i, "interrupted_turn": prev, "start": starts[i], "overlap_seconds": overlap})
        limit, total_limit = cfg.count_limit, cfg.max_total_seconds
        total = 0.0
        over = None  # the interruption that first went over a limit
        for k, item in enumerate(found):
            total = _ms(total + item["overlap_seconds"])
            if (limit is not None and k + 1 > limit) or (total_limit is not None and total > total_limit):
                over = item
                break
        if over is None:
            return []
        total = _ms(sum(item["overlap_seconds"] for item in found))
        what = [f"打断 {len(found)} 次" + (f"，上限 {limit} 次" if limit is not None else "")]
        if total_limit is not None:
            what.append(f"共 {_num(total)} 秒，上限 {_num(total_limit)} 秒")
        return [
            self.finding(
                ctx,
                turn=over["turn"],
                message=f"{cfg.message}（{'；'.join(what)}）",
                details={
                    "count": len(found),
                    "max_count": limit,
                    "total_seconds": total,
                    "max_total_seconds": total_limit,
                    "interruptions": found,
                },
            )
        ]
