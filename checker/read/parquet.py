"""Parquet transcripts (`.parquet`, SPEC format 5), in either layout:

- one row a turn, with the columns of a CSV transcript (`table`), or
- one row a call: the call columns and a `turns` column, a list of structs with `speaker`,
  `text` and optional `start`, `end` (the struct fields may use the same Chinese names and
  `columns:` mapping as headers do).

pyarrow is an optional extra (`pip install 'qa-check[parquet]'`), imported only when a Parquet
file is read. Batches are read one at a time, so a big file is never held whole. "Line" numbers
in messages are row numbers, counted from 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..model import Call, InputError
from .records import build_call
from .roles import RecordError, RoleMap
from .table import cell_text, read_table, resolve_headers

__all__ = ["read_parquet", "read_parquet_groups", "NEEDS_PYARROW"]

NEEDS_PYARROW = (
    "reading .parquet files needs pyarrow, which is not installed: "
    "pip install 'qa-check[parquet]' (the `parquet` extra)"
)
BATCH_ROWS = 4096


def read_parquet(path: Path, roles: RoleMap) -> Iterator[Call | InputError]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        yield InputError(str(path), None, NEEDS_PYARROW)
        return
    try:
        file = pq.ParquetFile(path)
        names = list(file.schema_arrow.names)
    except (pa.ArrowException, OSError, ValueError) as exc:
        yield InputError(str(path), None, f"not a readable Parquet file: {exc}")
        return

    def rows() -> Iterator[dict]:
        try:
            for batch in file.iter_batches(batch_size=BATCH_ROWS):
                yield from batch.to_pylist()
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise RecordError(f"Parquet data cannot be read: {exc}") from None

    ours = _names(names, roles)
    if "turns" in ours:
        yield from _call_rows(path, names, ours, rows(), roles)
    else:
        try:
            yield from read_table(path, names, ((i, [row[n] for n in names]) for i, row in enumerate(rows(), 1)), roles)
        except RecordError as exc:
            yield InputError(str(path), None, str(exc))


def read_parquet_groups(
    source,
    roles: RoleMap,
    groups: tuple[int, ...],
    first_row: int,
    name: str | None = None,
    skip: int = 0,
    take: int = 0,
    key: tuple | None = None,
) -> Iterator[Call | InputError]:
    """The calls of row groups `groups` of a one-row-a-call Parquet file (`source`: a path, an
    open binary file or a function that opens one; `name` what messages call it), numbered from
    `first_row`: the same items `read_parquet` gives for those rows (`units.Slice`, read where it
    is audited). With `skip` and `take`: only `take` rows (0: all) after the first `skip` of those
    groups: the groups are decoded whole, and kept (the last ones read) for the next pieces of
    them this process reads, but only these rows become Python objects. What identifies the
    groups for that: a local file's path, size and time, or `key` (a remote file's, see
    `units.read_slice`); without either, nothing is kept."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    name = name or str(source)
    key = _key(source, groups) if key is None else (*key, groups)
    table = _DECODED["table"] if key is not None and _DECODED.get("key") == key else None
    if table is None:
        try:
            file = pq.ParquetFile(source() if callable(source) else source)
        except (pa.ArrowException, OSError, ValueError) as exc:
            yield InputError(name, None, f"not a readable Parquet file: {exc}")
            return
        try:
            table = file.read_row_groups(list(groups))
        except (pa.ArrowException, OSError, ValueError) as exc:
            yield InputError(name, first_row, f"Parquet data cannot be read: {exc}")
            return
        if key is not None:
            _DECODED.update(key=key, table=table)
    names = list(table.schema.names)
    part = table.slice(skip, take) if take else table.slice(skip)

    def rows() -> Iterator[dict]:
        for batch in part.to_batches(max_chunksize=BATCH_ROWS):
            yield from batch.to_pylist()

    yield from _call_rows(name, names, _names(names, roles), rows(), roles, first_row - 1)


def _key(source, groups: tuple[int, ...]) -> tuple | None:
    """What identifies row groups of a local file (its size and time too: a file rewritten
    between two reads is read again); None for an open file."""
    if not isinstance(source, (str, Path)):
        return None
    try:
        stat = Path(source).stat()
    except OSError:
        return None
    return str(source), stat.st_size, stat.st_mtime_ns, groups


# The row groups this process decoded last: a big row group is audited in pieces (`units.Slice`),
# and the pieces a process gets mostly follow each other, so it decodes each group about once.
_DECODED: dict = {}


def _names(keys: list[str], roles: RoleMap) -> list[str]:
    """Our name for each column or struct field (a `turns` column keeps its name)."""
    names, _ = resolve_headers(keys, roles.columns)
    return [
        "turns" if k.strip().lower() == "turns" or roles.columns.get(k) == "turns" else n for k, n in zip(keys, names)
    ]


def _call_rows(
    path: Path | str, names: list[str], ours: list[str], rows: Iterator[dict], roles: RoleMap, before: int = 0
) -> Iterator[Call | InputError]:
    """`before`: rows of the file ahead of `rows` (a slice of its row groups)."""
    source = str(path)
    if "call_id" not in ours:
        yield InputError(
            source,
            None,
            f"a Parquet file with a `turns` column needs a call_id column too; columns found: "
            f"{', '.join(names)} (map one with the scheme's `columns: {{call_id: …}}`)",
        )
        return
    fields: dict[tuple, list[str]] = {}  # struct keys -> our names, worked out once per key set
    row_no = before
    try:
        for row_no, row in enumerate(rows, before + 1):
            record = {}
            metadata = {}
            for key, name in zip(names, ours):
                value = row[key]
                if name == "turns":
                    record["turns"] = _turns(value, fields, roles)
                elif name in ("call_id", "agent_id", "agent_name", "team", "started_at", "direction"):
                    record[name] = cell_text(value)
                elif value is not None:
                    metadata[name] = value
            record["metadata"] = metadata
            try:
                yield build_call(record, roles, source, row_no)
            except RecordError as exc:
                call_id = record.get("call_id")
                yield InputError(
                    source, exc.line or row_no, str(exc), call_id=str(call_id) if call_id is not None else None
                )
    except RecordError as exc:
        yield InputError(source, row_no + 1, str(exc))


def _turns(value, fields: dict, roles: RoleMap):
    if not isinstance(value, list):
        return value  # build_call says what is wrong with it
    first = value[0] if value else None
    if isinstance(first, dict) and list(first) == _our_names(tuple(first), fields, roles):
        # The struct's fields are our names already (`speaker`, `text`, …): every turn of an
        # Arrow list of structs has the same ones, so the dicts are taken as they are.
        return value
    out = []
    for turn in value:
        if not isinstance(turn, dict):
            out.append(turn)
            continue
        keys = tuple(turn)
        out.append({name: turn[key] for key, name in zip(keys, _our_names(keys, fields, roles))})
    return out


def _our_names(keys: tuple, fields: dict, roles: RoleMap) -> list[str]:
    """Our name for each of a turn struct's fields, worked out once per key set (`fields`)."""
    names = fields.get(keys)
    if names is None:
        names = fields[keys] = resolve_headers(list(keys), roles.columns)[0]
    return names
