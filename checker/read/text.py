"""Plain-text transcripts: `# key: value` headers, then one turn a line.

# call_id: c1
# agent_id: A1001
[00:01.20-00:03.50] 坐席: 您好，欢迎致电…
客户：我想查一下话费
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

from ..model import Call, InputError, Turn, Turns
from .decode import find_bad_byte, has_bad_byte, read_decoded
from .records import MAX_TURN_CHARS, check_direction, check_started_at, check_turn_text, turn_too_long
from .roles import RecordError, RoleMap

__all__ = ["read_text", "parse_text", "parse_timestamp"]

_HEADER = re.compile(r"^#\s*([A-Za-z_][\w\-]*)\s*[:：]\s*(.*?)\s*$")
_TIME = r"(?:\d+:)?\d+(?::\d+)?(?:[.,]\d+)?"
_TURN = re.compile(
    rf"^\s*(?:\[\s*(?P<start>{_TIME})\s*[-–~]\s*(?P<end>{_TIME})\s*\]\s*)?"
    r"(?P<speaker>[^:：\[\]\s][^:：]{0,19}?)\s*[:：]\s?(?P<text>.*?)\s*$"
)
_CALL_FIELDS = ("call_id", "agent_id", "agent_name", "team", "started_at", "direction")


def read_text(path: Path, roles: RoleMap) -> Iterator[Call | InputError]:
    decoded = read_decoded(path)
    text = decoded.text
    bad = find_bad_byte(text, decoded.encoding) if has_bad_byte(text) else None
    if bad is not None:  # the file is one call: it is that call that cannot be read
        yield InputError(str(path), bad[0], bad[1], call_id=_header_id(text) or path.stem)
        return
    try:
        yield parse_text(text, roles, source=str(path), default_id=path.stem)
    except RecordError as exc:
        yield InputError(str(path), exc.line, str(exc), call_id=_header_id(text) or path.stem)


def parse_text(text: str, roles: RoleMap, source: str = "<text>", default_id: str = "example") -> Call:
    fields: dict[str, str] = {}
    metadata: dict[str, str] = {}
    turns: list[Turn] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        header = _HEADER.match(line)
        if header and not turns:
            key, value = header.group(1), header.group(2)
            (fields if key in _CALL_FIELDS else metadata)[key] = value
            continue
        if line.lstrip().startswith("#"):
            continue  # a comment among the turns
        if len(line) > MAX_TURN_CHARS + 64:  # not worth matching: a turn this long is refused anyway
            raise RecordError(turn_too_long(len(line), "line"), lineno)
        m = _TURN.match(line)
        if m is None:
            raise RecordError("not a turn: expected `说话人: 文本` or `[mm:ss.xx-mm:ss.xx] 说话人: 文本`", lineno)
        speaker = roles.role(m.group("speaker"), lineno)
        start = end = None
        if m.group("start"):
            start, end = parse_timestamp(m.group("start")), parse_timestamp(m.group("end"))
            if not math.isfinite(start + end):
                raise RecordError(f"time {m.group('start')}-{m.group('end')} is too large to be a time", lineno)
            if end < start:
                raise RecordError(f"turn ends ({m.group('end')}) before it starts ({m.group('start')})", lineno)
        turns.append(
            Turn(
                speaker=speaker,
                text=check_turn_text(m.group("text"), "turn", lineno),
                start=start,
                end=end,
                line=lineno,
            )
        )
    if not turns:
        raise RecordError("no turns", None)
    return Call(
        call_id=fields.get("call_id") or default_id,
        turns=Turns.of(turns),
        agent_id=fields.get("agent_id") or None,
        agent_name=fields.get("agent_name") or None,
        team=fields.get("team") or None,
        started_at=check_started_at(fields.get("started_at"), None),
        direction=check_direction(fields.get("direction"), None),
        metadata=metadata,
        source=source,
        line=1,
    )


def parse_timestamp(value: str) -> float:
    """`mm:ss.xx`, `hh:mm:ss.xx` or plain seconds, to seconds."""
    parts = value.replace(",", ".").split(":")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def _header_id(text: str) -> str | None:
    for line in text.splitlines():
        m = _HEADER.match(line)
        if m and m.group(1) == "call_id":
            return m.group(2)
    return None
