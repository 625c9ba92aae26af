"""Tables of turns: CSV (SPEC format 3), spreadsheets and Parquet (format 5) read alike.

One row a turn; the rows of a call are grouped by call_id, in file order, even when calls are
interleaved. Columns: `call_id, speaker, text` (required) and `agent_id, agent_name, team,
started_at, direction, start, end`; any other column goes to the call's metadata.

Headers may be our names, the Chinese names call-centre systems export (`HEADER_ALIASES`), or
anything the scheme maps with `columns: {call_id: 录音编号, …}`. A file without a required column
is one error that lists the headers found and shows the `columns:` line that would fix it.

A row holding a byte its file's encoding cannot decode rejects the call it belongs to (its other
rows are not audited without it), never the whole file.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from ..model import Call, InputError
from .decode import bad_byte, open_decoded
from .records import build_call
from .roles import RecordError, RoleMap

__all__ = ["read_csv", "read_table", "resolve_headers", "HEADER_ALIASES", "COLUMNS", "REQUIRED", "cell_text"]

REQUIRED = ("call_id", "speaker", "text")
CALL_COLUMNS = ("agent_id", "agent_name", "team", "started_at", "direction")
TURN_COLUMNS = ("speaker", "text", "start", "end")
COLUMNS = ("call_id", *CALL_COLUMNS, *TURN_COLUMNS)

# The headers call-centre systems (and Excel templates) export, for each column. A header is
# compared as written, stripped of spaces; English names also in any case.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "call_id": ("通话编号", "通话ID", "通话id", "通话Id", "通话流水号", "会话ID", "会话编号"),
    "agent_id": ("坐席工号", "工号", "坐席ID", "坐席编号", "客服工号", "座席工号"),
    "agent_name": ("坐席姓名", "坐席名称", "客服姓名", "座席姓名"),
    "team": ("班组", "组别", "坐席班组", "技能组"),
    "started_at": ("开始时间", "通话时间", "通话开始时间", "呼叫时间"),
    "direction": ("呼叫方向", "通话方向", "呼叫类型"),
    "speaker": ("角色", "说话人", "说话方", "发言人", "发言方"),
    "text": ("内容", "文本", "话术", "通话内容", "识别文本", "识别结果"),
    "start": ("开始", "开始秒", "起始"),
    "end": ("结束", "结束秒", "截止"),
}
_ALIAS = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}

# What `csv` accepts in one field: past the turn cap (`records.MAX_TURN_CHARS`), so that a long
# turn is rejected by the same rule as in every format, with its line, not by the CSV module.
csv.field_size_limit(max(csv.field_size_limit(), 1 << 24))


def read_csv(path: Path, roles: RoleMap) -> Iterator[Call | InputError]:
    fh, encoding = open_decoded(path)  # a stream: a big export is never held twice
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, [])
        except csv.Error as exc:
            yield InputError(str(path), 1, f"not CSV: {exc}")
            return

        def rows() -> Iterator[tuple[int, list[Any]]]:
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:  # e.g. a NUL byte: the rest of the file cannot be trusted
                    raise RecordError(f"not CSV: {exc}", reader.line_num) from None
                if row:
                    yield reader.line_num, row

        yield from read_table(path, header, rows(), roles, encoding)


def read_table(
    path: Path, header: list[Any], rows: Iterable[tuple[int, list[Any]]], roles: RoleMap, encoding: str | None = None
) -> Iterator[Call | InputError]:
    """Calls from the rows of a table (`rows`: line or row number, cells) under `header`. With
    `encoding` (a text file's), each row is checked for bytes that encoding could not decode."""
    source = str(path)
    names, problem = resolve_headers(header, roles.columns)
    if problem:
        yield InputError(source, 1, problem)
        return
    index = {name: i for i, name in enumerate(names) if name in COLUMNS}
    extra = [(i, name) for i, name in enumerate(names) if name not in COLUMNS and name]
    at_call, at_turn = index["call_id"], [(k, index.get(k)) for k in TURN_COLUMNS]
    at_fields = [(k, index[k]) for k in CALL_COLUMNS if k in index]
    calls: dict[str, dict] = {}
    bad: dict[str, InputError] = {}
    try:
        for lineno, row in rows:
            cells = [
                cell_text(c) if i != index.get("start") and i != index.get("end") else c for i, c in enumerate(row)
            ]
            reason = encoding and bad_byte(",".join(c if isinstance(c, str) else "" for c in cells), encoding)
            if reason:
                call_id = (_at(cells, at_call) or "").strip()
                if not call_id:
                    yield InputError(source, lineno, reason)
                elif call_id not in bad:
                    bad[call_id] = InputError(source, lineno, f"call {call_id}: {reason}", call_id=call_id)
                    calls.setdefault(call_id, {"call_id": call_id, "turns": [], "_line": lineno, "metadata": {}})
                continue
            call_id = (_at(cells, at_call) or "").strip()
            if not call_id:
                if any(c not in (None, "") for c in cells):
                    yield InputError(source, lineno, "row has no call_id")
                continue
            rec = calls.get(call_id)
            if rec is None:
                rec = calls[call_id] = {"call_id": call_id, "turns": [], "_line": lineno, "metadata": {}}
            for name, i in at_fields:
                value = _at(cells, i)
                if value and not rec.get(name):
                    rec[name] = value.strip()
            turn = {name: _at(cells, i) for name, i in at_turn}
            turn["_line"] = lineno
            rec["turns"].append(turn)
            for i, name in extra:
                value = _at(cells, i)
                if value:
                    rec["metadata"].setdefault(name, value)
    except RecordError as exc:
        yield InputError(source, exc.line, str(exc))
    for call_id, rec in calls.items():
        line = rec.pop("_line")
        if call_id in bad:
            yield bad[call_id]
            continue
        turn_lines = [t.pop("_line") for t in rec["turns"]]
        try:
            yield build_call(rec, roles, source, line, turn_lines=turn_lines)
        except RecordError as exc:
            yield InputError(source, exc.line or line, str(exc), call_id=call_id)


def resolve_headers(header: list[Any], mapping: dict[str, str]) -> tuple[list[str], str | None]:
    """Our column name for each header (a header we do not know keeps its own name, for
    metadata), and what is wrong when a required column is missing."""
    written = [cell_text(h).strip().lstrip("\ufeff") for h in header]
    names: list[str] = []
    taken: set[str] = set()
    for h in written:
        name = mapping.get(h) or (h.lower() if h.lower() in COLUMNS else None) or _ALIAS.get(h.replace(" ", ""))
        if name is None or name in taken:  # unknown, or a second header for a column: metadata
            names.append(h)
        else:
            names.append(name)
            taken.add(name)
    missing = [c for c in REQUIRED if c not in taken]
    if not missing:
        return names, None
    unknown = [h for h, n in zip(written, names) if n == h and h.lower() not in COLUMNS and h]
    guesses = ", ".join(f"{m}: {unknown[i] if i < len(unknown) else '<列名>'}" for i, m in enumerate(missing))
    found = ", ".join(h or "(blank)" for h in written) or "none"
    return names, (
        f"missing column(s) {', '.join(missing)}; headers found: {found}. Name the column(s) that hold them in "
        f"the scheme, e.g. `columns: {{{guesses}}}` (Chinese headers such as 通话编号, 说话人, 内容 are known already)"
    )


def cell_text(value: Any) -> Any:
    """A spreadsheet or Parquet cell as CSV would hold it: text, with whole numbers without ".0"
    and dates in ISO 8601; None stays None."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value.total_seconds())
    return str(value)


def _at(cells: list, i: int | None) -> Any:
    if i is None or i >= len(cells):
        return None
    value = cells[i]
    return None if value == "" else value
