"""`calls.parquet` and `findings.parquet`: the calls and findings tables with typed columns, beside
the CSVs, for a data lake's tools (pandas, Spark, DuckDB, Dask) to read without parsing text.

calls.parquet: one row a call, as calls.csv, its columns typed (score float64, passed and fatal
bool, findings int32, not_applicable a list of rule ids); findings.parquet: one row a finding, as
findings.jsonl (masked as it is: the same records, `tables.finding_records`).

Partitions made where the calls are audited, joined here. `render_many` runs where a chunk is
audited (a Dask worker, a local worker, or this process with `--jobs 1`: one code path) and
makes each run's rows of both tables as Arrow record batches, sent as Arrow IPC bytes (a
buffer copy each way; pickling the batch costs ~15x more). This process only appends them and
cuts row groups: every `ROW_GROUP` calls and `FINDINGS_GROUP` findings, counted over the whole
run, so the files are the same bytes whatever the engine, the workers and the chunking. Why not
part files written by the workers into the report folder, joined at the end: a cluster's
workers need not share a disk with the client, and a part file a chunk would make the row
groups (and the bytes) follow the chunking, while re-cutting them at the end reads everything
twice. Joining batches in chunk order as they arrive costs the client no Python work per row.

pyarrow is imported here only when the report folder is written; without it both files are left
out, said once on stderr.
"""

from __future__ import annotations

import importlib.util
import sys
from operator import itemgetter
from pathlib import Path
from typing import Any

from ..model import CallResult
from .base import ReportOptions, ReportWriter, register
from .tables import finding_records

__all__ = ["ParquetTables", "CALL_COLUMNS", "NO_PYARROW"]

NO_PYARROW = "note: calls.parquet and findings.parquet not written: they need pyarrow (pip install 'qa-check[parquet]')"
# Looked for, not imported: a worker renders rows only when this process will write them.
HAVE_PYARROW = importlib.util.find_spec("pyarrow") is not None

CALL_COLUMNS = [
    ("call_id", "string"),
    ("agent_id", "string"),
    ("agent_name", "string"),
    ("team", "string"),
    ("started_at", "string"),
    ("score", "float64"),
    ("passed", "bool"),
    ("fatal", "bool"),
    ("findings", "int32"),
    ("not_applicable", "list<string>"),
    ("customer_dialect", "string"),
]
FINDING_COLUMNS = [
    ("call_id", "string"),
    ("agent_id", "string"),
    ("rule_id", "string"),
    ("kind", "string"),
    ("section", "string"),
    ("severity", "string"),
    ("turn", "int32"),
    ("speaker", "string"),
    ("start", "float64"),
    ("matched", "string"),
    ("excerpt", "string"),
    ("message", "string"),
    ("suggest", "string"),
    ("deduct", "float64"),
    ("fatal", "bool"),
    ("how", "string"),
]


def _schema(columns):
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
        "int32": pa.int32(),
        "list<string>": pa.list_(pa.string()),
    }
    return pa.schema([(name, types[kind]) for name, kind in columns])


@register
class ParquetTables(ReportWriter):
    name = "parquet"
    turn_context = 0  # reads no turn

    @classmethod
    def render(cls, result: CallResult, scheme, options: ReportOptions):
        return cls.render_many([result], scheme, options)

    @classmethod
    def render_many(cls, results: list[CallResult], scheme, options: ReportOptions, memo: dict | None = None):
        """The run's calls rows and findings rows, each an Arrow IPC record batch (bytes; None
        for a run without findings); () when pyarrow is not installed."""
        if not HAVE_PYARROW:
            return ()
        calls = [
            [r.call.call_id for r in results],
            [r.call.agent_id for r in results],
            [r.call.agent_name for r in results],
            [r.call.team for r in results],
            [r.call.started_at for r in results],
            [float(r.score) for r in results],
            [bool(r.passed) for r in results],
            [bool(r.fatal) for r in results],
            [len(r.findings) for r in results],
            [list(r.not_applicable) for r in results],
            [r.extra.get("customer_dialect") for r in results],
        ]
        records = [record for r in results for record in finding_records(r, options)]
        findings = list(zip(*map(_FINDING_VALUES, records)))  # a tuple of values a column
        return _batch(calls, _schemas()[0]), _batch(findings, _schemas()[1]) if findings else None

    def __init__(self, folder: Path, scheme, options: ReportOptions | None = None) -> None:
        super().__init__(folder, scheme, options)
        try:
            import pyarrow
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            print(NO_PYARROW, file=sys.stderr)
            self.ok = False
            return
        self.ok = HAVE_PYARROW
        if self.ok:
            calls, findings = _schemas()
            self._calls = _Joined(folder / "calls.parquet", calls, ROW_GROUP)
            self._findings = _Joined(folder / "findings.parquet", findings, FINDINGS_GROUP)

    def add_many(self, part) -> None:
        if not self.ok:
            return
        if not part:  # a run has at least one call: its rows were not made where it was audited
            raise RuntimeError(f"no Parquet rows came with a run of calls: {NO_PYARROW_THERE}")
        calls, findings = part
        self._calls.add(calls)
        if findings is not None:
            self._findings.add(findings)

    add_rendered = add_many  # a call's part has the shape of a run's

    def add(self, result: CallResult) -> None:
        self.add_many(self.render_many([result], self.scheme, self.options))

    def close(self) -> None:
        if self.ok:
            self._calls.close()
            self._findings.close()


_FINDING_VALUES = itemgetter(*[name for name, _ in FINDING_COLUMNS])  # a finding record's, in column order
NO_PYARROW_THERE = "is pyarrow installed where the calls are audited (the Dask workers)?"


def _schemas():
    """(calls.parquet's, findings.parquet's) Arrow schemas, made once a process."""
    if not _SCHEMAS:
        _SCHEMAS.extend([_schema(CALL_COLUMNS), _schema(FINDING_COLUMNS)])
    return _SCHEMAS


_SCHEMAS: list = []


def _batch(columns: list, schema) -> bytes:
    """`columns` (a list of values each, in `schema`'s order) as one Arrow IPC record batch."""
    import pyarrow as pa

    arrays = [pa.array(values, type=field.type) for values, field in zip(columns, schema)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema).serialize().to_pybytes()


class _Joined:
    """One Parquet file made of record batches (IPC bytes) taken in order, written a row group
    every `group` rows: the cut depends on the row count only, never on the batches."""

    def __init__(self, path: Path, schema, group: int) -> None:
        self.path, self.schema, self.group = path, schema, group
        self._pending: list = []  # record batches not written yet
        self._rows = 0
        self._writer: Any = None

    def add(self, data: bytes) -> None:
        import pyarrow as pa

        batch = pa.ipc.read_record_batch(pa.py_buffer(data), self.schema)
        self._pending.append(batch)
        self._rows += batch.num_rows
        if self._rows >= self.group:
            self._flush(final=False)

    def _flush(self, final: bool) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, self.schema)
        table = pa.Table.from_batches(self._pending, schema=self.schema)
        at = 0
        while self._rows - at >= self.group or (final and at < self._rows):
            take = min(self.group, self._rows - at)
            # One contiguous chunk a column, as if the group's rows had been made at once: the
            # encoded pages must not follow the batches' boundaries.
            self._writer.write_table(table.slice(at, take).combine_chunks(), row_group_size=self.group)
            at += take
        self._pending = table.slice(at).to_batches() if at < self._rows else []
        self._rows -= at

    def close(self) -> None:
        import pyarrow.parquet as pq

        if self._rows:
            self._flush(final=True)
        if self._writer is None:  # no row: the file still says what its columns are
            pq.write_table(self.schema.empty_table(), self.path)
        else:
            self._writer.close()


ROW_GROUP = 10_000  # calls a row group of calls.parquet: a few MB held at once, and still big reads for a reader
FINDINGS_GROUP = 10_000  # findings a row group of findings.parquet (~4 MB)
