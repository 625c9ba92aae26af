"""CSV transcripts: one row a turn, rows of a call grouped by call_id (SPEC format 3)."""
from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from ..model import Call, InputError
from .records import build_call
from .roles import RecordError, RoleMap

__all__ = ["read_csv"]

REQUIRED = ("call_id", "speaker", "text")
CALL_COLUMNS = ("agent_id", "agent_name", "team", "started_at", "direction")
TURN_COLUMNS = ("speaker", "text", "start", "end")


def read_csv(path: Path, roles: RoleMap) -> Iterator[Call | InputError]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        columns = [c.strip() for c in reader.fieldnames or []]
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            yield InputError(str(path), 1, f"missing column(s) {', '.join(missing)}; found {', '.join(columns) or 'none'}")
            return
        reader.fieldnames = columns
        # Rows of one call may be interleaved with others: group by call_id, keep file order.
        calls: dict[str, dict] = {}
        for row in reader:
            lineno = reader.line_num
            call_id = (row.get("call_id") or "").strip()
            if not call_id:
                yield InputError(str(path), lineno, "row has no call_id")
                continue
            rec = calls.setdefault(call_id, {"call_id": call_id, "turns": [], "_line": lineno, "metadata": {}})
            for col in CALL_COLUMNS:
                if row.get(col) and not rec.get(col):
                    rec[col] = row[col].strip()
            turn = {k: row.get(k) for k in TURN_COLUMNS}
            turn["_line"] = lineno
            rec["turns"].append(turn)
            for col, value in row.items():
                if col not in REQUIRED and col not in CALL_COLUMNS and col not in TURN_COLUMNS and value:
                    rec["metadata"].setdefault(col, value)
    for rec in calls.values():
        line = rec.pop("_line")
        turn_lines = [t.pop("_line") for t in rec["turns"]]
        try:
            yield build_call(rec, roles, str(path), line, turn_lines=turn_lines)
        except RecordError as exc:
            yield InputError(str(path), exc.line or line, str(exc), call_id=rec["call_id"])
