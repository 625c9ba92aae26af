"""The data types every stage shares: a Call and its Turns in, Findings and a CallResult out.

One type per concept, frozen where the pipeline never changes them, so that a rule kind can
only read a call and report findings, never edit either.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
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
        return cls(
            data["speaker"],
            data["text"],
            data.get("start"),
            data.get("end"),
            data.get("line"),
            dict(data.get("extra") or {}),
        )


class Turns(Sequence):
    """A call's turns, kept by column (speakers, texts, starts, ends…) rather than as Turn objects.

    Reading builds a call's columns straight from the records, and the audit reads the columns;
    a `Turn` is made only when one is asked for (`turns[i]`, iteration), e.g. to quote a finding.
    Building 45 frozen objects per call cost more than evaluating the call's rules. It compares
    equal to the tuple of its Turns, so `call.turns == (Turn(...), ...)` holds as before."""

    __slots__ = ("speakers", "texts", "starts", "ends", "lines", "extras", "_made", "_timed")

    def __init__(
        self,
        speakers: list[str],
        texts: list[str],
        starts: list[float | None] | None = None,
        ends: list[float | None] | None = None,
        lines: list[int | None] | None = None,
        extras: list[dict[str, Any]] | None = None,
    ) -> None:
        n = len(texts)
        self.speakers = speakers
        self.texts = texts
        self.starts = starts if starts is not None else [None] * n
        self.ends = ends if ends is not None else [None] * n
        self.lines = lines  # None: no turn has a line of its own
        self.extras = extras  # None: no turn has extra facts
        self._made: list[Turn | None] | None = None
        self._timed: bool | None = None

    @classmethod
    def of(cls, turns: Iterable[Turn]) -> Turns:
        if isinstance(turns, Turns):
            return turns
        turns = tuple(turns)
        made = list(turns)
        out = cls(
            [t.speaker for t in turns],
            [t.text for t in turns],
            [t.start for t in turns],
            [t.end for t in turns],
            [t.line for t in turns] if any(t.line is not None for t in turns) else None,
            [t.extra for t in turns] if any(t.extra for t in turns) else None,
        )
        out._made = made  # type: ignore[assignment]  # the cache holds Turn | None; all are made here
        return out

    @property
    def timed(self) -> bool:
        """Every turn has a start and an end."""
        timed = self._timed
        if timed is None:  # asked by every timing rule; the columns never change
            timed = self._timed = bool(self.texts) and None not in self.starts and None not in self.ends
        return timed

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self.texts))))
        made = self._made
        if made is None:
            made = self._made = [None] * len(self.texts)
        turn = made[index]
        if turn is None:
            if index < 0:
                index += len(self.texts)
            turn = made[index] = Turn(
                self.speakers[index],
                self.texts[index],
                self.starts[index],
                self.ends[index],
                self.lines[index] if self.lines is not None else None,
                dict(self.extras[index]) if self.extras is not None and self.extras[index] else {},
            )
        return turn

    def __iter__(self) -> Iterator[Turn]:
        return (self[i] for i in range(len(self.texts)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Turns):
            return (self.speakers, self.texts, self.starts, self.ends) == (
                other.speakers,
                other.texts,
                other.starts,
                other.ends,
            ) and tuple(self) == tuple(other)
        if isinstance(other, (tuple, list)):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Turns({list(self)!r})"

    def __reduce__(self):
        return (Turns, (self.speakers, self.texts, self.starts, self.ends, self.lines, self.extras))


@dataclass(frozen=True)
class Call:
    call_id: str
    turns: Turns  # a tuple of Turn objects is made a Turns (__post_init__)
    agent_id: str | None = None
    agent_name: str | None = None
    team: str | None = None
    started_at: str | None = None  # ISO 8601, local time as written
    direction: str | None = None  # "inbound" | "outbound"
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str | None = None  # file the call came from
    line: int | None = None  # 1-based line of the record in that file

    def __post_init__(self) -> None:
        if not isinstance(self.turns, Turns):  # a tuple of Turn objects, as readers and tests write
            object.__setattr__(self, "turns", Turns.of(self.turns))

    @property
    def has_timestamps(self) -> bool:
        return self.turns.timed

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
        return cls(
            data["call_id"],
            Turns.of(turns),
            data.get("agent_id"),
            data.get("agent_name"),
            data.get("team"),
            data.get("started_at"),
            data.get("direction"),
            dict(data.get("metadata") or {}),
            data.get("source"),
            data.get("line"),
        )


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
    how: str = ""  # how the text matched: exact, homophone, similar, pattern, entity ("": no text)

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
            "how": self.how,
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
    "call_id",
    "agent_id",
    "rule_id",
    "kind",
    "section",
    "severity",
    "message",
    "turn",
    "speaker",
    "start",
    "matched",
    "span",
    "excerpt",
    "suggest",
    "deduct",
    "fatal",
    "details",
    "how",
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

    def to_json(self, call: bool = True, findings_as_dicts: bool = True) -> dict[str, Any]:
        """A JSON-ready dict; with `call=False` the call is left out (a resume journal re-reads it
        from the input), and `CallResult.from_json(data, call)` puts it back. With
        `findings_as_dicts=False` the findings stay Findings, for orjson, which writes a
        dataclass's fields in their order: what `Finding.to_json` gives, without the dicts."""
        out: dict[str, Any] = {
            "findings": [f.to_json() for f in self.findings] if findings_as_dicts else self.findings,
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


@dataclass(frozen=True)
class SkippedFile(InputError):
    """A file of another type found in an input folder: listed (errors.csv, its reason starting
    "skipped:", and stderr) so that nothing is ignored unseen, but not rejected input (no call
    was in it: the exit code does not change)."""
