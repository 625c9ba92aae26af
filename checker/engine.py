"""Evaluate every rule of a scheme on a call: the unit of work a batch streams and parallelises.

Calls are normalised and scanned a few dozen at a time (`audit_calls`): one numpy pass, one
OpenCC conversion and one automaton pass over the batch's text instead of one each per call,
which halves what normalising and scanning cost per call (their per-call overhead, and the
tables they read staying in the cache). Each call is then evaluated on its own, exactly as
`audit_call` does it.
"""
from __future__ import annotations

from .model import Call, CallResult, Finding
from .regex_engine import RegexBudgetExceeded
from .rules import CallContext, NotApplicable
from .rules.dialect import detect_dialect
from .scheme import DIALECT_GATE, Scheme
from .score import score_call
from .segment import get_segmenter

__all__ = ["audit_call", "audit_calls", "evaluate_call"]


def evaluate_call(
    call: Call, scheme: Scheme, segmenter: str | None = None, ctx: CallContext | None = None
) -> tuple[list[Finding], tuple[str, ...], CallContext]:
    """All findings in turn order, the ids of the rules that could not be judged, and the
    evaluated call's context (its turns already normalised and scanned). `ctx`: the call's
    context when it was scanned with others (`CallContext.scan_together`)."""
    if ctx is None:
        ctx = CallContext(call, scheme.book, get_segmenter(segmenter or scheme.segmenter), vectorised=True)
    findings: list[Finding] = []
    not_applicable: list[str] = []
    steps, opens = scheme.plan()
    open_gates = 0
    speakers = call.turns.speakers
    key_turns = ctx.key_turns()
    for key in key_turns.keys() & opens.keys():  # the gate keys found: a few of the call's keys
        for speaker, bits in opens[key]:
            if bits & ~open_gates and (speaker is None or speaker in map(speakers.__getitem__, key_turns[key])):
                open_gates |= bits
    ctx.memo["open_gates"] = open_gates
    timed = None
    for rule, gate, selective, run, needs_timestamps in steps:
        if gate and not gate & open_gates:
            continue  # none of what it looks for is in the call (see `Rule.gate`)
        if selective and not rule.applies(call):
            continue
        if needs_timestamps:  # `Rule.evaluate`'s own test, asked once per call
            if timed is None:
                timed = call.turns.timed
            if not timed:
                not_applicable.append(rule.id)
                continue
        try:
            found = run(ctx)
        except NotApplicable:
            not_applicable.append(rule.id)
            continue
        except RegexBudgetExceeded as exc:  # a finding-free rule error for this call (errors.csv)
            ctx.memo.setdefault("rule_errors", []).append(f"rule {rule.id}: {exc}; the rule was not judged on this call")
            continue
        if found:
            findings.extend(found)
    if len(findings) > 1:
        # Turn order first, call-level findings last; the rule order of the scheme breaks ties.
        table = scheme.rule_table()
        findings.sort(key=lambda f: (f.turn is None, f.turn or 0, f.span or (0, 0), table[f.rule_id][0]))
    return findings, tuple(not_applicable), ctx


def audit_call(call: Call, scheme: Scheme, segmenter: str | None = None, ctx: CallContext | None = None) -> CallResult:
    findings, not_applicable, ctx = evaluate_call(call, scheme, segmenter, ctx)
    dialect = detect_dialect(ctx, scheme.dialects) if ctx.memo["open_gates"] & DIALECT_GATE else None
    extra = {"customer_dialect": dialect}
    if ctx.memo.get("rule_errors"):
        extra["rule_errors"] = ctx.memo["rule_errors"]
    return score_call(call, findings, scheme, not_applicable, extra)


def audit_calls(calls: list[Call], scheme: Scheme, segmenter: str | None = None) -> list[CallResult]:
    """`audit_call` for each call, the calls normalised and scanned together."""
    seg = get_segmenter(segmenter or scheme.segmenter)
    contexts = [CallContext(call, scheme.book, seg, vectorised=True) for call in calls]
    CallContext.scan_together(contexts)
    return [audit_call(ctx.call, scheme, segmenter, ctx) for ctx in contexts]
