"""What the summary reports keep of a batch while it streams: a few numbers per call, counters per
agent and rule, and a bounded number of worst examples per agent and rule for coaching.

Nothing here holds a CallResult: per call we keep six numbers in typed arrays (~25 bytes), per
(agent, rule) a handful of counters, and per (agent, rule) at most `examples_per_rule` examples
whose surrounding turns were copied (masked, clipped) into the digest. Calls reach the tally a run
at a time as a `RunDigest`, made where they were audited, so that with `--jobs N` the masking,
copying and most of the counting happen in the workers.
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

__all__ = ["BatchTally", "RunDigest", "digest_run", "week_of", "Example", "ContextTurn", "UNKNOWN_AGENT", "NO_WEEK"]

UNKNOWN_AGENT = "(unknown)"
NO_WEEK = -1
CONTEXT_BEFORE = 2  # turns shown before the finding's turn
CONTEXT_AFTER = 1
CLIP = 160
MAX_SAID = 12  # distinct (phrase said, suggestion) pairs kept per agent and rule  # characters kept of a long context turn (around the match)


class ContextTurn(NamedTuple):
    turn: int  # its index in the call
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
    rule_info: dict[str, tuple[str, str, str, str]] = field(
        default_factory=dict
    )  # id -> section, kind, severity, message
    errors: int = 0
    examples: dict[tuple[int, str], list] = field(default_factory=dict)  # heaps of (badness, seq, Example)
    # (agent code, rule id) -> Counter of (what was said, what to say instead), at most MAX_SAID each
    said: dict[tuple[int, str], Counter] = field(default_factory=dict)
    _seq: count = field(default_factory=count)

    def add(self, result: CallResult) -> None:
        self.add_run(digest_run([result], self.options))

    def add_run(self, run: RunDigest) -> None:
        """Count consecutive calls from what `digest_run` kept of them (made where they were
        audited). Every count is the sum of the calls' own, and every first-come choice (an
        agent's name and team, a rule's description, the phrases said, the examples offered) is
        made in the calls' order: the tally is the one calls added one by one would make."""
        codes = []
        for agent_id, name, team in run.agents:
            code = self.agents.get(agent_id)
            if code is None:
                code = self.agents[agent_id] = len(self.agent_info)
                self.agent_info.append(_Agent())
            info = self.agent_info[code]
            info.name = info.name or name
            info.team = info.team or team
            codes.append(code)
        if len(codes) == 1:
            self.agent_of.extend(array("i", codes) * len(run.score))
        else:
            self.agent_of.extend(array("i", [codes[i] for i in run.agent_of]))
        self.week_of.extend(run.week_of)
        self.score.extend(run.score)
        self.passed.extend(run.passed)
        self.fatal.extend(run.fatal)
        self.n_findings.extend(run.n_findings)
        self.not_applicable.update(run.not_applicable)
        for counter, own in (
            (self.rule_findings, run.rule_findings),
            (self.section_findings, run.section_findings),
            (self.rule_calls, run.rule_calls),
            (self.section_calls, run.section_calls),
        ):
            for (a, key), n in own.items():
                counter[codes[a], key] += n
        deduct = self.rule_deduct
        for (a, rule_id), points in run.rule_deduct.items():
            for p in points:  # added one by one, in order: the float sums are those of the calls added singly
                deduct[codes[a], rule_id] += p
        for rule_id, rule in run.rule_info.items():
            if rule_id not in self.rule_info:
                self.rule_info[rule_id] = rule
        for a, rule_id, said in run.said:
            self._note_said(codes[a], rule_id, said)
        for a, rule_id, badness, example in run.examples:
            self._offer_example(codes[a], rule_id, badness, example)

    def add_error(self) -> None:
        self.errors += 1

    def week_start(self, ordinal: int) -> date | None:
        return None if ordinal == NO_WEEK else date.fromordinal(ordinal)

    # -- internals --------------------------------------------------------------------------
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


class RunDigest(NamedTuple):
    """What the summary reports keep of consecutive calls, made where they were audited (a worker
    process, with `audit --jobs N`), so that the process writing the reports only adds up: the
    calls' numbers, their counts per agent and rule, the phrases said with their suggestions, and
    for each call and rule that fired its worst finding as a ready coaching example (masked,
    clipped). Agents are numbered in the run (`agents`), in the order they first appear."""

    agents: tuple[tuple[str, str | None, str | None], ...]  # agent id, first name given, first team given
    agent_of: array  # per call: its agent's number in `agents`
    week_of: array  # per call, as BatchTally's
    score: array
    passed: array
    fatal: array
    n_findings: array
    not_applicable: Counter  # rule id -> calls it could not judge
    # (agent number, rule id or section) -> as BatchTally's counters
    rule_findings: dict
    rule_deduct: dict  # (agent number, rule id) -> the deductions, in order
    section_findings: dict
    rule_calls: dict
    section_calls: dict
    rule_info: dict[str, tuple[str, str, str, str]]  # rule id -> section, kind, severity, message (first seen)
    said: tuple[
        tuple[int, str, tuple[str | None, str | None]], ...
    ]  # agent number, rule id, (what was said, what to say)
    examples: tuple[tuple[int, str, tuple, Example], ...]  # agent number, rule id, badness, example; in call order


def digest_run(results: list[CallResult], options: ReportOptions, seen: dict | None = None) -> RunDigest:
    """The RunDigest of consecutive results. The example of a rule in a call is the call's worst
    finding of it: fatal first, then the biggest deduction, the earlier one on a tie.

    `seen`: what this process kept track of in the results it digested before these, all
    earlier in input order (`report.base.render_run`'s memo). An example is only cut (masked,
    clipped, its turns copied: most of a digest's cost) when the tally could keep it: when
    `seen` already holds `examples_per_rule` examples at least as bad for the agent and rule,
    the tally, which has seen those and maybe more, would refuse it (`BatchTally._offer_example`:
    a tie goes to the earlier call), so it is left out."""
    mask = options.mask
    limit = options.examples_per_rule
    numbers: dict[str, int] = {}
    agents: list[list] = []
    agent_of = array("i")
    score, passed, fatal, n_findings = array("d"), array("b"), array("b"), array("i")
    not_applicable: Counter = Counter()
    rule_findings: dict = {}
    rule_deduct: dict = {}
    section_findings: dict = {}
    rule_calls: dict = {}
    section_calls: dict = {}
    rule_info: dict = {}
    said: list = []
    examples: list = []
    for result in results:
        call = result.call
        agent_id = call.agent_id or UNKNOWN_AGENT
        a = numbers.get(agent_id)
        if a is None:
            a = numbers[agent_id] = len(agents)
            agents.append([agent_id, None, None])
        entry = agents[a]
        entry[1] = entry[1] or call.agent_name
        entry[2] = entry[2] or call.team
        agent_of.append(a)
        score.append(result.score)
        passed.append(bool(result.passed))
        fatal.append(bool(result.fatal))
        n_findings.append(len(result.findings))
        if result.not_applicable:
            not_applicable.update(result.not_applicable)
        if not result.findings:
            continue
        worst: dict[str, Finding] = {}
        sections = set()
        for f in result.findings:
            key = (a, f.rule_id)
            rule_findings[key] = rule_findings.get(key, 0) + 1
            points = rule_deduct.get(key)
            if points is None:
                rule_deduct[key] = [f.deduct]
            else:
                points.append(f.deduct)
            skey = (a, f.section)
            section_findings[skey] = section_findings.get(skey, 0) + 1
            sections.add(f.section)
            if f.rule_id not in rule_info:
                rule_info[f.rule_id] = (f.section, f.kind, f.severity, f.message)
            if f.suggest and f.matched:
                said.append(
                    (a, f.rule_id, (mask_text(f.matched), mask_text(f.suggest)) if mask else (f.matched, f.suggest))
                )
            w = worst.get(f.rule_id)
            if w is None or (f.fatal, f.deduct) > (w.fatal, w.deduct):
                worst[f.rule_id] = f
        for rid, f in worst.items():
            key = (a, rid)
            rule_calls[key] = rule_calls.get(key, 0) + 1
            badness = (f.fatal, f.deduct, -result.score)
            if limit > 0 and (seen is None or _offer(seen.setdefault((agent_id, rid), []), (badness,), limit)):
                examples.append((a, rid, badness, _example(f, result, mask)))
        for section in sections:
            key = (a, section)
            section_calls[key] = section_calls.get(key, 0) + 1
    return RunDigest(
        agents=tuple(map(tuple, agents)),
        agent_of=agent_of,
        week_of=array("i", [week_of(r.call.started_at) for r in results]),
        score=score,
        passed=passed,
        fatal=fatal,
        n_findings=n_findings,
        not_applicable=not_applicable,
        rule_findings=rule_findings,
        rule_deduct=rule_deduct,
        section_findings=section_findings,
        rule_calls=rule_calls,
        section_calls=section_calls,
        rule_info=rule_info,
        said=tuple(said),
        examples=tuple(examples),
    )


def week_of(started_at: str | None) -> int:
    """The proleptic ordinal of the Monday of a call's week, NO_WEEK when it has no date."""
    if not started_at:
        return NO_WEEK
    key = started_at[:10]
    week = _WEEKS.get(key)
    if week is None:
        try:
            day = date.fromisoformat(key)
            week = (day - timedelta(days=day.weekday())).toordinal()
        except ValueError:
            week = NO_WEEK
        if len(_WEEKS) < 100_000:  # a cache, bounded on a batch of garbage dates
            _WEEKS[key] = week
    return week


_WEEKS: dict[str, int] = {}


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
        matched = own.text[own.span[0] : own.span[1]] if own and own.span else mask_text(matched)
    return Example(
        call_id=mask_text(result.call.call_id) if mask else result.call.call_id,  # a phone number as an id
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
