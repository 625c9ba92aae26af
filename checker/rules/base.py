"""What every rule kind shares: its YAML keys, its scope in a call, and how it reports.

A kind is one module holding a pydantic `Config` (its YAML keys) and a `Rule` subclass that turns
one call into findings. `register` puts it in the table that the scheme loader reads, so a new
kind is one new module and one import line in `rules/__init__.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..match import Phrase, PhraseBook, PhraseList
from ..model import Call, Finding

# The schema, the call context and the options live in modules of their own; their names are
# importable from here too, as they always were.
from .context import CallContext, SpeakerTurns, _key_index  # noqa: F401
from .options import Options
from .schema import Example, PhraseItem, PhraseSpec, RuleConfig, Severity, Speaker, Strict, Window  # noqa: F401


__all__ = [
    "RuleConfig",
    "Window",
    "Example",
    "PhraseSpec",
    "Rule",
    "CallContext",
    "CompileContext",
    "NotApplicable",
    "KINDS",
    "register",
]


class NotApplicable(Exception):
    """The rule cannot be judged on this call (e.g. it needs timestamps the call lacks)."""


@dataclass
class CompileContext:
    """What compiling a rule may use: the shared phrase book and the scheme's named lists."""

    book: PhraseBook
    lexicons: dict[str, list[Any]]
    dialects: Any  # dialect.DialectLibrary, resolved lazily by the dialect kind
    shared: dict[Any, Any] = field(default_factory=dict)  # compiled once per scheme, shared by rules

    def phrases(self, items: list[Any]) -> PhraseList:
        """Turn `phrases:` items (strings, {phrase, suggest}, "@lexicon") into Phrases."""
        out: list[Phrase] = []
        for item in self.expand(items):
            text, suggest = (item, None) if isinstance(item, str) else (item.phrase, item.suggest)
            out.append(Phrase(text, self.book.add(text), suggest))
        return PhraseList(out)

    def expand(self, items: list[Any]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if isinstance(item, str) and item.startswith("@"):
                out.extend(self.lexicons[item[1:]])  # names were checked when the scheme loaded
            else:
                out.append(item)
        return out


class Rule:
    """A compiled rule. Subclasses set `kind` and `Config` and implement `findings`."""

    kind: ClassVar[str]
    Config: ClassVar[type[RuleConfig]]
    # Not applicable, whatever else, to a call without timestamps (asked by `plan.Plan`).
    needs_timestamps: ClassVar[bool] = False
    lints_text: ClassVar[bool] = False  # applies to script files without speakers (`qa-check lint`)

    def __init__(self, config: RuleConfig, ctx: CompileContext):
        self.config = config
        self.id = config.id
        # Keys one of which must occur in a call for this rule to report anything there (None:
        # the rule must always be evaluated). Set by kinds that fire only on what they find, and
        # only where skipping the call cannot hide a not-applicable verdict.
        self.gate: frozenset[str] | None = None
        # Whose turn a gate key must be in (None or "any": anyone's), where the kind finds nothing in
        # the other speakers' turns: 知道了 said by the customer opens no agent rule.
        self.gate_speaker: str | None = None
        self._population: tuple[RuleConfig, list[tuple[str, Options]]] | None = None

    @property
    def window_in_seconds(self) -> bool:
        return self.config.window is not None and self.config.window.needs_timestamps

    @property
    def population(self) -> list[tuple[str, Options]]:
        """`when_meta` as (field, the values it accepts), for `applies` to ask of every call.
        Derived from the config the rule holds now, never from the one it was built with: the
        script lint narrows `when_meta` on a copy of the rule, and the copy must judge by that."""
        cached = self._population
        if cached is None or cached[0] is not self.config:
            config = self.config
            cached = self._population = (
                config,
                [
                    (key, Options(wanted if isinstance(wanted, list) else [wanted]))
                    for key, wanted in config.when_meta.items()
                ],
            )
        return cached[1]

    # -- evaluation -----------------------------------------------------------------------
    def applies(self, call: Call) -> bool:
        """`enabled` and `when_meta`: whether this call is in the rule's population at all."""
        config = self.config
        if not config.when_meta:
            return config.enabled
        if not config.enabled:
            return False
        for key, options in self.population:
            if call.field_value(key) not in options:
                return False
        return True

    def findings(self, ctx: CallContext) -> list[Finding]:
        """Findings for one call; raises NotApplicable when the call lacks what the rule needs.
        Run through a `plan.Plan`, which first asks the gate, the population and, for a kind
        with `needs_timestamps`, whether the call has timestamps."""
        raise NotImplementedError

    def scope(self, ctx: CallContext, speaker: str | None = None, window: Window | None = None) -> Sequence[int]:
        """Indexes of the turns the rule looks at: its speaker's turns, cut by its window (or by
        `window`, a part's own: a composite's condition)."""
        indexes = ctx.turn_indexes(speaker or self.config.speaker)
        window = window or self.config.window
        if window is None:
            return indexes
        if window.first_turns is not None:
            return indexes[: window.first_turns]
        if window.last_turns is not None:
            return indexes[-window.last_turns :]
        turns = ctx.call.turns
        if not turns.timed:
            raise NotApplicable("window in seconds needs timestamps")
        starts, ends = turns.starts, turns.ends
        if window.first_seconds is not None:
            origin = starts[0]
            return [i for i in indexes if starts[i] < origin + window.first_seconds]  # type: ignore[operator]  # a timed call (checked above): no start is None
        last_end = max(ends)  # type: ignore[type-var]  # as above: no end is None
        return [i for i in indexes if ends[i] > last_end - window.last_seconds]  # type: ignore[operator]  # as above

    # -- reporting ------------------------------------------------------------------------
    def finding(
        self,
        ctx: CallContext,
        turn: int | None = None,
        span: tuple[int, int] | None = None,
        suggest: str | None = None,
        message: str | None = None,
        details: dict[str, Any] | None = None,
        how: str | None = None,
    ) -> Finding:
        """A finding of this rule; `span` is in the turn's normalised text and is quoted as written.
        `how` it matched defaults to "exact" for a quoted span, "" for none."""
        call = ctx.call
        turns = call.turns
        text = turns.texts[turn] if turn is not None else None
        matched = excerpt = ""
        orig_span = None
        if text is not None:
            if span is not None:
                orig_span = ctx.view(turn).original(*span)  # type: ignore[arg-type]  # a finding with a span has a turn
                matched = text[orig_span[0] : orig_span[1]]
            excerpt = make_excerpt(text, orig_span)
        return Finding(
            call_id=call.call_id,
            agent_id=call.agent_id,
            rule_id=self.id,
            kind=self.kind,
            section=self.config.section,
            severity=self.config.severity,
            message=message or self.config.message,
            turn=turn,
            speaker=turns.speakers[turn] if turn is not None else None,
            start=turns.starts[turn] if turn is not None else None,
            matched=matched,
            span=orig_span,
            excerpt=excerpt,
            suggest=suggest if suggest is not None else self.config.suggest,
            deduct=self.config.deduct,
            fatal=self.config.fatal,
            details=details or {},
            how=how if how is not None else ("exact" if span is not None else ""),
        )


EXCERPT_CONTEXT = 20


def make_excerpt(text: str, span: tuple[int, int] | None, context: int = EXCERPT_CONTEXT) -> str:
    """The turn text around a match, marked 【like this】, trimmed to `context` chars each side."""
    text = text.strip() if span is None else text
    if span is None:
        return text if len(text) <= 2 * context + 10 else text[: 2 * context + 10] + "…"
    b, e = span
    left = text[max(0, b - context) : b]
    right = text[e : e + context]
    return (
        ("…" if b > context else "") + left + "【" + text[b:e] + "】" + right + ("…" if e + context < len(text) else "")
    ).strip()


KINDS: dict[str, type[Rule]] = {}


def register(cls: type[Rule]) -> type[Rule]:
    KINDS[cls.kind] = cls
    return cls
