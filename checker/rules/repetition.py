"""`repetition`: a speaker says (nearly) the same thing again — 坐席重复话术, 坐席复读客户.

    - id: parroting
      kind: repetition
      speaker: agent
      of: other          # self (default): the speaker's own earlier turns; other: the other side's
      min_score: 0.8     # character-bigram Dice of the two turns' compact texts
      min_chars: 4       # compact characters both turns need (嗯/好的 never repeat anything)
      within_turns: 6    # the earlier turn's index is at most this far below

One finding for each turn of `speaker` (in the rule's window) that scores at least `min_score`
against an earlier turn of `of` in the look-back; it points at the repeating turn, quotes it
whole, and names the best-scoring earlier turn in `details` and the message.

Cost: each turn's compact text and bigrams are made once per call (shared by every repetition
rule); a turn is compared with at most `within_turns` earlier ones, and a pair whose lengths
alone put the score below `min_score` is not compared at all.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import Field

from ..model import Finding
from ..similarity import bigrams, dice
from .base import CallContext, Rule, RuleConfig, register

__all__ = ["RepetitionConfig", "RepetitionRule"]


class RepetitionConfig(RuleConfig):
    kind: Literal["repetition"]
    of: Literal["self", "other"] = "self"
    min_score: float = Field(0.8, gt=0, le=1)
    min_chars: int = Field(4, ge=1)
    within_turns: int = Field(6, ge=1)


def turn_grams(ctx: CallContext) -> list[tuple[int, Counter[str] | None]]:
    """For every turn of the call: its compact length and its bigram multiset (None until a rule
    needs it), made once per call."""
    grams = ctx.turn_grams
    if grams is None:
        grams = ctx.turn_grams = [[len(ctx.compact_text(i)), None] for i in range(len(ctx.call.turns))]
    return grams


def _bigrams_of(ctx: CallContext, grams: list, i: int) -> Counter[str]:
    if grams[i][1] is None:
        grams[i][1] = bigrams(ctx.compact_text(i))
    return grams[i][1]


@register
class RepetitionRule(Rule):
    kind = "repetition"
    Config = RepetitionConfig

    def findings(self, ctx: CallContext) -> list[Finding]:
        cfg: RepetitionConfig = self.config  # type: ignore[assignment]  # the registry builds this rule from its own config type
        speakers = ctx.call.turns.speakers
        grams = turn_grams(ctx)
        out: list[Finding] = []
        for i in self.scope(ctx):
            size = grams[i][0]
            if size < cfg.min_chars:
                continue
            best: tuple[float, int] | None = None
            for j in range(max(0, i - cfg.within_turns), i):
                same = speakers[j] == speakers[i]
                if same != (cfg.of == "self") or grams[j][0] < cfg.min_chars:
                    continue
                # Dice ≤ 2·min(|A|,|B|)/(|A|+|B|) over bigram counts (length − 1): skip hopeless pairs.
                a, b = max(size - 1, 1), max(grams[j][0] - 1, 1)
                if 2 * min(a, b) < cfg.min_score * (a + b) - 1e-9:
                    continue
                score = dice(_bigrams_of(ctx, grams, i), _bigrams_of(ctx, grams, j))
                if score >= cfg.min_score - 1e-9 and (best is None or score >= best[0]):
                    best = (score, j)
            if best is not None:
                score, j = best
                out.append(
                    self.finding(
                        ctx,
                        turn=i,
                        span=(0, len(ctx.norm_text(i))),
                        message=f"{cfg.message}（与第 {j} 轮相似度 {score:.2f}）",
                        details={"repeats_turn": j, "score": round(score, 3)},
                        how="similar",  # a whole turn close to an earlier one, by the same Dice score
                    )
                )
        return out
