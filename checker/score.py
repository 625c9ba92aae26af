"""Score one call from its findings: deductions capped per rule and per section, fatal = 0."""

from __future__ import annotations

from dataclasses import replace

from .model import Call, CallResult, Finding
from .scheme import Scheme

__all__ = ["score_call"]


def score_call(
    call: Call,
    findings: list[Finding],
    scheme: Scheme,
    not_applicable: tuple[str, ...] = (),
    extra: dict | None = None,
) -> CallResult:
    """Each finding's `deduct` becomes what it actually costs; the CallResult sums them.

    A rule with `per: call` (the default) costs its deduction once however often it fires; with
    `per: occurrence` every finding costs it, up to the rule's `max_deduct`. Then each section's
    `max_deduct` caps the section. Findings keep their order; later ones absorb the caps.
    """
    scoring = scheme.scoring
    if not findings:  # most calls: nothing to charge
        score = round(max(0.0, scoring.full), 2)
        return CallResult(
            call=call,
            findings=(),
            score=score,
            passed=score >= scoring.pass_,
            fatal=False,
            not_applicable=not_applicable,
            extra=extra or {},
        )
    table = scheme.rule_table()
    charged_rule: dict[str, float] = {}
    charged_section: dict[str, float] = {}
    out: list[Finding] = []
    for f in findings:
        entry = table.get(f.rule_id)
        cfg = entry[1] if entry is not None else None
        cost = 0.0
        if cfg is not None:
            so_far = charged_rule.get(f.rule_id, 0.0)
            if cfg.per == "occurrence":
                cost = cfg.deduct
                if cfg.max_deduct is not None:
                    cost = max(0.0, min(cost, cfg.max_deduct - so_far))
            elif f.rule_id not in charged_rule:
                cost = cfg.deduct
            section_cap = scoring.sections.get(f.section)
            if section_cap is not None and section_cap.max_deduct is not None:
                cost = max(0.0, min(cost, section_cap.max_deduct - charged_section.get(f.section, 0.0)))
            charged_rule[f.rule_id] = so_far + cost
            charged_section[f.section] = charged_section.get(f.section, 0.0) + cost
        out.append(replace(f, deduct=round(cost, 4)) if cost != f.deduct else f)
    fatal = any(f.fatal for f in out)
    score = 0.0 if fatal else max(0.0, scoring.full - sum(f.deduct for f in out))
    score = round(score, 2)
    return CallResult(
        call=call,
        findings=tuple(out),
        score=score,
        passed=not fatal and score >= scoring.pass_,
        fatal=fatal,
        not_applicable=not_applicable,
        extra=extra or {},
    )
