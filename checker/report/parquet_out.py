"""`calls.parquet` and `findings.parquet`: the calls and findings tables with typed columns, beside
the CSVs, for a data lake's tools (pandas, Spark, DuckDB, Dask) to read without parsing text.

calls.parquet: one row a call, as calls.csv, its columns typed (score float64, passed and fatal
bool, findings int32, not_applicable a list of rule ids). Workers render each call's row as a
tuple of values (no formula guard: that is a spreadsheet's concern, not Parquet's); this process
writes a row group every `ROW_GROUP` calls, so the file's bytes do not depend on how the run was
cut into chunks, nor on the engine. findings.parquet: findings.jsonl (masked as it is) converted
when the run closes, by Arrow's own JSON reader with the column types given, a block at a time.

pyarrow is imported here only when the report folder is written; without it both files are left
out, said once on stderr.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from ..model import CallResult
from .base import ReportOptions, ReportWriter, register

__all__ = ["ParquetTables", "CALL_COLUMNS", "NO_PYARROW"]

ROW_GROUP = 10_000  # calls a row group of calls.parquet: a few MB held at once, and still big reads for a reader
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
    runs_last = True  # findings.parquet is made from findings.jsonl once that is closed
    turn_context = 0  # reads no turn

    @classmethod
    def render(cls, result: CallResult, scheme, options: ReportOptions):
        return cls.render_many([result], scheme, options)[0]

    @classmethod
    def render_many(cls, results: list[CallResult], scheme, options: ReportOptions, memo: dict | None = None):
        if not HAVE_PYARROW:
            return ()
        return [
            (
                r.call.call_id,
                r.call.agent_id,
                r.call.agent_name,
                r.call.team,
                r.call.started_at,
                float(r.score),
                bool(r.passed),
                bool(r.fatal),
                len(r.findings),
                list(r.not_applicable),
                r.extra.get("customer_dialect"),
            )
            for r in results
        ]

    def __init__(self, folder: Path, scheme, options: ReportOptions | None = None) -> None:
        super().__init__(folder, scheme, options)
        self._rows: list[tuple] = []
        self._calls: Any = None  # a pyarrow ParquetWriter once the first rows come
        try:
            import pyarrow
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            print(NO_PYARROW, file=sys.stderr)
            self.ok = False
            return
        self.ok = HAVE_PYARROW

    def add_many(self, part) -> None:
        if self.ok and part:
            self._rows.extend(part)
            if len(self._rows) >= ROW_GROUP:
                self._flush(ROW_GROUP)

    def add_rendered(self, part) -> None:
        self.add_many([part] if part else ())

    def add(self, result: CallResult) -> None:
        self.add_many(self.render_many([result], self.scheme, self.options))

    def _flush(self, size: int | None = None) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = _schema(CALL_COLUMNS)
        if self._calls is None:
            self._calls = pq.ParquetWriter(self.folder / "calls.parquet", schema)
        writer = self._calls
        while self._rows and (size is None or len(self._rows) >= size):
            take = self._rows[:size] if size else self._rows
            columns = list(zip(*take))
            writer.write_table(
                pa.Table.from_arrays(
                    [pa.array(col, type=field.type) for col, field in zip(columns, schema)], schema=schema
                )
            )
            del self._rows[: len(take)]

    def close(self) -> None:
        if not self.ok:
            return
        import pyarrow.parquet as pq

        self._flush()
        if self._calls is None:  # no call: the file still says what its columns are
            pq.write_table(_schema(CALL_COLUMNS).empty_table(), self.folder / "calls.parquet")
        else:
            self._calls.close()
        findings_parquet(self.folder / "findings.jsonl", self.folder / "findings.parquet")


def findings_parquet(jsonl: Path, target: Path) -> None:
    """`jsonl` (findings.jsonl) as Parquet with FINDING_COLUMNS' types, `FINDINGS_AT_ONCE` lines at
    a time, each parsed by Arrow's JSON reader on its own: its streaming reader's memory grew with
    the file (+230 MB on a 135 MB file), this stays flat (measured: the same peak for 37 and 135 MB)."""
    from itertools import islice

    import pyarrow as pa
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    schema = _schema(FINDING_COLUMNS)
    if not jsonl.is_file():  # findings.jsonl not asked for (`write_reports(writers=…)`): no rows to give
        pq.write_table(schema.empty_table(), target)
        return
    parse = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    with jsonl.open("rb") as fh, pq.ParquetWriter(target, schema) as out:
        wrote = False
        while lines := list(islice(fh, FINDINGS_AT_ONCE)):
            data = b"".join(lines)
            read = pj.ReadOptions(use_threads=False, block_size=len(data) + 1)  # one block: any line fits
            out.write_table(pj.read_json(pa.BufferReader(data), read_options=read, parse_options=parse))
            wrote = True
        if not wrote:  # no finding: the file still says what its columns are
            out.write_table(schema.empty_table())


FINDINGS_AT_ONCE = 10_000  # findings.jsonl lines converted at once (~4 MB)
