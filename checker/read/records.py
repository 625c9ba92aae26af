"""Build a Call from a plain record (dict), checking each field and saying what is wrong."""

from __future__ import annotations

import math
import operator
from itertools import repeat
from datetime import datetime
from typing import Any

from ..model import Call, Turn, Turns
from .roles import RecordError, RoleMap

__all__ = ["build_call", "build_turn", "check_started_at", "check_turn_text", "MAX_TURN_CHARS"]

# The longest turn read, in characters. A real turn is a few hundred characters (an ASR sentence
# rarely passes 500); 20,000 is a page and a half of dense Chinese. Anything longer is a file
# whose turns were not split (a whole call, or a document, in one cell), and auditing it would
# cost memory and time out of all proportion (segmenting one 17-million-character turn took
# 2 GB): it is rejected with its line, like any bad record.
MAX_TURN_CHARS = 20_000

_CALL_KEYS = ("call_id", "agent_id", "agent_name", "team", "started_at", "direction", "metadata", "turns")
DIRECTIONS = ("inbound", "outbound")


def build_call(
    record: Any,
    roles: RoleMap,
    source: str,
    line: int | None,
    default_id: str | None = None,
    turn_lines: list[int] | None = None,
) -> Call:
    if not isinstance(record, dict):
        raise RecordError(f"a call record is a JSON object, got {type(record).__name__}", line)
    call_id = record.get("call_id", default_id)
    if call_id is None or (isinstance(call_id, str) and not call_id.strip()):
        raise RecordError("record has no call_id", line)
    if not isinstance(call_id, (str, int)):
        raise RecordError(f"call_id must be a string, got {type(call_id).__name__}", line)
    turns_raw = record.get("turns")
    if not isinstance(turns_raw, list) or not turns_raw:
        what = "no turns" if not turns_raw else f"turns must be a list, got {type(turns_raw).__name__}"
        raise RecordError(f"call {call_id}: {what}", line)
    turns = None if turn_lines else _fast_turns(turns_raw, roles)
    if turns is None:  # something to report, or line numbers to keep: turn by turn
        turns = Turns.of(
            build_turn(t, roles, line, i, turn_lines[i] if turn_lines else None) for i, t in enumerate(turns_raw)
        )
    metadata = record.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise RecordError(f"call {call_id}: metadata must be an object", line)
    # Extra top-level keys (e.g. a `source` column) are kept as metadata rather than dropped.
    metadata = {**{k: v for k, v in record.items() if k not in _CALL_KEYS}, **metadata}
    return Call(
        call_id=str(call_id),
        turns=turns,
        agent_id=_optional_str(record.get("agent_id"), "agent_id", line),
        agent_name=_optional_str(record.get("agent_name"), "agent_name", line),
        team=_optional_str(record.get("team"), "team", line),
        started_at=check_started_at(record.get("started_at"), line),
        direction=check_direction(record.get("direction", metadata.get("direction")), line),
        metadata=metadata,
        source=source,
        line=line,
    )


def _fast_turns(raw: list, roles: RoleMap) -> Turns | None:
    """The turns of a well-formed record as columns, or None when any turn needs a closer look
    (then `build_turn`, one by one, says what is wrong with which). Runs for every call, so it
    works a column at a time with C-level maps, never a Python step per turn."""
    # A parsed turn that is not an object (list, string, number, null) fails the item look-up
    # with a TypeError, and a text that is not a string fails the join: no type test per turn.
    try:
        # A column a pass (faster than one pass making a tuple per turn and a zip of them).
        texts = list(map(_TEXT, raw))
        try:
            starts, ends = list(map(_START, raw)), list(map(_END, raw))
        except KeyError:  # a turn without times
            starts, ends = list(map(dict.get, raw, repeat("start"))), list(map(dict.get, raw, repeat("end")))
        speakers = list(map(roles.labels.__getitem__, map(_SPEAKER, raw)))
        if max(map(len, texts)) > MAX_TURN_CHARS:  # also fails on a text that is not a string
            return None
    except (KeyError, TypeError):
        return None
    kinds = set(map(type, starts))
    kinds.update(map(type, ends))
    if kinds == _FLOAT:  # the common case, every time a float: no conversion, nothing absent
        # ends ≥ starts ≥ 0 (the test below) says it all: a NaN fails every comparison, and the
        # turn-by-turn path then says where it is.
        if not (min(starts) >= 0 and max(ends) < _INF):
            return None
        complete = True
    else:
        times, complete = _seconds_column(starts + ends, kinds)  # both columns checked at once
        if times is None:
            return None
        n = len(texts)
        starts, ends = times[:n], times[n:]
    if not complete:
        if any(s is not None and e is not None and e < s for s, e in zip(starts, ends)):
            return None
        return Turns(speakers, texts, starts, ends)
    if not all(map(operator.le, starts, ends)):
        return None
    turns = Turns(speakers, texts, starts, ends)
    turns._timed = True  # every time present: what `Turns.timed` would find out again
    return turns


_FLOAT = {float}
_INF = math.inf
_SPEAKER, _TEXT = operator.itemgetter("speaker"), operator.itemgetter("text")
_START, _END = operator.itemgetter("start"), operator.itemgetter("end")


def _seconds_column(values: list, kinds: set) -> tuple[list[float | None] | None, bool]:
    """Seconds as floats, None for absent (None instead of the list when a value is anything but
    a non-negative number), and whether every value is present. `kinds`: the values' types (not
    all float: that case needs no conversion, see `_fast_turns`)."""
    if not kinds <= _NUMBER_OR_NONE:
        return None, False
    present = [v for v in values if v is not None]
    if present:
        total = sum(present)
        if not (min(present) >= 0 and total < _INF):  # a NaN fails the test too
            return None, False
    try:
        return [v if v is None or v.__class__ is float else float(v) for v in values], _NONE not in kinds
    except OverflowError:  # an integer past what a float holds: the turn-by-turn path says so
        return None, False


_NONE = type(None)
_NUMBER_OR_NONE = {int, float, _NONE}


def build_turn(raw: Any, roles: RoleMap, line: int | None, index: int, turn_line: int | None = None) -> Turn:
    # The common case (a dict with a string text and numeric or absent times) takes no detour:
    # this runs once per turn of every call.
    at = turn_line or line
    if raw.__class__ is not dict:
        raise RecordError(f"turn {index}: a turn is an object with speaker and text", at)
    text = raw.get("text")
    if text.__class__ is not str:
        raise RecordError(f"turn {index}: text must be a string, got {type(text).__name__}", at)
    check_turn_text(text, f"turn {index}", at)
    speaker = roles.role(raw.get("speaker", raw.get("role")), at)
    start, end = raw.get("start"), raw.get("end")
    if start.__class__ is not float or not 0 <= start < _INF:
        start = _seconds(start, f"turn {index}: start", at)
    if end.__class__ is not float or not 0 <= end < _INF:
        end = _seconds(end, f"turn {index}: end", at)
    if start is not None and end is not None and end < start:
        raise RecordError(f"turn {index}: end {end} is before start {start}", at)
    return Turn(speaker, text, start, end, turn_line)


def check_started_at(value: Any, line: int | None) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError(f"started_at must be an ISO 8601 string, got {value!r}", line)
    try:
        datetime.fromisoformat(value.strip())
    except ValueError:
        raise RecordError(f"started_at {value!r} is not an ISO 8601 date-time", line) from None
    return value.strip()


def check_direction(value: Any, line: int | None) -> str | None:
    if value is None or value == "":
        return None
    if str(value).lower() not in DIRECTIONS:
        raise RecordError(f"direction must be inbound or outbound, got {value!r}", line)
    return str(value).lower()


def _seconds(value: Any, what: str, line: int | None) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(f"{what} must be a number of seconds, got {value!r}", line)
    try:
        out = float(value)
    except (TypeError, ValueError, OverflowError):
        raise RecordError(f"{what} must be a number of seconds, got {_short(value)}", line) from None
    if not math.isfinite(out) or out < 0:
        raise RecordError(f"{what} must be a finite, non-negative number of seconds, got {_short(value)}", line)
    return out


def check_turn_text(text: str, what: str, line: int | None) -> str:
    """`text`, unless it is longer than MAX_TURN_CHARS (then a RecordError at `line`)."""
    if len(text) > MAX_TURN_CHARS:
        raise RecordError(f"{what}: {turn_too_long(len(text))}", line)
    return text


def turn_too_long(length: int, what: str = "text") -> str:
    return (
        f"{what} of {length:,} characters is longer than a turn may be ({MAX_TURN_CHARS:,}): "
        "split the call into its turns"
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _optional_str(value: Any, what: str, line: int | None) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (str, int)):
        return str(value)
    raise RecordError(f"{what} must be a string, got {type(value).__name__}", line)
