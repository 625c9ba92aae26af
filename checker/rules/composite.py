"""`composite`: named conditions combined by a boolean expression (SPEC "kind: composite").

    - id: promise-without-verify
      kind: composite
      conditions:
        refund:   {speaker: customer, phrases: [退款]}
        promise:  {speaker: agent, phrases: [马上到账], after: refund, within_turns: 4}
        verified: {speaker: agent, phrases: [核实], before: promise}
      fires_when: refund and promise and not verified
      evidence: promise

A condition is a phrase set (`PhraseSet`: whatever matching keys phrase rules take) matched by a
`PhraseMatcher` in its own scope — its `speaker` and `window`, by default the rule's — so that it
takes every matching key the phrase rules take. Its occurrences are then those hits placed
relative to some occurrence of its anchor (`after`, `before`, `around`, optionally
`within_turns` / `within_seconds`), the anchor's own occurrences being filtered first (anchors
are evaluated in dependency order; a cycle is a scheme error). The condition is true when the
number of its occurrences lies within `min_count`..`max_count` and they hold at least
`min_distinct` different phrases.

Placement: `after` = a later turn, or the same turn starting at or after the end of the anchor's
match (as `sequence` reads order); `before` the mirror image; `around` either. `within_turns: N`
= turn indexes at most N apart, whoever speaks (0: the same turn); `within_seconds: S` = turn
starts at most S seconds apart (needs timestamps: not applicable on a call without them).

One finding per call at most: at the first occurrence of the first condition (`evidence` first,
then the written order) that is true, stands somewhere in `fires_when` not under a `not`, and has
an occurrence; call-level when there is none. The message says which conditions held.

Cost: when `fires_when` is false with every condition empty (the usual `a and not b`), the rule
has a gate — the keys of the conditions one of which must occur (`_needed`) — so a call holding
none of them is skipped without evaluating it; otherwise each condition asks `may_hit` (a set test) before looking at
any turn, and looks only at the candidate turns of its keys.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, model_validator

from ..model import Finding
from ..yamlpos import Located, Position
from . import expression
from .base import CallContext, CompileContext, NotApplicable, Rule, RuleConfig, Speaker, Window, register
from .counts import distinct
from .phrases import Hit, PhraseMatcher, PhraseSet

__all__ = ["Condition", "CompositeConfig", "CompositeRule"]

_NAME = re.compile(r"[^\s()]+")
ANCHORS = ("after", "before", "around")


class Condition(PhraseSet):
    """One named condition: matching keys, scope, count bounds and an optional anchor."""

    speaker: Speaker | None = None  # default: the rule's
    window: Window | None = None  # default: the rule's
    min_count: int | None = Field(None, ge=0)  # default 1, or 0 with `max_count: 0` (= absent)
    max_count: int | None = Field(None, ge=0)
    min_distinct: int | None = Field(None, ge=0)  # default 1, or 0 when min_count is 0
    after: str | None = None
    before: str | None = None
    around: str | None = None
    within_turns: int | None = Field(None, ge=0)
    within_seconds: float | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _bounds_and_anchor(self) -> "Condition":
        if self.max_count is not None and self.max_count < self.least_count:
            raise ValueError("max_count is below min_count")
        if sum(a is not None for a in (self.after, self.before, self.around)) > 1:
            raise ValueError("a condition takes at most one of after, before, around")
        if self.within_turns is not None and self.within_seconds is not None:
            raise ValueError("a condition takes at most one of within_turns, within_seconds")
        if self.anchor is None and (self.within_turns is not None or self.within_seconds is not None):
            raise ValueError("within_turns / within_seconds need an anchor: after, before or around")
        return self

    @property
    def anchor(self) -> str | None:
        return self.after or self.before or self.around

    @property
    def placement(self) -> str | None:
        return next((a for a in ANCHORS if getattr(self, a) is not None), None)

    @property
    def least_count(self) -> int:
        if self.min_count is not None:
            return self.min_count
        return 1 if self.max_count is None else min(1, self.max_count)

    @property
    def least_distinct(self) -> int:
        return self.min_distinct if self.min_distinct is not None else min(1, self.least_count)

    def met_by(self, count: int, kinds: int) -> bool:
        if count < self.least_count or (self.max_count is not None and count > self.max_count):
            return False
        return kinds >= self.least_distinct


class CompositeConfig(RuleConfig):
    kind: Literal["composite"]
    conditions: dict[str, Condition] = Field(min_length=1)
    fires_when: str
    evidence: str | None = None
    stage: str | list[str] | None = None  # script-library stages this applies to (`qa-check lint`)


class _Part:
    """A compiled condition: what it matches, and where."""

    __slots__ = ("name", "config", "matcher", "speaker", "window")

    def __init__(self, name: str, config: Condition, matcher: PhraseMatcher, speaker: str, window: Window | None):
        self.name, self.config, self.matcher, self.speaker, self.window = name, config, matcher, speaker, window


@register
class CompositeRule(Rule):
    kind = "composite"
    Config = CompositeConfig

    def __init__(self, config: CompositeConfig, ctx: CompileContext):
        super().__init__(config, ctx)
        self.expr = expression.parse(config.fires_when)  # checked by `located_problems`
        self.parts = {
            name: _Part(
                name, cond, PhraseMatcher(cond, ctx), cond.speaker or config.speaker, cond.window or config.window
            )
            for name, cond in config.conditions.items()
        }
        self.order = _dependency_order(config.conditions)
        self.used = [n.name for n in expression.names(self.expr)]
        positive = expression.positive_names(self.expr)
        first = [config.evidence] if config.evidence else []
        self.pointers = [n for n in first + [n for n in config.conditions if n != config.evidence] if n in positive]
        self.in_seconds = any(
            p.window is not None and p.window.needs_timestamps or p.config.within_seconds is not None
            for p in self.parts.values()
        )
        self._set_gate()

    def _set_gate(self) -> None:
        """A gate only when the rule cannot fire with every condition empty (`_needed`), and no
        condition needs timestamps (a skipped call must not hide a not-applicable verdict)."""
        needed = self._needed(self.expr)
        if needed is None or self.in_seconds:
            return
        self.gate = frozenset().union(*(self.parts[n].matcher.gate for n in needed))  # type: ignore[arg-type]  # every needed condition has a gate (_needed returns None otherwise)
        speakers = {self.parts[n].speaker for n in needed}
        if len(speakers) == 1:
            self.gate_speaker = speakers.pop()

    def _needed(self, expr) -> "frozenset[str] | None":
        """Conditions one of which must have an occurrence for `expr` to be true (None: it can be
        true with none, or a condition has no gate). Under `and`, the operand with the fewest
        keys is enough; under `or`, every operand's are needed: `refund and promise and not
        verified` is gated on whichever of refund, promise has fewer keys."""
        if isinstance(expr, expression.Name):
            part = self.parts[expr.name]
            if part.config.met_by(0, 0) or part.matcher.gate is None:
                return None
            return frozenset((expr.name,))
        if isinstance(expr, expression.Not):
            return None
        found = [self._needed(e) for e in expr.operands]
        if isinstance(expr, expression.AnyOf):
            return None if any(f is None for f in found) else frozenset().union(*found)  # type: ignore[arg-type]  # no None left: checked in the same expression
        known = [f for f in found if f is not None]
        if not known:
            return None
        return min(known, key=lambda names: sum(len(self.parts[n].matcher.gate) for n in names))  # type: ignore[arg-type, misc]  # the parts named here all have a gate

    def script_view(self) -> "CompositeRule":
        """The rule as `qa-check lint` reads a script: every line is anyone's, no windows."""
        import copy

        view = copy.copy(self)
        view.parts = {n: _Part(p.name, p.config, p.matcher, "any", None) for n, p in self.parts.items()}
        view.gate_speaker = None
        return view

    # -- evaluation -----------------------------------------------------------------------
    def occurrences(self, ctx: CallContext) -> dict[str, list[Hit]]:
        """Each condition's occurrences, anchors applied, in turn then offset order."""
        if self.in_seconds and not ctx.call.turns.timed:
            raise NotApplicable("within_seconds or a window in seconds needs timestamps")
        found: dict[str, list[Hit]] = {}
        for name in self.order:
            part = self.parts[name]
            hits: list[Hit] = []
            if part.matcher.may_hit(ctx):
                hits = part.matcher.hits_in(ctx, self.scope(ctx, part.speaker, part.window))
            anchor = part.config.anchor
            if anchor is not None and hits:
                hits = _placed(ctx, hits, found[anchor], part.config)
            found[name] = hits
        return found

    def findings(self, ctx: CallContext) -> list[Finding]:
        found = self.occurrences(ctx)
        truth = {
            name: self.parts[name].config.met_by(len(hits), _kinds(ctx, hits, self.parts[name].config))
            for name, hits in found.items()
        }
        if not expression.evaluate(self.expr, truth.__getitem__):
            return []
        held = [n for n in dict.fromkeys(self.used) if truth[n]]
        missed = [n for n in dict.fromkeys(self.used) if not truth[n]]
        summary = "；".join(
            x
            for x in (("成立：" + "、".join(held)) if held else "", ("不成立：" + "、".join(missed)) if missed else "")
            if x
        )
        message = f"{self.config.message}（{summary}）"
        details: dict[str, Any] = {
            "fires_when": self.config.fires_when,  # type: ignore[attr-defined]  # a CompositeConfig, built by the registry
            "conditions": {
                n: {"count": len(found[n]), "met": truth[n], "turns": sorted({h.turn for h in found[n]})}
                for n in self.parts
            },
        }
        for name in self.pointers:
            if truth[name] and found[name]:
                hit = found[name][0]
                details["evidence"] = name
                return [
                    self.finding(
                        ctx, turn=hit.turn, span=(hit.begin, hit.end), message=message, details=details, how=hit.how
                    )
                ]
        return [self.finding(ctx, message=message, details=details)]

    # -- scheme checks ----------------------------------------------------------------------
    @staticmethod
    def located_problems(raw: dict[str, Any], loc: Located, path: tuple) -> list[str]:
        """What pydantic cannot say with a position: `fires_when` syntax and unknown names (at
        the very token), unknown anchors and `evidence`, anchor cycles."""
        problems: list[str] = []
        conditions = raw.get("conditions")
        known = [str(k) for k in conditions] if isinstance(conditions, dict) else None
        for name in known or []:
            if not _NAME.fullmatch(name) or name in expression.OPERATORS:
                problems.append(
                    f"{loc.where(path + ('conditions', name))}: condition name {name!r} cannot be used in "
                    "fires_when (no spaces or parentheses, not and/or/not)"
                )
        text = raw.get("fires_when")
        if isinstance(text, str):
            where = loc.positions.get(path + ("fires_when", "__value__")) or loc.where(path + ("fires_when",))
            try:
                tree = expression.parse(text)
            except expression.ExpressionError as exc:
                problems.append(f"{_inside(where, text, exc.offset)}: fires_when: {exc}")
            else:
                for n in expression.names(tree) if known is not None else []:
                    if n.name not in (known or ()):  # (known is a list here: the loop runs only then)
                        hint = (
                            " (operators are lower-case: and, or, not)"
                            if n.name.lower() in expression.OPERATORS
                            else ""
                        )
                        problems.append(
                            f"{_inside(where, text, n.offset)}: fires_when: unknown condition "
                            f"{n.name!r}{hint} (known: {', '.join(known or ()) or 'none'})"
                        )
        if known is None:
            return problems
        evidence = raw.get("evidence")
        if isinstance(evidence, str) and evidence not in known:
            where = loc.positions.get(path + ("evidence", "__value__")) or loc.where(path + ("evidence",))
            problems.append(f"{where}: evidence: unknown condition {evidence!r} (known: {', '.join(known)})")
        anchors: dict[str, tuple[str, str]] = {}  # condition -> (its anchor key, the anchor's name)
        for name, cond in conditions.items():  # type: ignore[union-attr]  # conditions was checked to be a mapping above
            if not isinstance(cond, dict):
                continue
            for key in ANCHORS:
                target = cond.get(key)
                if not isinstance(target, str):
                    continue
                where = loc.positions.get(path + ("conditions", name, key, "__value__")) or loc.where(
                    path + ("conditions", name, key)
                )
                if target not in known:
                    problems.append(
                        f"{where}: conditions.{name}.{key}: unknown condition {target!r} (known: {', '.join(known)})"
                    )
                else:
                    anchors[str(name)] = (key, target)
        for cycle in _cycles(anchors, known):
            name = cycle[0]
            key = anchors[name][0]
            where = loc.positions.get(path + ("conditions", name, key, "__value__")) or loc.where(
                path + ("conditions", name, key)
            )
            problems.append(f"{where}: conditions.{name}.{key}: anchor cycle {' → '.join(cycle + [name])}")
        return problems


def _kinds(ctx: CallContext, hits: list[Hit], cond: Condition) -> int:
    """How many different phrases `hits` hold, counted only when a bound above one asks."""
    return distinct(ctx, hits) if cond.least_distinct > 1 else min(len(hits), 1)


def _placed(ctx: CallContext, hits: list[Hit], anchors: list[Hit], cond: Condition) -> list[Hit]:
    """The `hits` placed as `cond` asks relative to at least one of the `anchors`."""
    if not anchors:
        return []
    placement = cond.placement
    turns = within = None
    if cond.within_turns is not None:
        turns = cond.within_turns
    elif cond.within_seconds is not None:
        within = cond.within_seconds
    starts = ctx.call.turns.starts

    def close(h: Hit, a: Hit) -> bool:
        if turns is not None:
            return abs(h.turn - a.turn) <= turns
        if within is not None:
            return abs(starts[h.turn] - starts[a.turn]) <= within + 1e-6  # type: ignore[operator]  # within_seconds applies to timed calls only: no start is None
        return True

    def after(h: Hit, a: Hit) -> bool:
        return h.turn > a.turn or (h.turn == a.turn and h.begin >= a.end)

    def ok(h: Hit, a: Hit) -> bool:
        if placement == "after":
            side = after(h, a)
        elif placement == "before":
            side = after(a, h)
        else:
            side = after(h, a) or after(a, h)
        return side and close(h, a)

    return [h for h in hits if any(ok(h, a) for a in anchors)]


def _dependency_order(conditions: dict[str, Condition]) -> list[str]:
    """Condition names with every anchor before the conditions anchored on it (written order
    otherwise); cycles were refused when the scheme loaded."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        anchor = conditions[name].anchor
        if anchor is not None:
            visit(anchor)
        order.append(name)

    for name in conditions:
        visit(name)
    return order


def _cycles(anchors: dict[str, tuple[str, str]], names: list[str]) -> list[list[str]]:
    """Each anchor cycle once, as its names starting from the one written first."""
    out: list[list[str]] = []
    reported: set[str] = set()
    for start in names:
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in path and node not in reported:
            path.append(node)
            node = anchors[node][1] if node in anchors else None
        if node is not None and node in path:
            cycle = path[path.index(node) :]
            if not reported & set(cycle):
                out.append(cycle)
            reported |= set(cycle)
        reported |= set(path)
    return out


def _inside(where: Position, text: str, offset: int) -> Position:
    """The position of character `offset` of a scalar value that starts at `where`: exact on a
    one-line plain or quoted value, the value's own position otherwise."""
    if "\n" in text or where.style in ("|", ">"):
        return where
    if where.style in ("'", '"'):
        offset += 1
    return Position(where.file, where.line, where.col + offset)
