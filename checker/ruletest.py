"""Run every rule's `examples:` and say exactly how an example disagrees with its rule."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Finding
from .plan import Plan
from .read import parse_text
from .read.roles import RecordError
from .rules import CallContext, Rule
from .rules.schema import Example
from .scheme import Scheme
from .segment import get_segmenter

__all__ = ["ExampleResult", "run_examples", "check_example"]


@dataclass(frozen=True)
class ExampleResult:
    rule_id: str
    index: int  # 0-based position in the rule's examples
    example: Example
    findings: tuple[Finding, ...]
    problems: tuple[str, ...]  # empty when the example holds
    position: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def report(self) -> str:
        head = f"{self.position + ': ' if self.position else ''}{self.rule_id} example {self.index + 1}"
        if self.example.name:
            head += f" ({self.example.name})"
        lines = [f"FAIL {head}"]
        lines += [f"  {p}" for p in self.problems]
        lines.append("  transcript:")
        lines += [f"    | {line}" for line in self.example.transcript.splitlines()]
        # Diff-like: what the example expects (-) against what the rule found (+).
        lines.append(f"  - expected: {self._expected()}")
        lines.append(f"  + actual:   {len(self.findings)} finding(s)")
        for f in self.findings:
            where = f"turn {f.turn}" if f.turn is not None else "call"
            suggest = f" (→ {f.suggest})" if f.suggest else ""
            lines.append(f"  + finding at {where}: matched {f.matched!r} {f.message}{suggest}")
        return "\n".join(lines)

    def _expected(self) -> str:
        ex = self.example
        parts = ["fires" if ex.fires else "no finding"]
        if ex.count is not None:
            parts.append(f"{ex.count} finding(s)")
        if ex.matched is not None:
            parts.append(f"matched {[ex.matched] if isinstance(ex.matched, str) else list(ex.matched)}")
        if ex.suggest is not None:
            parts.append(f"suggest {ex.suggest!r}")
        if ex.turn is not None:
            parts.append(f"first at turn {ex.turn}")
        return ", ".join(parts)


def run_examples(scheme: Scheme, segmenter: str | None = None) -> list[ExampleResult]:
    return [
        check_example(scheme, rule, i, ex, segmenter)
        for rule in scheme.rules
        for i, ex in enumerate(rule.config.examples)
    ]


def check_example(scheme: Scheme, rule: Rule, index: int, ex: Example, segmenter: str | None = None) -> ExampleResult:
    position = scheme.rule_positions.get(rule.id, "")
    try:
        call = parse_text(ex.transcript, scheme.roles, source=f"{rule.id}/example{index + 1}")
    except RecordError as exc:
        line = f" line {exc.line}" if exc.line else ""
        return ExampleResult(rule.id, index, ex, (), (f"transcript{line}: {exc}",), position)
    ctx = CallContext(call, scheme.book, get_segmenter(segmenter or scheme.segmenter))
    problems: list[str] = []
    # The rule alone, run as the audit runs it (`plan.Plan`): gate, population, timestamps.
    outcome = Plan.build([rule]).run(ctx)
    findings: list[Finding] = outcome.findings
    why = outcome.not_applicable.get(rule.id)
    if why is not None and ex.fires:
        problems.append(f"expected the rule to fire, but it was not applicable ({why})")
    problems += [f"the rule could not be judged: {error}" for _, error in outcome.rule_errors]
    fired = bool(findings)
    if fired != ex.fires:
        problems.append(f"expected fires: {str(ex.fires).lower()}, got {len(findings)} finding(s)")
    if ex.count is not None and len(findings) != ex.count:
        problems.append(f"expected {ex.count} finding(s), got {len(findings)}")
    if ex.matched is not None:
        want = [ex.matched] if isinstance(ex.matched, str) else list(ex.matched)
        got = [f.matched for f in findings]
        # All of them, in order: a prefix would let an example holding two phrases pass on either.
        if got != want:
            problems.append(f"expected matched {want}, got {got}")
    if ex.suggest is not None:
        got_s = findings[0].suggest if findings else None
        if got_s != ex.suggest:
            problems.append(f"expected suggest {ex.suggest!r}, got {got_s!r}")
    if ex.turn is not None:
        got_t = findings[0].turn if findings else None
        if got_t != ex.turn:
            problems.append(f"expected the first finding at turn {ex.turn}, got {got_t}")
    return ExampleResult(rule.id, index, ex, tuple(findings), tuple(problems), position)
