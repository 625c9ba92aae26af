"""The data types every stage shares: a Call and its Turns in, Findings and a CallResult out.

One type per concept, frozen where the pipeline never changes them, so that a rule kind can
only read a call and report findings, never edit either.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

AGENT = "agent"
CUSTOMER = "customer"


@dataclass(frozen=True)
class Turn:
    speaker: str  # "agent", "customer" or another role name
    text: str
    start: float | None = None  # seconds from call start
    end: float | None = None
    line: int | None = None  # 1-based line in the source file, for error messages and lint
    # Facts a source gives per turn beyond the text, e.g. ASR `channel`, `speech_rate` (chars/min),
    # `emotion`, `silence_before` (s). Not part of equality: two turns are the same turn without it.
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; `Turn.from_json` gives the turn back."""
        out: dict[str, Any] = {"speaker": self.speaker, "text": self.text}
        for key in ("start", "end", "line"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.extra:
            out["extra"] = self.extra
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Turn:
        return cls(data["speaker"], data["text"], data.get("start"), data.get("end"), data.get("line"),
                   dict(data.get("extra") or {}))


@dataclass(frozen=True)
class Call:
    call_id: str
    turns: tuple[Turn, ...]
    agent_id: str | None = None
    agent_name: str | None = None
    team: str | None = None
    started_at: str | None = None  # ISO 8601, local time as written
    direction: str | None = None  # "inbound" | "outbound"
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str | None = None  # file the call came from
    line: int | None = None  # 1-based line of the record in that file

    @property
    def has_timestamps(self) -> bool:
        return bool(self.turns) and all(t.start is not None and t.end is not None for t in self.turns)

    def field_value(self, name: str) -> Any:
        """A call field or, failing that, a metadata value: what `when_meta` and `metadata` read."""
        if name in _CALL_FIELDS:
            return getattr(self, name)
        return self.metadata.get(name)

    def to_json(self, turns: bool = True) -> dict[str, Any]:
        """A JSON-ready dict (without the turns when `turns=False`); `Call.from_json` reverses it."""
        out: dict[str, Any] = {"call_id": self.call_id}
        for key in ("agent_id", "agent_name", "team", "started_at", "direction", "source", "line"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.metadata:
            out["metadata"] = self.metadata
        if turns:
            out["turns"] = [t.to_json() for t in self.turns]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any], turns: tuple[Turn, ...] | None = None) -> Call:
        """The call of `data`; `turns` stands in for the turns when `data` was written without them."""
        if turns is None:
            turns = tuple(Turn.from_json(t) for t in data.get("turns", ()))
        return cls(data["call_id"], turns, data.get("agent_id"), data.get("agent_name"), data.get("team"),
                   data.get("started_at"), data.get("direction"), dict(data.get("metadata") or {}),
                   data.get("source"), data.get("line"))


_CALL_FIELDS = frozenset({"call_id", "agent_id", "agent_name", "team", "started_at", "direction"})


@dataclass(frozen=True)
class Finding:
    """One rule hit with its evidence. Offsets into the original turn text are the truth."""

    call_id: str
    agent_id: str | None
    rule_id: str
    kind: str
    section: str
    severity: str
    message: str
    turn: int | None = None  # 0-based turn index; None for call-level findings
    speaker: str | None = None
    start: float | None = None
    matched: str = ""  # the matched text as it stands in the transcript
    span: tuple[int, int] | None = None  # [begin, end) character offsets in the turn's text
    excerpt: str = ""
    suggest: str | None = None
    deduct: float = 0.0  # what this finding costs after per-rule and section caps
    fatal: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def sort_key(self) -> tuple:
        return (self.turn if self.turn is not None else -1, self.span or (0, 0), self.rule_id)

    def to_record(self) -> dict[str, Any]:
        """The row written to findings.jsonl / findings.csv (SPEC "Results out")."""
        return {
            "call_id": self.call_id,
            "agent_id": self.agent_id,
            "rule_id": self.rule_id,
            "kind": self.kind,
            "section": self.section,
            "severity": self.severity,
            "turn": self.turn,
            "speaker": self.speaker,
            "start": self.start,
            "matched": self.matched,
            "excerpt": self.excerpt,
            "message": self.message,
            "suggest": self.suggest,
            "deduct": self.deduct,
            "fatal": self.fatal,
        }

    def to_json(self) -> dict[str, Any]:
        """Every field as a JSON-ready dict; `Finding.from_json` gives the finding back."""
        out = {name: getattr(self, name) for name in _FINDING_FIELDS}
        if self.span is not None:
            out["span"] = list(self.span)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        values = {name: data[name] for name in _FINDING_FIELDS if name in data}
        if values.get("span") is not None:
            values["span"] = tuple(values["span"])
        values["details"] = dict(values.get("details") or {})
        return cls(**values)


_FINDING_FIELDS = (
    "call_id", "agent_id", "rule_id", "kind", "section", "severity", "message", "turn", "speaker", "start",
    "matched", "span", "excerpt", "suggest", "deduct", "fatal", "details",
)


@dataclass(frozen=True)
class CallResult:
    call: Call
    findings: tuple[Finding, ...]
    score: float
    passed: bool
    fatal: bool
    not_applicable: tuple[str, ...] = ()  # rule ids that could not be judged on this call
    extra: dict[str, Any] = field(default_factory=dict)  # per-call facts, e.g. customer_dialect

    def to_record(self) -> dict[str, Any]:
        """The row written to calls.csv."""
        return {
            "call_id": self.call.call_id,
            "agent_id": self.call.agent_id,
            "agent_name": self.call.agent_name,
            "team": self.call.team,
            "started_at": self.call.started_at,
            "score": self.score,
            "passed": self.passed,
            "fatal": self.fatal,
            "findings": len(self.findings),
            "not_applicable": ";".join(self.not_applicable),
            **self.extra,
        }

    def to_json(self, call: bool = True) -> dict[str, Any]:
        """A JSON-ready dict; with `call=False` the call is left out (a resume journal re-reads it
        from the input), and `CallResult.from_json(data, call)` puts it back."""
        out: dict[str, Any] = {
            "findings": [f.to_json() for f in self.findings],
            "score": self.score,
            "passed": self.passed,
            "fatal": self.fatal,
            "not_applicable": list(self.not_applicable),
            "extra": self.extra,
        }
        if call:
            out["call"] = self.call.to_json()
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any], call: Call | None = None) -> CallResult:
        return cls(
            call=call if call is not None else Call.from_json(data["call"]),
            findings=tuple(Finding.from_json(f) for f in data["findings"]),
            score=data["score"],
            passed=data["passed"],
            fatal=data["fatal"],
            not_applicable=tuple(data.get("not_applicable", ())),
            extra=dict(data.get("extra") or {}),
        )


@dataclass(frozen=True)
class InputError:
    """A rejected file or record: reported in errors.csv and on stderr, never dropped silently."""

    file: str
    line: int | None
    reason: str
    call_id: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.reason}"

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InputError:
        return cls(data["file"], data.get("line"), data["reason"], data.get("call_id"))
