"""The writer interface and the atomic output folder.

Writers stream: each gets every CallResult as it is produced and writes it out, so memory stays
flat however big the batch. They write into a temporary folder beside the target, which replaces
the target only when every writer has finished: an interrupted run leaves the last good report.
An interrupted run (Ctrl-C, SIGTERM, a kill) also leaves its temporary folder when that holds a
resume journal (`checker/resume.py`), so that `qa-check audit --resume` can continue it; a run
that fails on an error removes its folder.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from ..model import CallResult, InputError, Turn, Turns
from ..resume import JOURNAL, Journal
from .swap import swap_into_place

__all__ = [
    "ReportOptions",
    "ReportWriter",
    "AuditedCall",
    "RenderedRun",
    "WRITERS",
    "register",
    "render_run",
    "rendered_items",
    "turn_context",
    "write_reports",
    "atomic_folder",
    "elide_turns",
    "ELIDED",
    "RUN",
]


@dataclass(frozen=True)
class ReportOptions:
    """What a run asks of every writer."""

    mask: bool = True  # mask personal data (numbers, e-mail, names, addresses: `mask`) in every text field
    examples_per_rule: int = 3  # coaching: worst examples kept per agent and rule


class ReportWriter:
    """Subclasses set `name` and override what they need; `folder` is the temporary output folder.

    A writer with `runs_last = True` is closed after all the others, so it may read back what
    they wrote into `folder` (e.g. findings.csv) when it closes.
    """

    name: ClassVar[str]
    runs_last: ClassVar[bool] = False
    # The turns of a call this writer reads: None = any turn; k = only the turns within k turns of a
    # finding's turn (`audit --jobs N` then elides the others, which is what makes it scale).
    turn_context: ClassVar[int | None] = None
    # A writer whose `render` keeps something over the calls one process renders (which it does
    # in input order) sets this: its `render` and `render_many` then also get `memo=`, a dict of
    # its own that lives as long as the run in that process (see `render_run`).
    render_memo: ClassVar[bool] = False

    def __init__(self, folder: Path, scheme, options: ReportOptions | None = None) -> None:
        self.folder = folder
        self.scheme = scheme
        self.options = options or ReportOptions()

    @classmethod
    def render(cls, result: CallResult, scheme, options: ReportOptions) -> Any:
        """What `add_rendered` needs of one result, made where the call was audited: with
        `audit --jobs N` a worker process, so it must pickle small. Writers override it to do
        their per-call work there (format rows, mask); the default hands over the result, with
        the turns the writer does not read (`turn_context`) elided."""
        return result if cls.turn_context is None else elide_turns(result, cls.turn_context)

    @classmethod
    def render_many(cls, results: list[CallResult], scheme, options: ReportOptions, memo: dict | None = None) -> Any:
        """What `add_many` needs of consecutive results (a run of a chunk, in input order), made
        where they were audited. The default: each one's `render`. A writer that appends text
        joins it here, so that the process writing the reports does one append a run, not one a
        call (with `--jobs N` that process's per-call work is what bounds the speed-up)."""
        if cls.render_memo:
            render: Callable[..., Any] = cls.render  # a writer that sets `render_memo` takes memo=
            return [render(r, scheme, options, memo=memo) for r in results]
        return [cls.render(r, scheme, options) for r in results]

    def add_many(self, part: Any) -> None:
        """Take a run of calls as `render_many` made it."""
        for p in part:
            self.add_rendered(p)

    def add_rendered(self, part: Any) -> None:
        """Take one call as `render` made it."""
        self.add(part)

    def add(self, result: CallResult) -> None:  # pragma: no cover - interface
        pass

    def add_error(self, error: InputError) -> None:
        pass

    def connect(self, writers: dict[str, ReportWriter]) -> None:
        """Meet the run's other writers (by name), once all are made, before the first call."""

    def close(self) -> None:
        pass

    def abort(self) -> None:
        """The run failed or was interrupted: release what `close` would have (processes, files)."""


WRITERS: dict[str, type[ReportWriter]] = {}


class AuditedCall(NamedTuple):
    """What the batch needs to know of one audited call besides its reports: its id and place
    (the duplicate check) and its counts (the summary line)."""

    call_id: str
    source: str | None
    line: int | None
    passed: bool
    fatal: bool
    n_findings: int
    rule_errors: int = 0  # rules it could not be judged by (errors.csv)


class RenderedRun(NamedTuple):
    """Consecutive audited calls (at most a chunk, no input error among them) as the report
    writers and the resume journal take them: one part per writer, keyed by the writer's name,
    made by its `render_many` where the calls were audited, and the journal's lines for the run.
    The process writing the reports then only appends, once a run."""

    calls: tuple[AuditedCall, ...]
    parts: dict[str, Any]  # writer name -> what its `render_many` made of these calls
    journal: str  # the resume journal's lines for these calls


RUN = 32  # calls rendered together when the caller hands over CallResults one by one


def render_run(results: list[CallResult], scheme, options: ReportOptions, memo: dict | None = None) -> RenderedRun:
    """`results` (consecutive, in input order) rendered by every writer. `memo`: the run's
    scratch space in this process, one dict per writer that asks for it
    (`ReportWriter.render_memo`); the caller keeps it for the run and renders in input order."""
    if memo is None:
        parts = {name: w.render_many(results, scheme, options) for name, w in WRITERS.items()}
    else:
        parts = {
            name: w.render_many(results, scheme, options, memo=memo.setdefault(name, {}))
            if w.render_memo
            else w.render_many(results, scheme, options)
            for name, w in WRITERS.items()
        }
    calls = tuple(
        [
            AuditedCall(
                r.call.call_id,
                r.call.source,
                r.call.line,
                bool(r.passed),
                bool(r.fatal),
                len(r.findings),
                len(r.extra.get("rule_errors") or ()),
            )
            for r in results
        ]
    )
    return RenderedRun(calls, parts, "".join([Journal.line_for(r) for r in results]))


def rendered_items(
    items: Iterable[CallResult | InputError], scheme, options: ReportOptions, memo: dict | None = None
) -> list[RenderedRun | InputError]:
    """`items` (in input order) with each stretch of consecutive results rendered as one run."""
    out: list[RenderedRun | InputError] = []
    run: list[CallResult] = []
    for item in items:
        if isinstance(item, InputError):
            if run:
                out.append(render_run(run, scheme, options, memo))
                run = []
            out.append(item)
        else:
            run.append(item)
    if run:
        out.append(render_run(run, scheme, options, memo))
    return out


ELIDED = Turn("", "")  # stands for a turn no writer reads (see `ReportWriter.turn_context`)


def elide_turns(result: CallResult, context: int) -> CallResult:
    """`result` with every turn farther than `context` turns from a finding's turn replaced by
    ELIDED: the turn count and indices stay, the text no writer reads is not sent back."""
    turns = result.call.turns
    keep: set[int] = set()
    for f in result.findings:
        if f.turn is not None:
            keep.update(range(max(0, f.turn - context), min(len(turns), f.turn + context + 1)))
    if len(keep) == len(turns):
        return result
    slim = Turns.of(t if i in keep else ELIDED for i, t in enumerate(turns))
    return replace(result, call=replace(result.call, turns=slim))


def turn_context(writers: Iterable[type[ReportWriter]]) -> int | None:
    """The turns every one of `writers` may read around a finding; None when one reads any turn."""
    context = 0
    for w in writers:
        if w.turn_context is None:
            return None
        context = max(context, w.turn_context)
    return context


def register(cls: type[ReportWriter]) -> type[ReportWriter]:
    WRITERS[cls.name] = cls
    return cls


@contextmanager
def atomic_folder(target: Path):
    """Yield a fresh temporary folder that replaces `target` when the block exits cleanly.

    On an error the folder is removed; on an interruption (KeyboardInterrupt, SystemExit) it is
    kept when it holds a resume journal, and removed otherwise.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
    except Exception:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except BaseException:
        if not (tmp / JOURNAL).is_file():
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    swap_into_place(tmp, target)  # crash-safe at every step (`swap`)


def write_reports(
    target: Path,
    scheme,
    items: Iterable[CallResult | RenderedRun | InputError],
    writers: Iterable[str] | None = None,
    options: ReportOptions | None = None,
    journal=None,
) -> None:
    """Feed every item to every writer inside an atomic folder. CallResults are rendered here,
    `RUN` at a time; a RenderedRun (rendered where it was audited) is appended as it is.

    `journal` (a `resume.Journal`) records each item once the writers have it; it is deleted
    before the folder is renamed into place, so it is never part of the report.
    """
    options = options or ReportOptions()
    with atomic_folder(target) as folder:
        if journal is not None:
            journal.open(folder)
        names = list(writers or WRITERS)
        active = [WRITERS[name](folder, scheme, options) for name in names]
        try:
            by_name = dict(zip(names, active))
            for w in active:
                w.connect(by_name)
            for item in _runs(items, scheme, options):
                if isinstance(item, InputError):
                    for w in active:
                        w.add_error(item)
                    if journal is not None:
                        journal.add(item)
                    continue
                parts = item.parts
                for name, w in by_name.items():
                    w.add_many(parts[name])
                if journal is not None:
                    journal.add_lines(item.journal, len(item.calls))
            for w in sorted(active, key=lambda w: w.runs_last):  # stable: registration order otherwise
                w.close()
        except BaseException:
            for w in active:
                w.abort()
            raise
        if journal is not None:
            journal.close(delete=True)


def _runs(items: Iterable[CallResult | RenderedRun | InputError], scheme, options: ReportOptions):
    """`items` with the CallResults among them rendered, up to `RUN` consecutive ones together."""
    memo: dict = {}  # for the results rendered here (`render_run`)
    run: list[CallResult] = []
    for item in items:
        if isinstance(item, CallResult):
            run.append(item)
            if len(run) < RUN:
                continue
        if run:
            yield render_run(run, scheme, options, memo)
            run = []
        if not isinstance(item, CallResult):
            yield item
    if run:
        yield render_run(run, scheme, options, memo)
