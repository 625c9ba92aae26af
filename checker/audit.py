"""A batch audit: read → evaluate → score → report, streamed, one call per unit of work.

Calls flow through a process pool in input order (`imap` keeps it), so `--jobs N` writes the
same reports as `--jobs 1`. Every worker loads and compiles the scheme once.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .engine import audit_call
from .model import Call, CallResult, InputError
from .read import read_paths
from .progress import with_progress
from .report import ReportOptions, write_reports
from .scheme import Scheme, load_scheme

__all__ = ["AuditSummary", "run_audit", "audit_stream"]


@dataclass
class AuditSummary:
    calls_in: int = 0
    audited: int = 0
    rejected: int = 0  # records and files that could not be read
    passed: int = 0
    fatal: int = 0
    findings: int = 0
    errors: list[InputError] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 2 if self.rejected else 0


def run_audit(
    paths: list[Path],
    scheme_path: Path,
    out: Path,
    jobs: int = 1,
    segmenter: str | None = None,
    log: TextIO = sys.stderr,
    scheme: Scheme | None = None,
    calls_meta: Path | None = None,
    report_options: ReportOptions | None = None,
) -> AuditSummary:
    """Audit every call under `paths` into `out`; the scheme must already be known valid."""
    scheme = scheme or load_scheme(scheme_path)
    summary = AuditSummary()

    def counted(items: Iterable[CallResult | InputError]) -> Iterator[CallResult | InputError]:
        for item in items:
            if isinstance(item, InputError):
                summary.rejected += 1
                summary.errors.append(item)
                print(f"error: {item}", file=log)
            else:
                summary.audited += 1
                summary.passed += item.passed
                summary.fatal += item.fatal
                summary.findings += len(item.findings)
            yield item

    items = audit_stream(paths, scheme, scheme_path, jobs, segmenter, calls_meta)
    write_reports(out, scheme, counted(with_progress(items, paths, log)), options=report_options)
    summary.calls_in = summary.audited + summary.rejected
    return summary


def audit_stream(
    paths: list[Path], scheme: Scheme, scheme_path: Path, jobs: int = 1, segmenter: str | None = None,
    calls_meta: Path | None = None,
) -> Iterator[CallResult | InputError]:
    """CallResults and InputErrors in input order."""
    records = _unique(read_paths(paths, scheme.roles, calls_meta))
    if jobs <= 1:
        for item in records:
            yield item if isinstance(item, InputError) else audit_call(item, scheme, segmenter)
        return
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    if ctx.get_start_method() == "fork":
        _WORKER["scheme"] = scheme  # forked workers inherit the compiled scheme
    with ctx.Pool(jobs, initializer=_init_worker, initargs=(str(scheme_path), segmenter)) as pool:
        # Errors ride along the pool untouched so that the output order is the input order.
        yield from pool.imap(_work, records, chunksize=16)


def _unique(items: Iterable[Call | InputError]) -> Iterator[Call | InputError]:
    """A call id seen twice is an input error: the second copy is rejected, not audited twice."""
    seen: dict[str, str] = {}
    for item in items:
        if isinstance(item, Call):
            where = f"{item.source}:{item.line}" if item.line else str(item.source)
            if item.call_id in seen:
                yield InputError(str(item.source), item.line, f"duplicate call_id {item.call_id!r} (first at {seen[item.call_id]})", item.call_id)
                continue
            seen[item.call_id] = where
        yield item


_WORKER: dict = {}


def _init_worker(scheme_path: str, segmenter: str | None) -> None:
    if "scheme" not in _WORKER:
        _WORKER["scheme"] = load_scheme(scheme_path)
    _WORKER["segmenter"] = segmenter


def _work(item: Call | InputError) -> CallResult | InputError:
    if isinstance(item, InputError):
        return item
    return audit_call(item, _WORKER["scheme"], _WORKER["segmenter"])


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
