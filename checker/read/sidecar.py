"""Calls side-car: call metadata kept apart from the transcripts, in a CSV keyed by call id.

ASR results carry no agent, team or start time; call-center systems export those per call. A
side-car CSV supplies them:

    call_id,agent_id,agent_name,team,started_at,direction,hangup_by,queue
    c20261102-0007,A1003,李娜,二组,2026-11-02T10:41:07+08:00,inbound,customer,宽带

Where it comes from: `qa-check audit --calls-meta FILE` (applies to every call of the run), and a
file named `calls_meta.csv` (SIDECAR_NAME) in the folder of a transcript (applies to the calls of
the files in that folder; it is never read as a transcript itself).

Columns: `call_id` (required), `agent_id`, `agent_name`, `team`, `started_at` (ISO 8601),
`direction` (inbound|outbound); any other column goes to `metadata` (a string, as in CSV
transcripts). Values only fill what a transcript lacks: the transcript wins, then `--calls-meta`,
then the folder's `calls_meta.csv`. Empty cells supply nothing. Rows for calls that are not in
the run are ignored.

Errors are InputErrors at the side-car's file:line. A bad row (a bad started_at or direction, a
value under a column with no name) rejects its call: auditing it without the metadata it should
have had (`when_meta`, `outside_hours`) would give a wrong result. A bad row whose call is not in
the run is still reported, at the end. A duplicate call_id row is reported and the first row kept.
A file that cannot be used at all (unreadable, no `call_id` column, a transcript CSV given by
mistake) is one error, and its calls are read without it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..model import Call, InputError
from .decode import find_bad_byte, read_decoded
from .records import check_direction, check_started_at
from .roles import RecordError

__all__ = ["SIDECAR_NAME", "CallsMeta", "load_calls_meta", "apply_calls_meta"]

SIDECAR_NAME = "calls_meta.csv"
CALL_FIELDS = ("agent_id", "agent_name", "team", "started_at", "direction")
_TRANSCRIPT_COLUMNS = ("speaker", "text", "turns")


@dataclass(frozen=True)
class MetaRow:
    fields: dict[str, str]  # call fields (CALL_FIELDS) with a value
    metadata: dict[str, str]  # every other column with a value
    line: int


@dataclass(eq=False)
class CallsMeta:
    """One side-car file, read: good rows by call id, and what was wrong with it."""

    path: str
    rows: dict[str, MetaRow] = field(default_factory=dict)
    bad_rows: dict[str, InputError] = field(default_factory=dict)  # call id -> why its row is unusable
    errors: list[InputError] = field(default_factory=list)  # problems that reject no call
    _used: set[str] = field(default_factory=set)

    def unused_bad_rows(self) -> list[InputError]:
        """Bad rows of calls that were never read: reported so that nothing goes unsaid."""
        return [e for cid, e in self.bad_rows.items() if cid not in self._used]


def load_calls_meta(path: Path | str) -> CallsMeta:
    path = Path(path)
    meta = CallsMeta(str(path))
    try:
        decoded = read_decoded(path)  # exported by the same systems as the transcripts: GBK too
        bad = find_bad_byte(decoded.text, decoded.encoding)
        if bad is not None:
            raise UnicodeError(f"line {bad[0]}: {bad[1]}")
        _read(csv.reader(io.StringIO(decoded.text, newline="")), meta)
    except (OSError, UnicodeError) as exc:
        meta.rows.clear()
        meta.bad_rows.clear()
        meta.errors = [InputError(str(path), None, f"cannot read calls side-car: {exc}")]
    except csv.Error as exc:
        meta.rows.clear()
        meta.bad_rows.clear()
        meta.errors = [InputError(str(path), None, f"calls side-car is not valid CSV: {exc}")]
    return meta


def _read(reader, meta: CallsMeta) -> None:
    header = next(reader, None)
    if header is None:
        meta.errors.append(InputError(meta.path, 1, "calls side-car is empty: expected a header with call_id"))
        return
    columns = [c.strip() for c in header]
    if "call_id" not in columns:
        meta.errors.append(
            InputError(
                meta.path,
                1,
                f"calls side-car has no call_id column; found {', '.join(c for c in columns if c) or 'none'}",
            )
        )
        return
    wrong = [c for c in _TRANSCRIPT_COLUMNS if c in columns]
    if wrong:
        meta.errors.append(
            InputError(
                meta.path,
                1,
                f"calls side-car has transcript column(s) {', '.join(wrong)}: a side-car holds one row a call "
                "(call_id, agent_id, started_at, …), not turns",
            )
        )
        return
    seen = [c for c in columns if c]
    dupes = sorted({c for c in seen if seen.count(c) > 1})
    if dupes:
        meta.errors.append(InputError(meta.path, 1, f"calls side-car has duplicate column(s) {', '.join(dupes)}"))
        return
    first_line: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        values = {columns[i] if i < len(columns) else "": cell.strip() for i, cell in enumerate(row)}
        call_id = values.get("call_id", "")
        if not call_id:
            meta.errors.append(InputError(meta.path, line, "row has no call_id"))
            continue
        if call_id in first_line:
            meta.errors.append(
                InputError(
                    meta.path,
                    line,
                    f"duplicate call_id {call_id!r} (first at line {first_line[call_id]}); this row is ignored",
                    call_id,
                )
            )
            continue
        first_line[call_id] = line
        try:
            meta.rows[call_id] = _row(values, line, len(columns), len(row))
        except RecordError as exc:
            meta.bad_rows[call_id] = InputError(meta.path, line, f"calls side-car row for {call_id}: {exc}", call_id)


def _row(values: dict[str, str], line: int, n_columns: int, n_cells: int) -> MetaRow:
    if values.get(""):
        what = (
            "more cells than the header has columns" if n_cells > n_columns else "a value under a column with no name"
        )
        raise RecordError(f"{what} ({values['']!r})", line)
    fields = {k: values[k] for k in CALL_FIELDS if values.get(k)}
    if "started_at" in fields:
        fields["started_at"] = check_started_at(fields["started_at"], line)  # type: ignore[assignment]  # a non-empty value comes back a str, never None
    if "direction" in fields:
        fields["direction"] = check_direction(fields["direction"], line)  # type: ignore[assignment]  # as above
    metadata = {k: v for k, v in values.items() if k and k != "call_id" and k not in CALL_FIELDS and v}
    return MetaRow(fields, metadata, line)


def apply_calls_meta(call: Call, sidecars: list[CallsMeta]) -> Call | InputError:
    """`call` with what the side-cars know and it lacks; the first side-car wins over later ones.

    An InputError when a side-car's row for this call is bad (the call is rejected, see above).
    """
    for meta in sidecars:
        if call.call_id in meta.bad_rows:
            meta._used.add(call.call_id)
            return meta.bad_rows[call.call_id]
    changes: dict = {}
    metadata = dict(call.metadata)
    for meta in sidecars:
        row = meta.rows.get(call.call_id)
        if row is None:
            continue
        for name, value in row.fields.items():
            if getattr(call, name) is None and name not in changes:
                changes[name] = value
        for key, value in row.metadata.items():
            metadata.setdefault(key, value)
    if not changes and metadata == call.metadata:
        return call
    return replace(call, metadata=metadata, **changes)
