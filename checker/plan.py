"""How a list of compiled rules runs on a call, worked out once: the one path every runner takes.

The audit (`engine.evaluate_call`), the rule tester (`ruletest`) and the script lint
(`lint.run`) all walk a `Plan`, so a rule is skipped, judged not applicable or run for the same
reasons everywhere. What a kind needs is declared once, on its `Rule` subclass:

* `gate` / `gate_speaker` (set when the rule compiles): keys one of which must be in the call
  (in that speaker's turns) for the rule to find anything; a call without them skips the rule;
* `needs_timestamps` (a class attribute): on a call without timestamps the rule is not
  applicable, decided here once per call rather than by each rule;
* `when_meta` (its config): the population `Rule.applies` asks about each call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .model import CUSTOMER, Call, Finding
from .regex_engine import RegexBudgetExceeded
from .rules.base import CallContext, NotApplicable, Rule

__all__ = ["DIALECT_GATE", "Outcome", "Plan", "Step"]

DIALECT_GATE = 1  # the gate bit of the scheme's dialect markers (`customer_dialect`); rules' bits follow


@dataclass(frozen=True, slots=True)
class Step:
    """One enabled rule as the plan runs it."""

    rule: Rule
    bit: int  # its gate bit (0: no gate, always run)
    selective: bool  # it has a `when_meta`, so `applies` is asked of each call
    needs_timestamps: bool  # not applicable on a call without timestamps


@dataclass
class Outcome:
    """What running a plan on one call gave."""

    findings: list[Finding] = field(default_factory=list)  # in plan (rule) order
    not_applicable: dict[str, str] = field(default_factory=dict)  # rule id -> why, in plan order
    rule_errors: list[tuple[str, RegexBudgetExceeded]] = field(default_factory=list)  # (rule id, what stopped it)
    open_gates: int = 0


@dataclass
class Plan:
    steps: list[Step]
    # For each gate key, the gates it opens: (speaker whose turn must hold it, or None for
    # anyone's; their bits). A call's open gates are then a look-up per key found in it, not a
    # set test per gated rule.
    opens: dict[str, tuple[tuple[str | None, int], ...]]

    @classmethod
    def build(cls, rules: Iterable[Rule], dialect_keys: Iterable[str] = ()) -> Plan:
        """The enabled `rules` in order; `dialect_keys` open `DIALECT_GATE` in a customer's turn."""
        steps: list[Step] = []
        opens: dict[str, dict[str | None, int]] = {}

        def open_(key: str, speaker: str | None, bit: int) -> None:
            speaker = None if speaker == "any" else speaker
            bits = opens.setdefault(key, {})
            bits[speaker] = bits.get(speaker, 0) | bit

        for r in rules:
            if not r.config.enabled:
                continue
            bit = 0
            if r.gate is not None:
                bit = 2 << len(steps)  # bit 0 is DIALECT_GATE
                for k in r.gate:
                    open_(k, r.gate_speaker, bit)
            steps.append(Step(r, bit, bool(r.config.when_meta), r.needs_timestamps))
        for k in dialect_keys:
            open_(k, CUSTOMER, DIALECT_GATE)
        return cls(steps, {k: tuple(v.items()) for k, v in opens.items()})

    def open_gates(self, ctx: CallContext) -> int:
        """The gate bits the call opens."""
        open_gates = 0
        speakers = ctx.call.turns.speakers
        key_turns = ctx.key_turns()
        opens = self.opens
        for key in key_turns.keys() & opens.keys():  # the gate keys found: a few of the call's keys
            for speaker, bits in opens[key]:
                if bits & ~open_gates and (speaker is None or speaker in map(speakers.__getitem__, key_turns[key])):
                    open_gates |= bits
        return open_gates

    def run(self, ctx: CallContext, applies: Callable[[Rule, Call], bool] | None = None) -> Outcome:
        """Every step on the call in `ctx`. `applies(rule, call)`: the population test, when a
        runner judges it otherwise than `Rule.applies` (the lint, by the fields a script declares)."""
        call = ctx.call
        out = Outcome(open_gates=self.open_gates(ctx))
        open_gates = out.open_gates
        timed = None
        for step in self.steps:
            rule = step.rule
            if step.bit and not step.bit & open_gates:
                continue  # none of what it looks for is in the call (see `Rule.gate`)
            if applies is not None:
                if not applies(rule, call):
                    continue
            elif step.selective and not rule.applies(call):
                continue
            if step.needs_timestamps:
                if timed is None:
                    timed = call.turns.timed
                if not timed:
                    out.not_applicable[rule.id] = "needs timestamps"
                    continue
            try:
                found = rule.findings(ctx)
            except NotApplicable as exc:
                out.not_applicable[rule.id] = str(exc)
                continue
            except RegexBudgetExceeded as exc:  # the rule is not judged on this call (errors.csv)
                out.rule_errors.append((rule.id, exc))
                continue
            if found:
                out.findings.extend(found)
        return out
