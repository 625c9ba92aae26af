"""`sequence`: steps that must all occur, in order, in the speaker's turns (致歉 → 核实 → 解决 → 致谢).

    - id: complaint-flow
      kind: sequence
      steps:
        - {name: 致歉, phrases: ["@apology"]}
        - {name: 核实, phrases: [请问, 确认一下]}

Order is read greedily, the way a QA lead reads a call: each step is placed at its first
occurrence after the previous placed step (within one turn: starting at or after the end of the
previous step's match). A step that never occurs in scope is *missing*; a step that occurs only
before the previous placed step is *out of order* and is skipped, so the steps after it are
still placed after the last step that was in order.

One finding per call at most (SPEC "Counting, exactly"). It points at the first out-of-order
occurrence when there is one (turn, span, matched phrase), otherwise it is call-level; the
message names the missing and out-of-order steps, and `details` lists them.
"""

from __future__ import annotations

import bisect
from typing import Literal

from pydantic import Field

from ..model import Finding
from .base import CallContext, CompileContext, Rule, RuleConfig, register
from .phrases import Hit
from .phrases import PhraseMatcher, PhraseSet

__all__ = ["SequenceConfig", "SequenceRule"]


class Step(PhraseSet):
    name: str | None = Field(None, min_length=1)


class SequenceConfig(RuleConfig):
    kind: Literal["sequence"]
    steps: list[Step] = Field(min_length=2)


@register
class SequenceRule(Rule):
    kind = "sequence"
    Config = SequenceConfig

    def __init__(self, config: SequenceConfig, ctx: CompileContext):
        super().__init__(config, ctx)
        self.steps = [PhraseMatcher(step, ctx) for step in config.steps]
        self.names = [step.name or f"步骤{i + 1}（{step.label()}）" for i, step in enumerate(config.steps)]

    def findings(self, ctx: CallContext) -> list[Finding]:
        scope = self.scope(ctx)
        missing: list[str] = []
        out_of_order: list[tuple[str, Hit, str]] = []  # step, its first occurrence, the step it precedes
        placed: list[tuple[str, Hit]] = []
        after = (-1, 0)  # (turn, offset): the next step must start at or after this point
        for name, matcher in zip(self.names, self.steps):
            # Matched only as far as needed, in turn then offset order: the first occurrence,
            # and the first at or after the previous step (turns before that one are skipped).
            turns = matcher.candidates(ctx, scope)
            first = next((h for i in turns for h in matcher.hits(ctx, i)), None)
            if first is None:
                missing.append(name)
                continue
            nxt: Hit | None
            if (first.turn, first.begin) >= after:
                nxt = first
            else:
                later = turns[bisect.bisect_left(turns, max(after[0], first.turn)) :]
                nxt = next((h for i in later for h in matcher.hits(ctx, i) if (h.turn, h.begin) >= after), None)
            if nxt is None:
                out_of_order.append((name, first, placed[-1][0]))
                continue
            placed.append((name, nxt))
            after = (nxt.turn, nxt.end)
        if not missing and not out_of_order:
            return []
        problems = []
        if missing:
            problems.append("缺少" + "、".join(f"「{n}」" for n in missing))
        if out_of_order:
            problems.append("；".join(f"「{n}」出现在「{before}」之前" for n, _, before in out_of_order))
        details = {
            "missing": missing,
            "out_of_order": [{"step": n, "turn": h.turn, "before": b} for n, h, b in out_of_order],
            "placed": [{"step": n, "turn": h.turn} for n, h in placed],
        }
        message = f"{self.config.message}（{'；'.join(problems)}）"
        if out_of_order:
            hit = out_of_order[0][1]
            return [
                self.finding(
                    ctx, turn=hit.turn, span=(hit.begin, hit.end), message=message, details=details, how=hit.how
                )
            ]
        return [self.finding(ctx, message=message, details=details)]
