"""A batch audit: plan → execute → ordered merge → report, streamed (`_audit_units`).

The units (calls, JSON Lines lines, Parquet row groups: `plan`) go to an executor (`execute`: this
process, this machine's processes, or a Dask cluster) that gives back rendered runs in input
order, so every engine and worker count writes the same reports. Every worker loads and compiles
the scheme once.

Every item written is journaled in the temporary report folder; `resume=True` continues the run an
interruption left behind (see `checker/resume.py`).
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import TextIO

from .engine import audit_calls
from .lock import output_lock
from .report.people import preload as preload_people
from .model import AGENT, CUSTOMER, Call, CallResult, InputError, SkippedFile, Turn, Turns
from .execute import Executor, InProcess, LocalProcesses
from .units import Slice, expand, is_url, local_path, plan_units
from .read import InputPathError, RawLine, check_inputs, parse_raw_line
from .progress import with_progress
from .report import ReportOptions, write_reports
from .report.base import RenderedRun, elide_turns, rendered_items
from .resume import (
    Journal,
    Leftover,
    check_compatible,
    find_leftover,
    fingerprint,
    leftover_folders,
    remove_folder,
    replay,
)
from .scheme import Scheme, load_scheme
from .report.dashboard import preload_templates
from .rules.phrases import preload_matchers
from .segment import preload_dictionary

__all__ = ["AuditSummary", "run_audit", "audit_stream"]


MAX_ERRORS_KEPT = 1000


@dataclass
class AuditSummary:
    calls_in: int = 0
    audited: int = 0
    rejected: int = 0  # records and files that could not be read
    skipped: int = 0  # files of other types in the input folders (listed, not rejected)
    passed: int = 0
    fatal: int = 0
    findings: int = 0
    rule_errors: int = 0  # rules a call could not be judged by (a regex over its time budget): errors.csv
    errors: list[InputError] = field(default_factory=list)  # the first MAX_ERRORS_KEPT; errors.csv has all

    @property
    def exit_code(self) -> int:
        return 2 if self.rejected or self.rule_errors else 0


def run_audit(
    paths: list[Path], scheme_path: Path, out: Path, *args, log: TextIO | None = None, **kwargs
) -> AuditSummary:
    """`_run_audit` holding `out`'s lock for the whole run (`lock`): raises `lock.OutputBusy`
    when another run is writing `out`; cleans up first what crashed runs of `out` left."""
    with output_lock(out, log if log is not None else sys.stderr):
        kwargs["log"] = log  # by name: mypy cannot tell that `args` stop short of `log`
        return _run_audit(paths, scheme_path, out, *args, **kwargs)


def _run_audit(
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
    engine: str = "local",
    scheduler: str | None = None,
) -> AuditSummary:
    """Audit every call under `paths` into `out`; the scheme must already be known valid.

    With `resume`, continue the run an interruption left behind for `out` (or start afresh, saying
    so, when there is none); raises `resume.ResumeRefused` when that run's scheme, inputs or
    options differ from these.
    """
    log = log if log is not None else sys.stderr  # looked up now: a test or caller may have replaced it
    # a typo or an empty folder stops here (InputPathError), before anything is written; remote
    # storage (s3://, hdfs://) is listed by the planner, which reports a missing URL as an error
    given = [local_path(p) for p in paths]
    check_inputs([p for p in given if not is_url(p)])
    if engine != "dask":
        urls = [str(p) for p in given if is_url(p)]
        if urls:  # only a Dask cluster's workers list and read remote storage (through fsspec)
            raise InputPathError(
                "\n".join(
                    f"{u}: a URL of remote storage is read by --engine dask (its workers read it through "
                    "fsspec); with --engine local give a local path, or mount the storage"
                    for u in urls
                )
            )
    scheme = scheme or load_scheme(scheme_path)
    summary = AuditSummary()
    options = report_options or ReportOptions()
    header = fingerprint(
        paths,
        scheme_path,
        calls_meta,
        {
            "segmenter": segmenter,
            "agent_channel": scheme.roles.agent_channel,
            "report": asdict(options),
        },
    )
    leftover: Leftover | None = None
    if resume:
        leftover = find_leftover(out)
        if leftover is None:
            print(f"--resume: no interrupted run of {out} to continue; starting a fresh run", file=log)
        else:
            check_compatible(leftover, header)
            print(
                f"--resume: continuing the run interrupted in {leftover.folder}: "
                f"{len(leftover.entries)} item(s) already done",
                file=log,
            )
    elif leftover_folders(out):
        print(
            f"note: an interrupted run of {out} was left in {leftover_folders(out)[0]}; "
            "`qa-check audit --resume` would have continued it. Starting afresh.",
            file=log,
        )
    journal = Journal(header)

    def counted(items: Iterable[RenderedRun | InputError]) -> Iterator[RenderedRun | InputError]:
        for item in items:
            if isinstance(item, SkippedFile):
                summary.skipped += 1
                print(item, file=log)
            elif isinstance(item, InputError):
                summary.rejected += 1
                if len(summary.errors) < MAX_ERRORS_KEPT:  # memory stays flat on a batch of garbage
                    summary.errors.append(item)
                print(f"error: {item}", file=log)
            else:
                for call in item.calls:
                    if call.rule_errors:
                        summary.rule_errors += call.rule_errors
                        print(
                            f"error: call {call.call_id}: {call.rule_errors} rule(s) not judged (see errors.csv)",
                            file=log,
                        )
                    summary.passed += call.passed
                    summary.fatal += call.fatal
                    summary.findings += call.n_findings
                summary.audited += len(item.calls)
            yield item

    _preload(scheme, segmenter)  # what auditing loads on first use, loaded before `batch_gc` freezes it
    if options.mask and jobs > 1:  # the name tagger, loaded once here and shared by the forked workers
        preload_people()
    start = None
    if engine == "dask":  # started by the audit's first step, after the writers (see `_audit_units`)
        from .dask_engine import DaskExecutor

        start = partial(DaskExecutor, scheme, scheme_path, segmenter, options, scheduler=scheduler, workers=jobs)
    items = _audit_units(paths, scheme, scheme_path, jobs, segmenter, calls_meta, leftover, options, start=start)
    try:
        with batch_gc():
            write_reports(
                out,
                scheme,
                counted(with_progress(items, paths, log, _size)),
                options=options,
                journal=journal,
            )
    except (KeyboardInterrupt, SystemExit):
        journal.flush()
        where = journal.path.parent if journal.path else None
        print(
            f"interrupted after {journal.count} item(s): {out} is unchanged"
            + (f"; `qa-check audit --resume` (same paths, scheme and --out) continues from {where}" if where else ""),
            file=log,
        )
        raise
    finally:
        items.close()  # stops the executor's workers now, not when the generator is collected
    if leftover is not None:
        remove_folder(leftover.folder)
    summary.calls_in = summary.audited + summary.rejected
    return summary


def audit_stream(
    paths: list[Path],
    scheme: Scheme,
    scheme_path: Path,
    jobs: int = 1,
    segmenter: str | None = None,
    calls_meta: Path | None = None,
    leftover: Leftover | None = None,
    turn_context: int | None = None,
) -> Iterator[CallResult | InputError]:
    """CallResults and InputErrors in input order (what a library caller or a test wants; the
    audit itself writes reports from `_audit_units`, which renders in the workers).

    With `jobs` > 1 the parent only reads (see `_audit_units`). With `turn_context`, a worker
    sends back only the turns within that many turns of a finding, the others elided."""
    yield from _audit_units(paths, scheme, scheme_path, jobs, segmenter, calls_meta, leftover, None, turn_context)


def _audit_units(
    paths: list[Path],
    scheme: Scheme,
    scheme_path: Path,
    jobs: int = 1,
    segmenter: str | None = None,
    calls_meta: Path | None = None,
    leftover: Leftover | None = None,
    render: ReportOptions | None = None,
    turn_context: int | None = None,
    start: Callable[[], Executor] | None = None,
):
    """The units read, in input order, each audited: CallResults and InputErrors, or with `render`
    (the report options) RenderedRuns (consecutive calls rendered together, where they were
    audited) and InputErrors.

    The run is a composition: plan the units (`units.plan_units`) → the executor audits chunks of
    them (`execute`: in this process, this machine's processes, or a Dask cluster's workers) →
    its results, in chunk order, pass the call-id check (`_Unique`, here and only here) → the
    caller's writers. With `leftover` (an interrupted run's journal), its items come first,
    rebuilt from the journal and the re-read input without being audited again (`resume.replay`).

    `start` makes the executor (`--engine dask`); without it, `jobs` picks one: `jobs` 1 audits
    here, more forks `jobs - 1` workers (`LocalProcesses`) once what auditing loads is loaded
    here. Either is started by the first step of the iteration, once the caller's writers are
    open: the workbook's process is forked before any executor's threads or processes exist (a
    Dask client's threads would have it spawned, ~1 s of imports). A parallel run's units leave
    this process unparsed (JSON Lines lines as `RawLine`s; Parquet row groups as `units.Slice`s, read
    by the process that audits them), and come back rendered (rows formatted and joined, text
    masked, coaching examples cut, Parquet rows as Arrow batches), which leaves this process
    appending a few strings and buffers a chunk: that is what lets the audit scale with the cores.
    """
    roles = scheme.roles
    unique = _Unique()
    parallel = jobs > 1 or start is not None
    executor: Executor | None = None
    if start is not None:
        executor = start()
    elif parallel:
        executor = _local_processes(scheme, scheme_path, jobs, segmenter, render, turn_context)
    remote = executor is not None and executor.reads_remotely and leftover is None
    if executor is not None and remote and not executor.reads_urls and any(is_url(local_path(p)) for p in paths):
        remote = False  # URLs read as `--jobs 1` reads them: the same reports whatever the jobs
    slice_rows = executor.slice_rows if executor is not None else None
    units = plan_units(paths, roles, calls_meta, raw=parallel, remote=remote, slice_rows=slice_rows)
    memo: dict = {}  # the writers' scratch space for the calls rendered in this process (`render_run`)

    def finish(items: list) -> list:  # audited items of one chunk, in order
        return rendered_items(items, scheme, render, memo) if render is not None else items

    if leftover is not None:
        parsed = (parse_raw_line(u, roles) if isinstance(u, RawLine) else u for u in units)
        for chunk in _chunks(replay((unique(item) for item in parsed), leftover), CHUNK):
            yield from finish(chunk)
        remove_folder(leftover.folder)  # every replayed item is in the new journal by now
    if not parallel:  # in this process: each call is checked before it is audited, a copy never is
        for done in InProcess(CHUNK).map(
            _chunks(units, CHUNK),
            local=lambda chunk: finish(_audited([unique(item) for item in chunk], scheme, segmenter)),
        ):
            yield from done
        return
    assert executor is not None
    sent: deque[list] = deque()  # the chunks given to the executor, not answered yet: it keeps their order

    def chunks() -> Iterator[list]:
        for chunk in (
            _slices_apart(units, executor.chunk, executor.tail) if remote else _chunks(units, CHUNK, ending=TAIL_CHUNK)
        ):
            sent.append(chunk)
            yield chunk

    def here(units: list) -> list:  # a chunk done in this process, as a worker does it
        return _work_chunk(units, scheme, segmenter, roles, render, turn_context, memo)

    try:
        for done in executor.map(chunks(), local=here):
            yield from _merged(done, sent.popleft(), unique, scheme, segmenter, roles, render)
    except BaseException:
        executor.kill()
        raise
    executor.close()


def _merged(
    done: list, chunk: list, unique: _Unique, scheme: Scheme, segmenter: str | None, roles, render: ReportOptions | None
) -> Iterator:
    """A chunk's results (`done`, from `chunk`'s units) past the call-id check: a copy of a call
    seen before becomes an error in its place, and its run is done again here without it."""
    items_of: list | None = None  # `chunk`'s units as items, read again only for a run with a copy
    at = 0  # where in `chunk`'s items the next result's are
    for item in done:
        if not isinstance(item, RenderedRun):  # an InputError, or a CallResult (no `render`)
            at += 1
            yield unique(item)
            continue
        n = len(item.calls)
        dups = unique.run(item)
        if dups is None:
            yield item
        else:  # rare: the run again, here, without the copies (a run's parts are joined)
            assert render is not None  # a RenderedRun comes only from a run with report options
            if items_of is None:
                items_of = expand(chunk, roles)
            items = [dup if dup is not None else u for dup, u in zip(dups, items_of[at : at + n])]
            # no memo: this process's holds calls later than these, which `digest_run`'s
            # guess of the tally's choice of examples must not see
            yield from rendered_items(_audited(items, scheme, segmenter), scheme, render)
        at += n


def _local_processes(
    scheme: Scheme,
    scheme_path: Path,
    jobs: int,
    segmenter: str | None,
    render: ReportOptions | None,
    turn_context: int | None,
) -> LocalProcesses:
    """This machine's processes: `jobs - 1` workers forked from this one, which has loaded what
    auditing loads, so that they share it; spawned workers load it themselves (`_init_worker`)."""
    if "fork" in mp.get_all_start_methods():  # OrderedPool forks where it can
        _WORKER["scheme"] = scheme  # forked workers inherit the compiled scheme …
        _preload(scheme, segmenter)  # … and what it loads lazily, rather than each loading it again
    init = (str(scheme_path), segmenter, scheme.roles, render, turn_context)
    return LocalProcesses(
        jobs,
        _work_chunk,
        _init_worker,
        init,
        chunk=CHUNK,
        depth=DEPTH,
        ahead=DEPTH * CHUNK // TAIL_CHUNK,
        frozen=_BATCH["frozen"],
        slice_rows=SLICE_ROWS,
        tail=TAIL_CHUNK,
    )


def _slices_apart(units: Iterable, size: int, ending: int | None = None) -> Iterator[list]:
    """`units` in lists of `size`, each `Slice` (many calls already) a list of its own; with
    `ending`, the last other units as `_chunks` cuts them."""
    ahead: list = []
    keep = size * TAIL_AHEAD if ending else 0
    for unit in units:
        if isinstance(unit, Slice):
            for i in range(0, len(ahead), size):
                yield ahead[i : i + size]
            ahead = []
            yield [unit]
            continue
        ahead.append(unit)
        if len(ahead) == keep + size:
            yield ahead[:size]
            del ahead[:size]
    step = ending or size
    for i in range(0, len(ahead), step):
        yield ahead[i : i + step]


# Units per task: large enough to amortise a round trip and the batch's own set-up (`engine.audit_calls`
# scans a chunk's turns together: 64 calls audit ~5 % faster a call than 32), small enough to keep
# order cheap. The last ones of a parallel audit are cut small (TAIL_CHUNK): when the input ends,
# whatever a worker still has queued is what the others wait for.
CHUNK = 64
TAIL_CHUNK = 16
# Rows a Parquet slice for this machine's processes (`LocalProcesses`): two chunks' worth, so
# that the row group a slice decodes whole (~2 ms for 1,000 calls) stays a few % of its audit.
SLICE_ROWS = 2 * CHUNK
DEPTH = 3  # chunks in flight per worker (`OrderedPool`)


def _size(item) -> int:
    """Calls in an item of the audit's stream, for the progress bar."""
    return len(item.calls) if isinstance(item, RenderedRun) else 1


def _audited(items: list, scheme: Scheme, segmenter: str | None) -> list:
    """`items` (Calls and InputErrors) in order, each call audited (its chunk together, see
    `engine.audit_calls`), each error as it is."""
    results = iter(audit_calls([i for i in items if not isinstance(i, InputError)], scheme, segmenter))
    return [item if isinstance(item, InputError) else next(results) for item in items]


def _chunks(items: Iterable, size: int, ending: int | None = None) -> Iterator[list]:
    """`items` in lists of `size`. With `ending`, the last `size * TAIL_AHEAD` or so come in
    lists of `ending` (the items are read that far ahead)."""
    if ending is None:
        chunk: list = []
        for item in items:
            chunk.append(item)
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
        return
    ahead: list = []
    keep = size * TAIL_AHEAD
    for item in items:
        ahead.append(item)
        if len(ahead) == keep + size:
            yield ahead[:size]
            del ahead[:size]
    for i in range(0, len(ahead), ending):
        yield ahead[i : i + ending]


TAIL_AHEAD = 4  # chunks read ahead to know the end: more than the pool has in flight per worker (DEPTH)


class _Unique:
    """A call id seen twice is an input error: the second copy is rejected, not reported twice.

    Applied in input order to each item, whether a Call (read here) or an audited one (a worker
    read and audited it: a CallResult, or the calls of a RenderedRun), so the same copy is
    rejected either way, with the same message."""

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
        dup = self._check(call.call_id, call.source, call.line)
        return item if dup is None else dup

    def run(self, run: RenderedRun) -> list[InputError | None] | None:
        """None when every call of `run` is seen first here (the usual case); else, for each of
        its calls, the error that rejects it as a copy, or None."""
        check = self._check
        dups = [check(c.call_id, c.source, c.line) for c in run.calls]
        return None if all(d is None for d in dups) else dups

    def _check(self, call_id: str, source, line: int | None) -> InputError | None:
        first = self.seen.get(call_id)
        if first is not None:
            name, at = self.names[first >> 32], first & 0xFFFFFFFF
            where = f"{name}:{at}" if at else name
            return InputError(str(source), line, f"duplicate call_id {call_id!r} (first at {where})", call_id)
        name = str(source)
        index = self.sources.get(name)
        if index is None:
            index = self.sources[name] = len(self.names)
            self.names.append(name)
        self.seen[call_id] = index << 32 | ((line or 0) & 0xFFFFFFFF)
        return None


_WORKER: dict = {}

# Python's cyclic collector runs every 700 net allocations and then walks the young objects; a
# batch allocates and frees millions of small objects (rows, spans, dicts) that hold no cycles,
# and the long-lived ones (the compiled scheme, dictionaries, caches) are walked again by every
# full collection. During an audit: the long-lived objects are frozen out of the collector's
# sight, and it runs every 20,000 net allocations. Measured on 20,000 calls: the collector's time
# from 14 % of the audit to under 1 %, memory unchanged (`benchmarks/run.py` checks RSS).
GC_THRESHOLD = 20_000


@contextmanager
def batch_gc():
    """The collector tuned for a batch (see GC_THRESHOLD) within the block, restored after."""
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, old[1], old[2])
    outer, _BATCH["frozen"] = _BATCH["frozen"], True
    try:
        yield
    finally:
        _BATCH["frozen"] = outer
        gc.set_threshold(*old)
        if not outer:
            gc.unfreeze()


_BATCH = {"frozen": False}  # within `batch_gc`


def _preload(scheme: Scheme, segmenter: str | None) -> None:
    """Load here, once, the tables that auditing loads on first use (the segmenter's dictionary,
    OpenCC, jieba's word frequencies for sub-division, the normalisation tables, the report
    templates), so that forked workers share them."""
    if _WORKER.get("warm") is scheme:
        return
    warm = [
        Call(
            "warm-up",
            Turns.of(
                (
                    Turn(AGENT, "您好，请问有什么可以帮您？我们的服务热线为您服务。", 0.0, 3.0),
                    Turn(CUSTOMER, "謝謝你們", 3.5, 5.0),
                )
            ),
        ),
        Call("warm-up-2", Turns.of((Turn(AGENT, "好的，请稍等。", 0.0, 1.0),))),
    ]
    rendered_items(
        audit_calls(warm, scheme, segmenter), scheme, ReportOptions()
    )  # the batch path, as the audit runs it
    preload_dictionary()
    preload_matchers()
    preload_templates()
    _WORKER["warm"] = scheme


def _init_worker(
    scheme_path: str, segmenter: str | None, roles, render: ReportOptions | None, turn_context: int | None
) -> None:
    # The parent handles Ctrl-C (it stops the pool); a terminal's SIGINT goes to the whole group.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if "scheme" not in _WORKER:
        _WORKER["scheme"] = load_scheme(scheme_path)
    _WORKER["segmenter"] = segmenter
    _WORKER["roles"] = roles
    _WORKER["render"] = render
    _WORKER["context"] = turn_context
    _WORKER["memo"] = {}  # a worker lives for one run: the run's scratch space (`render_run`)
    if "warm" not in _WORKER:  # spawned, not forked: load here what the parent had loaded
        _preload(_WORKER["scheme"], segmenter)
    gc.freeze()  # a worker lives for one batch: as `batch_gc`, for good
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])


def _work_chunk(
    units: list,
    scheme: Scheme | None = None,
    segmenter: str | None = None,
    roles=None,
    render: ReportOptions | None = None,
    context: int | None = None,
    memo: dict | None = None,
) -> list:
    """Parse, audit and render (or elide) one chunk: in a worker, with what `_init_worker` set up;
    in the parent, with what it is given."""
    if scheme is None:
        scheme, segmenter, roles = _WORKER["scheme"], _WORKER["segmenter"], _WORKER["roles"]
        render, context, memo = _WORKER["render"], _WORKER["context"], _WORKER["memo"]
    items = _audited(expand(units, roles), scheme, segmenter)
    if render is not None:
        return rendered_items(items, scheme, render, memo)
    if context is not None:
        return [item if isinstance(item, InputError) else elide_turns(item, context) for item in items]
    return items


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
