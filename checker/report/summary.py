"""The summary reports: agents.csv, report.xlsx, the team dashboard index.html and one coaching
page per agent (agents/<id>.html and .md).

One writer (`summary`) keeps a BatchTally while the batch streams, runs after every other writer
(so findings.csv and calls.csv, and their rows of report.xlsx, are complete on disk when it
closes), builds the summary tables once with pandas, and hands them to the renderers below, one
per output, in a registry like the writers'. Big tables (every finding, every call) are never held.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import CallResult, InputError, SkippedFile
from .base import ReportOptions, ReportWriter, register
from .cells import csv_frame
from .filenames import hashed_filename, unique_filenames
from .frames import AGENT_COLUMNS, Frames, build_frames
from .i18n import Words, words_for
from .tally import CONTEXT_AFTER, CONTEXT_BEFORE, UNKNOWN_AGENT, BatchTally, RunDigest, digest_run

if TYPE_CHECKING:
    from ..scheme import Scheme
    from .writer_process import WriterProcess

__all__ = ["SummaryReports", "SummaryContext", "RENDERERS", "renderer", "agent_filenames", "UNKNOWN_PAGE"]


@dataclass
class SummaryContext:
    folder: Path
    scheme: Scheme
    options: ReportOptions
    tally: BatchTally
    frames: Frames
    words: Words
    timings: dict[str, float] = field(default_factory=dict)
    workbook: WriterProcess | None = None  # report.xlsx's process (`excel.start_workbook`), fed since the run began


RENDERERS: dict[str, Callable[[SummaryContext], None]] = {}


def renderer(name: str):
    def wrap(fn: Callable[[SummaryContext], None]):
        RENDERERS[name] = fn
        return fn

    return wrap


@register
class SummaryReports(ReportWriter):
    name = "summary"
    runs_last = True
    turn_context = max(CONTEXT_BEFORE, CONTEXT_AFTER)  # the coaching examples' surrounding turns
    render_memo = True  # what examples this process already cut (`tally.digest_run`)

    def __init__(self, folder: Path, scheme, options: ReportOptions | None = None) -> None:
        super().__init__(folder, scheme, options)
        self.tally = BatchTally(self.options)
        self.timings: dict[str, float] = {}
        self.workbook: WriterProcess | None = None
        if "report.xlsx" in RENDERERS:  # its big sheets are written while the run goes on
            from .excel import start_workbook  # (excel registers itself here: imported by now)

            self.workbook = start_workbook(folder, words_for(scheme))

    @classmethod
    def render(cls, result: CallResult, scheme, options: ReportOptions, memo: dict | None = None) -> RunDigest:
        return digest_run([result], options, memo)

    @classmethod
    def render_many(
        cls, results: list[CallResult], scheme, options: ReportOptions, memo: dict | None = None
    ) -> RunDigest:
        return digest_run(results, options, memo)

    def add_rendered(self, part: RunDigest) -> None:
        self.tally.add_run(part)

    add_many = add_rendered  # a run's digest has the shape of a call's

    def add(self, result: CallResult) -> None:
        self.tally.add(result)

    def add_error(self, error: InputError) -> None:
        if not isinstance(error, SkippedFile):  # listed in errors.csv, but no input was rejected
            self.tally.add_error()

    def close(self) -> None:
        t0 = time.perf_counter()
        frames = build_frames(self.tally, self.scheme)
        ctx = SummaryContext(
            self.folder, self.scheme, self.options, self.tally, frames, words_for(self.scheme), workbook=self.workbook
        )
        ctx.timings["frames"] = time.perf_counter() - t0
        for name, render in RENDERERS.items():
            t = time.perf_counter()
            render(ctx)  # report.xlsx's only sends the small sheets to its process
            ctx.timings[name] = time.perf_counter() - t
        if self.workbook is not None:  # it closes the workbook meanwhile
            t = time.perf_counter()
            self.workbook.wait()
            ctx.timings["report.xlsx (wait)"] = time.perf_counter() - t
        self.timings = ctx.timings

    def abort(self) -> None:
        if self.workbook is not None:
            self.workbook.abort()


@renderer("agents.csv")
def write_agents_csv(ctx: SummaryContext) -> None:
    """One row per agent (SPEC: agents.csv), UTF-8 with BOM like the other CSV files."""
    # CRLF as the other CSV files (and RFC 4180): a CR inside a value is then quoted, not a line end.
    csv_frame(ctx.frames.agents[AGENT_COLUMNS]).to_csv(
        ctx.folder / "agents.csv", index=False, encoding="utf-8-sig", lineterminator="\r\n"
    )


UNKNOWN_PAGE = "unknown-agent"  # the page of the calls without an agent (未标注坐席)


def agent_filenames(agent_ids) -> dict[str, str]:
    """The page name of each of a report's agents, unique on case-insensitive file systems too;
    the calls without an agent on `UNKNOWN_PAGE` (a real agent of that id gets a hashed name)."""
    ids = list(dict.fromkeys(agent_ids))
    names = unique_filenames(i for i in ids if i != UNKNOWN_AGENT)
    if UNKNOWN_AGENT in ids:
        for i, name in names.items():
            if name.casefold() == UNKNOWN_PAGE:
                names[i] = hashed_filename(i)
        names[UNKNOWN_AGENT] = UNKNOWN_PAGE
    return names


# Renderers register themselves on import; the order here is the order they run in.
from . import excel, dashboard, coaching  # noqa: E402,F401
