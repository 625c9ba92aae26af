"""`response`: a trigger (`when`) must be answered (`expect`) within so many turns or seconds.

    - id: complaint-apology
      kind: response
      when:   {speaker: customer, phrases: ["@complaint_trigger"]}
      expect: {speaker: agent, phrases: ["@apology"], within_turns: 2}

One finding for each trigger turn left unanswered, pointing at the trigger phrase in that turn.

Counting: `within_turns: N` looks at the N turns that follow the trigger's turn, whoever speaks
them (N = 2: the next two turns); `within_seconds: S` looks at the later turns that start at most
S seconds after the trigger's turn ends (needs timestamps). Only later turns count: an apology
before the complaint, or a thanks in the very turn that announces the hold, answers nothing.
`unanswered_at_end` decides the triggers whose window the call ends before closing (fewer than N
turns follow, or the call ends less than S seconds after the trigger's turn): `fire` (default)
judges them on the turns there are, so a complaint in the very last turn, never answered, fires;
`ignore` leaves them unjudged unless answered.

`when.speaker` defaults to the rule's `speaker`, and the rule's `window` (counted over the
trigger speaker's turns) limits which triggers count; `expect.speaker` defaults to `agent`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..model import Finding
from .base import CallContext, CompileContext, NotApplicable, Rule, RuleConfig, Speaker, register
from .phrases import Hit, PhraseMatcher, PhraseSet

__all__ = ["ResponseConfig", "ResponseRule"]


class Trigger(PhraseSet):
    speaker: Speaker | None = None  # default: the rule's `speaker`


class Expect(PhraseSet):
    speaker: Speaker = "agent"
    within_turns: int | None = Field(None, ge=1)
    within_seconds: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_limit(self) -> "Expect":
        if (self.within_turns is None) == (self.within_seconds is None):
            raise ValueError("`expect` takes exactly one of within_turns, within_seconds")
        return self


class ResponseConfig(RuleConfig):
    kind: Literal["response"]
    when: Trigger
    expect: Expect
    unanswered_at_end: Literal["fire", "ignore"] = "fire"


@register
class ResponseRule(Rule):
    kind = "response"
    Config = ResponseConfig

    def __init__(self, config: ResponseConfig, ctx: CompileContext):
        super().__init__(config, ctx)
        self.trigger = PhraseMatcher(config.when, ctx)
        self.reply = PhraseMatcher(config.expect, ctx)
        self.trigger_speaker = config.when.speaker or config.speaker
        if config.expect.within_turns is not None and not self.window_in_seconds:
            self.gate = self.trigger.gate  # no trigger, nothing to answer
            self.gate_speaker = self.trigger_speaker

    def findings(self, ctx: CallContext) -> list[Finding]:
        cfg: ResponseConfig = self.config  # type: ignore[assignment]  # the registry builds this rule from its own config type
        expect = cfg.expect
        if expect.within_seconds is not None and not ctx.call.has_timestamps:
            raise NotApplicable("within_seconds needs timestamps")
        out: list[Finding] = []
        if not self.trigger.may_hit(ctx):
            return out
        for i in self.trigger.candidates(ctx, self.scope(ctx, self.trigger_speaker)):
            hits = self.trigger.hits(ctx, i)
            if not hits:
                continue
            candidates = self._reply_turns(ctx, i)
            if any(self.reply.hits(ctx, j) for j in self.reply.candidates(ctx, candidates)):
                continue
            if cfg.unanswered_at_end == "ignore" and not self._closed(ctx, i):
                continue
            out.append(self._finding(ctx, hits[0], candidates))
        return out

    def _reply_turns(self, ctx: CallContext, trigger: int) -> list[int]:
        """The later turns of the expected speaker in which an answer counts."""
        expect = self.config.expect  # type: ignore[attr-defined]  # a ResponseConfig (see evaluate)
        turns = ctx.call.turns
        n, speakers = len(turns), turns.speakers
        following: range | list[int]
        if expect.within_turns is not None:
            following = range(trigger + 1, min(n, trigger + 1 + expect.within_turns))
        else:
            starts = turns.starts
            deadline = turns.ends[trigger] + expect.within_seconds
            following = [j for j in range(trigger + 1, n) if starts[j] <= deadline + 1e-6]
        return [j for j in following if expect.speaker == "any" or speakers[j] == expect.speaker]

    def _closed(self, ctx: CallContext, trigger: int) -> bool:
        """Whether the trigger's window closed before the call ended: N turns followed it, or the
        call went on S seconds after the trigger's turn ended."""
        expect = self.config.expect  # type: ignore[attr-defined]  # a ResponseConfig (see evaluate)
        turns = ctx.call.turns
        if expect.within_turns is not None:
            return trigger + expect.within_turns <= len(turns) - 1
        return max(turns.ends) >= turns.ends[trigger] + expect.within_seconds - 1e-6  # type: ignore[type-var]  # timed calls only (the gate): no end is None

    def _finding(self, ctx: CallContext, hit: Hit, candidates: list[int]) -> Finding:
        expect = self.config.expect  # type: ignore[attr-defined]  # a ResponseConfig (see evaluate)
        limit = (
            {"within_turns": expect.within_turns}
            if expect.within_turns is not None
            else {"within_seconds": expect.within_seconds}
        )
        return self.finding(
            ctx,
            turn=hit.turn,
            span=(hit.begin, hit.end),
            details={**limit, "looked_at_turns": candidates},
            how=hit.how,
        )
