"""The SPEC's tabular outputs: findings.jsonl/.csv, calls.csv, agents.csv, errors.csv.

CSV files carry a UTF-8 BOM so that Excel opens the Chinese text correctly on double-click.
"""
from __future__ import annotations

import csv
import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..model import CallResult, InputError
from .base import ReportWriter, register

FINDING_COLUMNS = [
    "call_id", "agent_id", "rule_id", "kind", "section", "severity", "turn", "speaker", "start",
    "matched", "excerpt", "message", "suggest", "deduct", "fatal",
]
ERROR_COLUMNS = ["file", "line", "call_id", "reason"]


class CsvWriter(ReportWriter):
    filename: str
    columns: list[str]

    def __init__(self, folder: Path, scheme) -> None:
        super().__init__(folder, scheme)
        self._fh = (folder / self.filename).open("w", encoding="utf-8-sig", newline="")
        self._csv = csv.DictWriter(self._fh, fieldnames=self.columns, extrasaction="ignore")
        self._csv.writeheader()

    def row(self, record: dict) -> None:
        self._csv.writerow({k: _cell(v) for k, v in record.items()})

    def close(self) -> None:
        self._fh.close()


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
            self.row(f.to_record())


@register
class FindingsJsonl(ReportWriter):
    name = "findings.jsonl"

    def __init__(self, folder: Path, scheme) -> None:
        super().__init__(folder, scheme)
        self._fh = (folder / "findings.jsonl").open("w", encoding="utf-8")

    def add(self, result: CallResult) -> None:
        for f in result.findings:
            self._fh.write(json.dumps(f.to_record(), ensure_ascii=False) + "\n")

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
        self.row(error.to_record())


@dataclass
class _AgentTally:
    agent_name: str | None = None
    team: str | None = None
    scores: list[float] = field(default_factory=list)
    passed: int = 0
    fatal: int = 0
    findings: int = 0
    rules: Counter = field(default_factory=Counter)


@register
class AgentsCsv(CsvWriter):
    """One row per agent; holds only a few numbers per call, never the calls themselves."""

    name = "agents.csv"
    filename = "agents.csv"
    columns = [
        "agent_id", "agent_name", "team", "calls", "mean_score", "median_score", "pass_rate",
        "fatal_calls", "findings", "findings_per_100_calls", "top_rules",
    ]

    def __init__(self, folder: Path, scheme) -> None:
        super().__init__(folder, scheme)
        self._agents: dict[str, _AgentTally] = {}

    def add(self, result: CallResult) -> None:
        call = result.call
        tally = self._agents.setdefault(call.agent_id or "", _AgentTally())
        tally.agent_name = tally.agent_name or call.agent_name
        tally.team = tally.team or call.team
        tally.scores.append(result.score)
        tally.passed += result.passed
        tally.fatal += result.fatal
        tally.findings += len(result.findings)
        tally.rules.update(f.rule_id for f in result.findings)

    def close(self) -> None:
        for agent_id in sorted(self._agents):
            t = self._agents[agent_id]
            n = len(t.scores)
            self.row({
                "agent_id": agent_id or "(unknown)",
                "agent_name": t.agent_name,
                "team": t.team,
                "calls": n,
                "mean_score": round(statistics.fmean(t.scores), 2),
                "median_score": round(statistics.median(t.scores), 2),
                "pass_rate": round(t.passed / n, 4),
                "fatal_calls": t.fatal,
                "findings": t.findings,
                "findings_per_100_calls": round(100 * t.findings / n, 1),
                "top_rules": ";".join(f"{rule}({count})" for rule, count in t.rules.most_common(3)),
            })
        super().close()
