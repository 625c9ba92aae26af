"""The writer interface and the atomic output folder.

Writers stream: each gets every CallResult as it is produced and writes it out, so memory stays
flat however big the batch. They write into a temporary folder beside the target, which replaces
the target only when every writer has finished: an interrupted run leaves the last good report.
An interrupted run (Ctrl-C, SIGTERM, a kill) also leaves its temporary folder when that holds a
resume journal (`checker/resume.py`), so that `qa-check audit --resume` can continue it; a run
that fails on an error removes its folder.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from ..model import CallResult, InputError, Turn
from ..resume import JOURNAL, Journal

__all__ = [
    "ReportOptions", "ReportWriter", "RenderedResult", "WRITERS", "register", "render_result", "turn_context",
    "write_reports", "atomic_folder", "elide_turns", "ELIDED",
]


@dataclass(frozen=True)
class ReportOptions:
    """What a run asks of every writer."""

    mask: bool = True  # mask personal data (phone, ID and bank card numbers, e-mail) in every text field
    examples_per_rule: int = 3  # coaching: worst examples kept per agent and rule


class ReportWriter:
    """Subclasses set `name` and override what they need; `folder` is the temporary output folder.

    A writer with `runs_last = True` is closed after all the others, so it may read back what
    they wrote into `folder` (e.g. findings.csv) when it closes.
    """

    name: ClassVar[str]
    runs_last: ClassVar[bool] = False
    jobs: int = 1  # processes the run may use (`write_reports(jobs=…)`), for a writer that can use more
    # The turns of a call this writer reads: None = any turn; k = only the turns within k turns of a
    # finding's turn (`audit --jobs N` then elides the others, which is what makes it scale).
    turn_context: ClassVar[int | None] = None
    # A writer whose `render` keeps something over the calls one process renders (which it does
    # in input order) sets this: its `render` then also gets `memo=`, a dict of its own that
    # lives as long as the run in that process (see `render_result`).
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

    def add_rendered(self, part: Any) -> None:
        """Take one call as `render` made it."""
        self.add(part)

    def add(self, result: CallResult) -> None:  # pragma: no cover - interface
        pass

    def add_error(self, error: InputError) -> None:
        pass

    def close(self) -> None:
        pass


WRITERS: dict[str, type[ReportWriter]] = {}


class RenderedResult(NamedTuple):
    """One audited call as the report writers and the resume journal take it: what the batch
    needs to know (id and place for the duplicate check, the counts for the summary line) and one
    rendered part per writer, in `WRITERS` order. Made where the call was audited, so that the
    process writing the reports only appends."""

    call_id: str
    source: str | None
    line: int | None
    passed: bool
    fatal: bool
    n_findings: int
    parts: tuple
    journal: str  # the resume journal's line for this call


def render_result(result: CallResult, scheme, options: ReportOptions, memo: dict | None = None) -> RenderedResult:
    """`result` rendered by every writer. `memo`: the run's scratch space in this process, one
    dict per writer that asks for it (`ReportWriter.render_memo`); the caller keeps it for the
    run and renders the calls in input order."""
    call = result.call
    if memo is None:
        parts = tuple(w.render(result, scheme, options) for w in WRITERS.values())
    else:
        parts = tuple(w.render(result, scheme, options, memo=memo.setdefault(name, {})) if w.render_memo
                      else w.render(result, scheme, options) for name, w in WRITERS.items())
    return RenderedResult(
        call.call_id, call.source, call.line, bool(result.passed), bool(result.fatal), len(result.findings),
        parts, Journal.line_for(result),
    )


ELIDED = Turn("", "")  # stands for a turn no writer reads (see `ReportWriter.turn_context`)


def elide_turns(result: CallResult, context: int) -> CallResult:
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
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_reports(
    target: Path,
    scheme,
    items: Iterable[CallResult | RenderedResult | InputError],
    writers: Iterable[str] | None = None,
    options: ReportOptions | None = None,
    journal=None,
    jobs: int = 1,
) -> None:
    """Feed every item to every writer inside an atomic folder.

    `journal` (a `resume.Journal`) records each item once the writers have it; it is deleted
    before the folder is renamed into place, so it is never part of the report.
    """
    options = options or ReportOptions()
    with atomic_folder(target) as folder:
        if journal is not None:
            journal.open(folder)
        names = list(writers or WRITERS)
        active = [WRITERS[name](folder, scheme, options) for name in names]
        for w in active:
            w.jobs = jobs
        order = list(WRITERS)
        picks = [(order.index(name), w) for name, w in zip(names, active)]
        memo: dict = {}  # for the results rendered here (`render_result`)
        for item in items:
            if isinstance(item, InputError):
                for w in active:
                    w.add_error(item)
                if journal is not None:
                    journal.add(item)
                continue
            if isinstance(item, CallResult):
                item = render_result(item, scheme, options, memo)
            parts = item.parts
            for i, w in picks:
                w.add_rendered(parts[i])
            if journal is not None:
                journal.add_line(item.journal)
        for w in sorted(active, key=lambda w: w.runs_last):  # stable: registration order otherwise
            w.close()
        if journal is not None:
            journal.close(delete=True)
