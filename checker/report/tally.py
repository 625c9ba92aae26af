"""What the summary reports keep of a batch while it streams: a few numbers per call, counters per
agent and rule, and a bounded number of worst examples per agent and rule for coaching.

Nothing here holds a CallResult: per call we keep six numbers in typed arrays (~25 bytes), per
(agent, rule) a handful of counters, and per (agent, rule) at most `examples_per_rule` examples
whose surrounding turns are copied (masked, clipped) when the example is taken.
"""
from __future__ import annotations

import heapq
from array import array
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import count

from ..model import CallResult, Finding
from .base import ReportOptions
from .mask import mask_text

__all__ = ["BatchTally", "Example", "ContextTurn", "UNKNOWN_AGENT", "NO_WEEK"]

UNKNOWN_AGENT = "(unknown)"
NO_WEEK = -1
CONTEXT_BEFORE = 2  # turns shown before the finding's turn
CONTEXT_AFTER = 1
CLIP = 160
MAX_SAID = 12  # distinct (phrase said, suggestion) pairs kept per agent and rule  # characters kept of a long context turn (around the match)


@dataclass(frozen=True)
class ContextTurn:
    index: int
    speaker: str
    text: str  # masked unless the run says not to, clipped to CLIP characters
    span: tuple[int, int] | None = None  # the match, in `text` (only on the finding's own turn)


@dataclass(frozen=True)
class Example:
    """One finding shown on a coaching page, with the turns around it."""

    call_id: str
    score: float
    passed: bool
    rule_id: str
    message: str
    suggest: str | None
    matched: str
    deduct: float
    fatal: bool
    turn: int | None
    turns: tuple[ContextTurn, ...]

    @property
    def badness(self) -> tuple:
        """Worst first: fatal, then what it cost, then the call's score (lower is worse)."""
        return (self.fatal, self.deduct, -self.score)


@dataclass
class _Agent:
    name: str | None = None
    team: str | None = None


@dataclass
class BatchTally:
    options: ReportOptions = field(default_factory=ReportOptions)
    agents: dict[str, int] = field(default_factory=dict)  # agent id -> code
    agent_info: list[_Agent] = field(default_factory=list)
    # per call, in input order
    agent_of: array = field(default_factory=lambda: array("i"))
    week_of: array = field(default_factory=lambda: array("i"))  # proleptic ordinal of the week's Monday
    score: array = field(default_factory=lambda: array("d"))
    passed: array = field(default_factory=lambda: array("b"))
    fatal: array = field(default_factory=lambda: array("b"))
    n_findings: array = field(default_factory=lambda: array("i"))
    # per (agent code, rule id) and (agent code, section)
    rule_findings: Counter = field(default_factory=Counter)
    rule_calls: Counter = field(default_factory=Counter)
    rule_deduct: Counter = field(default_factory=Counter)
    section_findings: Counter = field(default_factory=Counter)
    section_calls: Counter = field(default_factory=Counter)
    not_applicable: Counter = field(default_factory=Counter)  # rule id -> calls it could not judge
    rule_info: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)  # id -> section, kind, severity, message
    errors: int = 0
    examples: dict[tuple[int, str], list] = field(default_factory=dict)  # heaps of (badness, seq, Example)
    # (agent code, rule id) -> Counter of (what was said, what to say instead), at most MAX_SAID each
    said: dict[tuple[int, str], Counter] = field(default_factory=dict)
    _seq: count = field(default_factory=count)
    _weeks: dict[str, int] = field(default_factory=dict)

    def add(self, result: CallResult) -> None:
        call = result.call
        agent_id = call.agent_id or UNKNOWN_AGENT
        code = self.agents.get(agent_id)
        if code is None:
            code = self.agents[agent_id] = len(self.agent_info)
            self.agent_info.append(_Agent())
        info = self.agent_info[code]
        info.name = info.name or call.agent_name
        info.team = info.team or call.team
        self.agent_of.append(code)
        self.week_of.append(self._week(call.started_at))
        self.score.append(result.score)
        self.passed.append(bool(result.passed))
        self.fatal.append(bool(result.fatal))
        self.n_findings.append(len(result.findings))
        self.not_applicable.update(result.not_applicable)
        if not result.findings:
            return
        worst: dict[str, Finding] = {}
        sections: set[str] = set()
        for f in result.findings:
            self.rule_findings[code, f.rule_id] += 1
            self.rule_deduct[code, f.rule_id] += f.deduct
            self.section_findings[code, f.section] += 1
            sections.add(f.section)
            if f.rule_id not in self.rule_info:
                self.rule_info[f.rule_id] = (f.section, f.kind, f.severity, f.message)
            if f.suggest and f.matched:
                self._note_said(code, f)
            w = worst.get(f.rule_id)
            if w is None or (f.fatal, f.deduct) > (w.fatal, w.deduct):
                worst[f.rule_id] = f
        for rule_id, f in worst.items():
            self.rule_calls[code, rule_id] += 1
            self._offer_example(code, f, result)
        for s in sections:
            self.section_calls[code, s] += 1

    def add_error(self) -> None:
        self.errors += 1

    def week_start(self, ordinal: int) -> date | None:
        return None if ordinal == NO_WEEK else date.fromordinal(ordinal)

    # -- internals --------------------------------------------------------------------------
    def _week(self, started_at: str | None) -> int:
        if not started_at:
            return NO_WEEK
        key = started_at[:10]
        week = self._weeks.get(key)
        if week is None:
            try:
                day = date.fromisoformat(key)
                week = (day - timedelta(days=day.weekday())).toordinal()
            except ValueError:
                week = NO_WEEK
            self._weeks[key] = week
        return week

    def _note_said(self, code: int, f: Finding) -> None:
        said = self.said.setdefault((code, f.rule_id), Counter())
        mask = self.options.mask
        key = (mask_text(f.matched) if mask else f.matched, mask_text(f.suggest) if mask else f.suggest)
        if key in said or len(said) < MAX_SAID:
            said[key] += 1

    def _offer_example(self, code: int, f: Finding, result: CallResult) -> None:
        limit = self.options.examples_per_rule
        if limit <= 0:
            return
        heap = self.examples.setdefault((code, f.rule_id), [])
        badness = (f.fatal, f.deduct, -result.score)
        if len(heap) >= limit and badness <= heap[0][0]:
            return  # not worse than the best of the kept ones: skip the copying
        example = self._example(f, result)
        item = (badness, -next(self._seq), example)  # earlier calls win ties
        if len(heap) < limit:
            heapq.heappush(heap, item)
        else:
            heapq.heapreplace(heap, item)

    def _example(self, f: Finding, result: CallResult) -> Example:
        turns = result.call.turns
        mask = self.options.mask
        context: list[ContextTurn] = []
        if f.turn is not None and 0 <= f.turn < len(turns):
            lo, hi = max(0, f.turn - CONTEXT_BEFORE), min(len(turns), f.turn + CONTEXT_AFTER + 1)
            for i in range(lo, hi):
                t = turns[i]
                text = mask_text(t.text) if mask else t.text
                span = f.span if i == f.turn else None
                text, span = clip(text, span)
                context.append(ContextTurn(i, t.speaker, text, span))
        matched = f.matched
        if mask:
            own = next((c for c in context if c.span), None)
            matched = own.text[own.span[0]:own.span[1]] if own and own.span else mask_text(matched)
        return Example(
            call_id=result.call.call_id,
            score=result.score,
            passed=result.passed,
            rule_id=f.rule_id,
            message=mask_text(f.message) if mask else f.message,
            suggest=mask_text(f.suggest) if mask else f.suggest,
            matched=matched,
            deduct=f.deduct,
            fatal=f.fatal,
            turn=f.turn,
            turns=tuple(context),
        )

    def worst_examples(self, code: int, rule_id: str) -> list[Example]:
        heap = self.examples.get((code, rule_id), [])
        return [e for _, _, e in sorted(heap, key=lambda item: (item[0], item[1]), reverse=True)]


def clip(text: str, span: tuple[int, int] | None, width: int = CLIP) -> tuple[str, tuple[int, int] | None]:
    """At most `width` characters of `text` (plus ellipses), around `span` when there is one."""
    text = text.strip() if span is None else text
    if len(text) <= width:
        return text, span
    if span is None:
        return text[:width] + "…", None
    b, e = span
    room = max(0, width - (e - b))
    start = max(0, min(b - room // 2, len(text) - width))
    end = max(e, start + width)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + text[start:end] + suffix, (b - start + len(prefix), e - start + len(prefix))
