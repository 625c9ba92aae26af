"""What the summary reports keep of a batch while it streams: a few numbers per call, counters per
agent and rule, and a bounded number of worst examples per agent and rule for coaching.

Nothing here holds a CallResult: per call we keep six numbers in typed arrays (~25 bytes), per
(agent, rule) a handful of counters, and per (agent, rule) at most `examples_per_rule` examples
whose surrounding turns were copied (masked, clipped) into the call's digest. A call reaches the
tally as a `CallDigest`, made where it was audited, so that with `--jobs N` the masking and
copying happen in the workers.
"""
from __future__ import annotations

import heapq
from array import array
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import count
from typing import NamedTuple

from ..model import CallResult, Finding
from .base import ReportOptions
from .mask import mask_text

__all__ = ["BatchTally", "CallDigest", "digest", "Example", "ContextTurn", "UNKNOWN_AGENT", "NO_WEEK"]

UNKNOWN_AGENT = "(unknown)"
NO_WEEK = -1
CONTEXT_BEFORE = 2  # turns shown before the finding's turn
CONTEXT_AFTER = 1
CLIP = 160
MAX_SAID = 12  # distinct (phrase said, suggestion) pairs kept per agent and rule  # characters kept of a long context turn (around the match)


class ContextTurn(NamedTuple):
    index: int
    speaker: str
    text: str  # masked unless the run says not to, clipped to CLIP characters
    span: tuple[int, int] | None = None  # the match, in `text` (only on the finding's own turn)


class Example(NamedTuple):
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
        self.add_digest(digest(result, self.options))

    def add_digest(self, d: CallDigest) -> None:
        """Count one call from what `digest` kept of it (made where the call was audited)."""
        code = self.agents.get(d.agent_id)
        if code is None:
            code = self.agents[d.agent_id] = len(self.agent_info)
            self.agent_info.append(_Agent())
        info = self.agent_info[code]
        info.name = info.name or d.agent_name
        info.team = info.team or d.team
        self.agent_of.append(code)
        self.week_of.append(self._week(d.started_at))
        self.score.append(d.score)
        self.passed.append(d.passed)
        self.fatal.append(d.fatal)
        self.n_findings.append(len(d.findings))
        self.not_applicable.update(d.not_applicable)
        if not d.findings:
            return
        sections: set[str] = set()
        for rule_id, section, kind, severity, message, deduct in d.findings:
            self.rule_findings[code, rule_id] += 1
            self.rule_deduct[code, rule_id] += deduct
            self.section_findings[code, section] += 1
            sections.add(section)
            if rule_id not in self.rule_info:
                self.rule_info[rule_id] = (section, kind, severity, message)
        for rule_id, said in d.said:
            self._note_said(code, rule_id, said)
        for rule_id, badness, example in d.worst:
            self.rule_calls[code, rule_id] += 1
            self._offer_example(code, rule_id, badness, example)
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

    def _note_said(self, code: int, rule_id: str, key: tuple[str | None, str | None]) -> None:
        said = self.said.setdefault((code, rule_id), Counter())
        if key in said or len(said) < MAX_SAID:
            said[key] += 1

    def _offer_example(self, code: int, rule_id: str, badness: tuple, example: Example | None) -> None:
        limit = self.options.examples_per_rule
        if limit <= 0 or example is None:
            return
        # -seq: earlier calls win ties in `worst_examples`
        _offer(self.examples.setdefault((code, rule_id), []), (badness, -next(self._seq), example), limit)

    def worst_examples(self, code: int, rule_id: str) -> list[Example]:
        heap = self.examples.get((code, rule_id), [])
        return [e for _, _, e in sorted(heap, key=lambda item: (item[0], item[1]), reverse=True)]


class CallDigest(NamedTuple):
    """What the summary reports keep of one call, made where the call was audited (a worker
    process, with `audit --jobs N`), so that the process writing the reports only counts: the
    call's numbers, one row per finding, the phrases said with their suggestions, and for each
    rule that fired its worst finding as a ready coaching example (masked, clipped)."""

    agent_id: str
    agent_name: str | None
    team: str | None
    started_at: str | None
    score: float
    passed: bool
    fatal: bool
    not_applicable: tuple[str, ...]
    findings: tuple[tuple[str, str, str, str, str, float], ...]  # rule id, section, kind, severity, message, deduct
    said: tuple[tuple[str, tuple[str | None, str | None]], ...]  # rule id, (what was said, what to say)
    worst: tuple[tuple[str, tuple, Example | None], ...]  # rule id, badness, example


def digest(result: CallResult, options: ReportOptions, seen: dict | None = None) -> CallDigest:
    """The CallDigest of a result. The example of a rule is its call's worst finding: fatal
    first, then the biggest deduction, the earlier one on a tie.

    `seen`: what this process kept track of in the results it digested before this one, all
    earlier in input order (`render_result`'s memo). An example is only cut (masked, clipped,
    its turns copied: most of a digest's cost) when the tally could keep it: when `seen`
    already holds `examples_per_rule` examples at least as bad for the agent and rule, the
    tally, which has seen those and maybe more, would refuse it (`BatchTally._offer_example`:
    a tie goes to the earlier call), so it is sent as None."""
    call = result.call
    mask = options.mask
    said = []
    worst: dict[str, Finding] = {}
    for f in result.findings:
        if f.suggest and f.matched:
            said.append((f.rule_id, (mask_text(f.matched), mask_text(f.suggest)) if mask else (f.matched, f.suggest)))
        w = worst.get(f.rule_id)
        if w is None or (f.fatal, f.deduct) > (w.fatal, w.deduct):
            worst[f.rule_id] = f
    limit = options.examples_per_rule
    agent_id = call.agent_id or UNKNOWN_AGENT
    worst_out = []
    for rid, f in worst.items():
        badness = (f.fatal, f.deduct, -result.score)
        keep = limit > 0 and (seen is None or _offer(seen.setdefault((agent_id, rid), []), (badness,), limit))
        worst_out.append((rid, badness, _example(f, result, mask) if keep else None))
    return CallDigest(
        agent_id=agent_id,
        agent_name=call.agent_name,
        team=call.team,
        started_at=call.started_at,
        score=result.score,
        passed=bool(result.passed),
        fatal=bool(result.fatal),
        not_applicable=tuple(result.not_applicable),
        findings=tuple((f.rule_id, f.section, f.kind, f.severity, f.message, f.deduct) for f in result.findings),
        said=tuple(said),
        worst=tuple(worst_out),
    )


def _offer(heap: list, item: tuple, limit: int) -> bool:
    """Keep `item` among the `limit` worst in `heap` (a min-heap whose items start with their
    badness), and say whether it was kept: one no worse than the least bad of a full heap is
    not (a tie goes to the item kept first). The tally's choice of examples, and `digest`'s
    guess of it from the examples one process saw."""
    if len(heap) < limit:
        heapq.heappush(heap, item)
        return True
    if item[0] <= heap[0][0]:
        return False
    heapq.heapreplace(heap, item)
    return True


def _example(f: Finding, result: CallResult, mask: bool) -> Example:
    turns = result.call.turns
    texts, speakers = turns.texts, turns.speakers
    context: list[ContextTurn] = []
    if f.turn is not None and 0 <= f.turn < len(texts):
        lo, hi = max(0, f.turn - CONTEXT_BEFORE), min(len(texts), f.turn + CONTEXT_AFTER + 1)
        for i in range(lo, hi):
            text = mask_text(texts[i]) if mask else texts[i]
            span = f.span if i == f.turn else None
            text, span = clip(text, span)
            context.append(ContextTurn(i, speakers[i], text, span))
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
