"""`metadata`: a call field or metadata value that QA cares about.

    - {id: agent-hangup-first, kind: metadata, field: hangup_by, equals: agent, ...}
    - {id: bad-queue, kind: metadata, field: queue, not_in: [billing, broadband], ...}
    - {id: callback-hours, kind: metadata, field: started_at, outside_hours: ["09:00-11:00", "16:00-18:00"], ...}

Exactly one test: `equals` (a value or a list of values: fires when the field is one of them),
`not_in` (fires when the field is none of them), `outside_hours` (fires when the time of day is in
none of the ranges). The value is read with `Call.field_value` (call fields first, then
metadata), compared as text like `when_meta` (so `true` matches "True").

`outside_hours` reads the local time as written in the value (ISO 8601 date-time such as
`2026-11-05T20:15:00+08:00`, or a bare `HH:MM[:SS]`), never converting time zones. Ranges are
`HH:MM-HH:MM`, start inclusive and end exclusive: with "09:00-11:00", 09:00 and 10:59:59 are
inside, 11:00 is outside. A range whose end is before its start runs past midnight
("22:00-06:00"); "24:00" may close a range. `field` defaults to `started_at` for `outside_hours`.

A call without the field (absent or empty) cannot be judged: not applicable, never passed. A
value that is not a readable time under `outside_hours` is not applicable too. One call-level
finding; the value is shown in the message.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, Field, model_validator

from ..model import Finding
from .base import CallContext, CompileContext, NotApplicable, Options, Rule, RuleConfig, register

__all__ = ["MetadataConfig", "MetadataRule", "parse_hours", "time_of_day"]

Scalar = Union[bool, int, float, str]

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*$")
DAY = 24 * 3600


def parse_hours(text: str) -> tuple[int, int]:
    """ "09:00-11:00" -> (32400, 39600) seconds of the day; ValueError says what is wrong."""
    m = _RANGE.match(text)
    if m is None:
        raise ValueError(f'hours {text!r} must look like "09:00-11:00" (HH:MM-HH:MM)')
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    for h, mm, end in ((h1, m1, False), (h2, m2, True)):
        if mm > 59 or h > 24 or (h == 24 and (mm != 0 or not end)):
            raise ValueError(f"hours {text!r}: {h:02d}:{mm:02d} is not a time of day")
    start, stop = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
    if start == stop or (stop == DAY and start == 0):
        raise ValueError(f"hours {text!r} is empty or the whole day")
    return start, stop


def _check_hours(text: str) -> str:
    parse_hours(text)
    return text


HourRange = Annotated[str, AfterValidator(_check_hours)]


def time_of_day(value: Any) -> float | None:
    """Seconds since local midnight of a date-time or time as written; None if unreadable."""
    if isinstance(value, (datetime, time)):
        t = value.time() if isinstance(value, datetime) else value
    else:
        text = str(value).strip()
        try:
            t = datetime.fromisoformat(text).time()
        except ValueError:
            try:
                t = time.fromisoformat(text)
            except ValueError:
                return None
    return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6


def _inside(seconds: float, start: int, stop: int) -> bool:
    if start < stop:
        return start <= seconds < stop
    return seconds >= start or seconds < stop  # runs past midnight


class MetadataConfig(RuleConfig):
    kind: Literal["metadata"]
    field: str | None = Field(None, min_length=1)
    equals: Union[Scalar, list[Scalar], None] = None
    not_in: list[Scalar] | None = Field(None, min_length=1)
    outside_hours: list[HourRange] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _one_test(self) -> "MetadataConfig":
        tests = [k for k in ("equals", "not_in", "outside_hours") if getattr(self, k) is not None]
        if len(tests) != 1:
            raise ValueError("a metadata rule takes exactly one of equals, not_in, outside_hours")
        if self.field is None and self.outside_hours is None:
            raise ValueError("a metadata rule needs `field` (the call field or metadata key to read)")
        if self.window is not None:
            raise ValueError("a metadata rule reads the call, not its turns, and takes no window")
        return self


@register
class MetadataRule(Rule):
    kind = "metadata"
    Config = MetadataConfig

    def __init__(self, config: MetadataConfig, ctx: CompileContext):
        super().__init__(config, ctx)
        self.field = config.field or "started_at"
        self.hours = [parse_hours(h) for h in config.outside_hours or []]
        self.not_in = Options(config.not_in) if config.not_in is not None else None
        equals = config.equals if isinstance(config.equals, list) else [config.equals]
        self.equals = Options(equals)

    def findings(self, ctx: CallContext) -> list[Finding]:
        cfg: MetadataConfig = self.config  # type: ignore[assignment]  # the registry builds this rule from its own config type
        value = ctx.call.field_value(self.field)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise NotApplicable(f"the call has no {self.field!r}")
        if cfg.outside_hours is not None:
            seconds = time_of_day(value)
            if seconds is None:
                raise NotApplicable(f"{self.field} {value!r} is not a readable time")
            fires = not any(_inside(seconds, a, b) for a, b in self.hours)
            shown = _hhmm(seconds)
        elif self.not_in is not None:
            fires = value not in self.not_in
            shown = str(value)
        else:
            fires = value in self.equals
            shown = str(value)
        if not fires:
            return []
        return [
            self.finding(
                ctx,
                message=f"{cfg.message}（{self.field}: {shown}）",
                details={"field": self.field, "value": value},
            )
        ]


def _hhmm(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"
