"""A batch audit: read → evaluate → score → report, streamed, one call per unit of work.

Calls flow through a process pool in input order (`pool.OrderedPool`), so `--jobs N` writes the
same reports as `--jobs 1`. Every worker loads and compiles the scheme once.

Every item written is journaled in the temporary report folder; `resume=True` continues the run an
interruption left behind (see `checker/resume.py`).
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TextIO

from .engine import audit_call
from .model import AGENT, CUSTOMER, Call, CallResult, InputError, Turn
from .pool import OrderedPool
from .read import RawLine, parse_raw_line, read_paths
from .progress import with_progress
from .report import ReportOptions, write_reports
from .report.base import WRITERS, turn_context
from .resume import Journal, Leftover, check_compatible, find_leftover, fingerprint, leftover_folders, remove_folder, replay
from .scheme import Scheme, load_scheme
from .segment import preload_dictionary

__all__ = ["AuditSummary", "run_audit", "audit_stream"]


MAX_ERRORS_KEPT = 1000


@dataclass
class AuditSummary:
    calls_in: int = 0
    audited: int = 0
    rejected: int = 0  # records and files that could not be read
    passed: int = 0
    fatal: int = 0
    findings: int = 0
    errors: list[InputError] = field(default_factory=list)  # the first MAX_ERRORS_KEPT; errors.csv has all

    @property
    def exit_code(self) -> int:
        return 2 if self.rejected else 0


def run_audit(
    paths: list[Path],
    scheme_path: Path,
    out: Path,
    jobs: int = 1,
    segmenter: str | None = None,
    log: TextIO | None = None,
    scheme: Scheme | None = None,
    calls_meta: Path | None = None,
    report_options: ReportOptions | None = None,
    resume: bool = False,
) -> AuditSummary:
    """Audit every call under `paths` into `out`; the scheme must already be known valid.

    With `resume`, continue the run an interruption left behind for `out` (or start afresh, saying
    so, when there is none); raises `resume.ResumeRefused` when that run's scheme, inputs or
    options differ from these.
    """
    log = log if log is not None else sys.stderr  # looked up now: a test or caller may have replaced it
    scheme = scheme or load_scheme(scheme_path)
    summary = AuditSummary()
    options = report_options or ReportOptions()
    header = fingerprint(paths, scheme_path, calls_meta, {
        "segmenter": segmenter,
        "agent_channel": scheme.roles.agent_channel,
        "report": asdict(options),
    })
    leftover: Leftover | None = None
    if resume:
        leftover = find_leftover(out)
        if leftover is None:
            print(f"--resume: no interrupted run of {out} to continue; starting a fresh run", file=log)
        else:
            check_compatible(leftover, header)
            print(f"--resume: continuing the run interrupted in {leftover.folder}: "
                  f"{len(leftover.entries)} item(s) already done", file=log)
    elif leftover_folders(out):
        print(f"note: an interrupted run of {out} was left in {leftover_folders(out)[0]}; "
              "`qa-check audit --resume` would have continued it. Starting afresh.", file=log)
    journal = Journal(header)

    def counted(items: Iterable[CallResult | InputError]) -> Iterator[CallResult | InputError]:
        for item in items:
            if isinstance(item, InputError):
                summary.rejected += 1
                if len(summary.errors) < MAX_ERRORS_KEPT:  # memory stays flat on a batch of garbage
                    summary.errors.append(item)
                print(f"error: {item}", file=log)
            else:
                summary.audited += 1
                summary.passed += item.passed
                summary.fatal += item.fatal
                summary.findings += len(item.findings)
            yield item

    items = audit_stream(paths, scheme, scheme_path, jobs, segmenter, calls_meta, leftover, turn_context(WRITERS.values()))
    try:
        write_reports(out, scheme, counted(with_progress(items, paths, log)), options=options, journal=journal)
    except (KeyboardInterrupt, SystemExit):
        where = journal.path.parent if journal.path else None
        print(f"interrupted after {journal.count} item(s): {out} is unchanged"
              + (f"; `qa-check audit --resume` (same paths, scheme and --out) continues from {where}" if where else ""),
              file=log)
        raise
    finally:
        items.close()  # stops the worker pool now, not when the generator is collected
    if leftover is not None:
        remove_folder(leftover.folder)
    summary.calls_in = summary.audited + summary.rejected
    return summary


def audit_stream(
    paths: list[Path], scheme: Scheme, scheme_path: Path, jobs: int = 1, segmenter: str | None = None,
    calls_meta: Path | None = None, leftover: Leftover | None = None, turn_context: int | None = None,
) -> Iterator[CallResult | InputError]:
    """CallResults and InputErrors in input order.

    With `leftover` (an interrupted run's journal), its items come first, rebuilt from the journal
    and the re-read input without being audited again; its folder is removed once they are out.

    With `jobs` > 1 the parent only reads: JSON Lines records go to the workers as raw lines
    (`RawLine`), which parse, validate and audit them; every other input is parsed here. Each unit
    read becomes exactly one output item, so order, file:line errors and the resume prefix hold.
    With `turn_context` (what the writers declare they read, see `ReportWriter.turn_context`), a
    worker sends back only the turns within that many turns of a finding, the others elided, which
    keeps what the parent unpickles small.
    """
    roles = scheme.roles
    unique = _Unique()
    units = read_paths(paths, roles, calls_meta, raw=jobs > 1)
    if leftover is not None:
        parsed = (parse_raw_line(u, roles) if isinstance(u, RawLine) else u for u in units)
        yield from replay((unique(item) for item in parsed), leftover)
        remove_folder(leftover.folder)  # every replayed item is in the new journal by now
    if jobs <= 1:
        for item in units:
            item = unique(item)
            yield item if isinstance(item, InputError) else audit_call(item, scheme, segmenter)
        return
    if "fork" in mp.get_all_start_methods():  # OrderedPool forks where it can
        _WORKER["scheme"] = scheme  # forked workers inherit the compiled scheme
        _preload(scheme, segmenter)  # … and what it loads lazily, rather than each loading it again
    with OrderedPool(jobs, _work_chunk, _init_worker, (str(scheme_path), segmenter, roles, turn_context)) as pool:
        for chunk in pool.map(_chunks(units, CHUNK)):
            for item in chunk:
                yield unique(item)


CHUNK = 16  # units per task: large enough to amortise a round trip, small enough to keep order cheap


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Unique:
    """A call id seen twice is an input error: the second copy is rejected, not reported twice.

    Applied to each item in input order, whether a Call (read here) or a CallResult (a worker read
    and audited it), so the same copy is rejected either way, with the same message."""

    def __init__(self) -> None:
        # call id -> where it was first seen, packed into one int (source number, line): a string
        # per call would cost ~80 bytes more a call, which adds up over a million calls.
        self.seen: dict[str, int] = {}
        self.sources: dict[str, int] = {}
        self.names: list[str] = []

    def __call__(self, item):
        if isinstance(item, InputError):
            return item
        call = item.call if isinstance(item, CallResult) else item
        first = self.seen.get(call.call_id)
        if first is not None:
            source, line = self.names[first >> 32], first & 0xFFFFFFFF
            where = f"{source}:{line}" if line else source
            return InputError(str(call.source), call.line, f"duplicate call_id {call.call_id!r} (first at {where})",
                              call.call_id)
        name = str(call.source)
        index = self.sources.get(name)
        if index is None:
            index = self.sources[name] = len(self.names)
            self.names.append(name)
        self.seen[call.call_id] = index << 32 | ((call.line or 0) & 0xFFFFFFFF)
        return item


_WORKER: dict = {}
ELIDED = Turn("", "")  # stands for a turn no writer reads (see `turn_context`)


def _preload(scheme: Scheme, segmenter: str | None) -> None:
    """Load here, once, the tables that auditing loads on first use (the segmenter's dictionary,
    OpenCC, jieba's word frequencies for sub-division), so that forked workers share them."""
    warm = Call("warm-up", (Turn(AGENT, "您好，请问有什么可以帮您？我们的服务热线为您服务。"), Turn(CUSTOMER, "謝謝你們")))
    audit_call(warm, scheme, segmenter)
    preload_dictionary()


def _init_worker(scheme_path: str, segmenter: str | None, roles, turn_context: int | None) -> None:
    # The parent handles Ctrl-C (it stops the pool); a terminal's SIGINT goes to the whole group.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if "scheme" not in _WORKER:
        _WORKER["scheme"] = load_scheme(scheme_path)
    _WORKER["segmenter"] = segmenter
    _WORKER["roles"] = roles
    _WORKER["context"] = turn_context


def _work_chunk(units: list) -> list[CallResult | InputError]:
    scheme, segmenter, roles, context = _WORKER["scheme"], _WORKER["segmenter"], _WORKER["roles"], _WORKER["context"]
    out = []
    for unit in units:
        item = parse_raw_line(unit, roles) if isinstance(unit, RawLine) else unit
        if not isinstance(item, InputError):
            item = audit_call(item, scheme, segmenter)
            if context is not None:
                item = _elide_turns(item, context)
        out.append(item)
    return out


def _elide_turns(result: CallResult, context: int) -> CallResult:
    """`result` with every turn farther than `context` turns from a finding's turn replaced by
    ELIDED: the turn count and indices stay, the text no writer reads is not sent back."""
    turns = result.call.turns
    keep = set()
    for f in result.findings:
        if f.turn is not None:
            keep.update(range(max(0, f.turn - context), min(len(turns), f.turn + context + 1)))
    if len(keep) == len(turns):
        return result
    slim = tuple(t if i in keep else ELIDED for i, t in enumerate(turns))
    return replace(result, call=replace(result.call, turns=slim))


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
