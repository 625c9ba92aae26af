"""Evaluate every rule of a scheme on a call: the unit of work a batch streams and parallelises.

Calls are normalised and scanned a few dozen at a time (`audit_calls`): one numpy pass, one
OpenCC conversion and one automaton pass over the batch's text instead of one each per call,
which halves what normalising and scanning cost per call (their per-call overhead, and the
tables they read staying in the cache). Each call is then evaluated on its own, exactly as
`audit_call` does it.
"""

from __future__ import annotations

from .model import Call, CallResult, Finding
from .plan import DIALECT_GATE
from .rules import CallContext
from .rules.dialect import detect_dialect
from .scheme import Scheme
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
    outcome = scheme.plan().run(ctx)
    ctx.open_gates = outcome.open_gates
    ctx.rule_errors = [
        f"rule {rule_id}: {why}; the rule was not judged on this call" for rule_id, why in outcome.rule_errors
    ]
    findings = outcome.findings
    if len(findings) > 1:
        # Turn order first, call-level findings last; the rule order of the scheme breaks ties.
        table = scheme.rule_table()
        findings.sort(key=lambda f: (f.turn is None, f.turn or 0, f.span or (0, 0), table[f.rule_id][0]))
    return findings, tuple(outcome.not_applicable), ctx


def audit_call(call: Call, scheme: Scheme, segmenter: str | None = None, ctx: CallContext | None = None) -> CallResult:
    findings, not_applicable, ctx = evaluate_call(call, scheme, segmenter, ctx)
    dialect = detect_dialect(ctx, scheme.dialects) if ctx.open_gates & DIALECT_GATE else None
    extra: dict = {"customer_dialect": dialect}
    if ctx.rule_errors:
        extra["rule_errors"] = ctx.rule_errors
    return score_call(call, findings, scheme, not_applicable, extra)


def audit_calls(calls: list[Call], scheme: Scheme, segmenter: str | None = None) -> list[CallResult]:
    """`audit_call` for each call, the calls normalised and scanned together."""
    seg = get_segmenter(segmenter or scheme.segmenter)
    contexts = [CallContext(call, scheme.book, seg, vectorised=True) for call in calls]
    CallContext.scan_together(contexts)
    return [audit_call(ctx.call, scheme, segmenter, ctx) for ctx in contexts]
