"""The SPEC's tabular outputs: findings.jsonl/.csv, calls.csv, errors.csv (agents.csv and the
other summaries are built from these by `summary.py`).

CSV files carry a UTF-8 BOM so that Excel opens the Chinese text correctly on double-click.
Text fields are masked for personal data unless the run says `mask=False` (`--no-mask`).
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from ..model import CallResult, Finding, InputError
from .base import ReportOptions, ReportWriter, register
from .mask import mask_finding_record, mask_text

FINDING_COLUMNS = [
    "call_id", "agent_id", "rule_id", "kind", "section", "severity", "turn", "speaker", "start",
    "matched", "excerpt", "message", "suggest", "deduct", "fatal",
]
ERROR_COLUMNS = ["file", "line", "call_id", "reason"]


class CsvWriter(ReportWriter):
    filename: str
    columns: list[str]
    turn_context = 0  # masking re-cuts a finding's excerpt from its own turn

    def __init__(self, folder: Path, scheme, options: ReportOptions | None = None) -> None:
        super().__init__(folder, scheme, options)
        self._fh = (folder / self.filename).open("w", encoding="utf-8-sig", newline="")
        self._csv = csv.DictWriter(self._fh, fieldnames=self.columns, extrasaction="ignore")
        self._csv.writeheader()

    def row(self, record: dict) -> None:
        self._csv.writerow({k: _cell(v) for k, v in record.items()})

    def close(self) -> None:
        self._fh.close()


def finding_record(f: Finding, result: CallResult, options: ReportOptions) -> dict:
    """The findings.csv/.jsonl row of a finding, masked unless the run says not to."""
    return mask_finding_record(f, result.call) if options.mask else f.to_record()


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


@register
class FindingsCsv(CsvWriter):
    name = "findings.csv"
    filename = "findings.csv"
    columns = FINDING_COLUMNS

    def add(self, result: CallResult) -> None:
        for f in result.findings:
            self.row(finding_record(f, result, self.options))


@register
class FindingsJsonl(ReportWriter):
    name = "findings.jsonl"
    turn_context = 0

    def __init__(self, folder: Path, scheme, options: ReportOptions | None = None) -> None:
        super().__init__(folder, scheme, options)
        self._fh = (folder / "findings.jsonl").open("w", encoding="utf-8")

    def add(self, result: CallResult) -> None:
        for f in result.findings:
            self._fh.write(json.dumps(finding_record(f, result, self.options), ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._fh.close()


@register
class CallsCsv(CsvWriter):
    name = "calls.csv"
    filename = "calls.csv"
    columns = [
        "call_id", "agent_id", "agent_name", "team", "started_at", "score", "passed", "fatal",
        "findings", "not_applicable", "customer_dialect",
    ]

    def add(self, result: CallResult) -> None:
        self.row(result.to_record())


@register
class ErrorsCsv(CsvWriter):
    name = "errors.csv"
    filename = "errors.csv"
    columns = ERROR_COLUMNS

    def add(self, result: CallResult) -> None:
        pass

    def add_error(self, error: InputError) -> None:
        record = error.to_record()
        if self.options.mask:
            record["reason"] = mask_text(record["reason"])
        self.row(record)
