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
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from ..model import CallResult, InputError
from ..resume import JOURNAL

__all__ = ["ReportOptions", "ReportWriter", "WRITERS", "register", "turn_context", "write_reports", "atomic_folder"]


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
    # The turns of a call this writer reads: None = any turn; k = only the turns within k turns of a
    # finding's turn (`audit --jobs N` then elides the others, which is what makes it scale).
    turn_context: ClassVar[int | None] = None

    def __init__(self, folder: Path, scheme, options: ReportOptions | None = None) -> None:
        self.folder = folder
        self.scheme = scheme
        self.options = options or ReportOptions()

    def add(self, result: CallResult) -> None:  # pragma: no cover - interface
        pass

    def add_error(self, error: InputError) -> None:
        pass

    def close(self) -> None:
        pass


WRITERS: dict[str, type[ReportWriter]] = {}


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
    items: Iterable[CallResult | InputError],
    writers: Iterable[str] | None = None,
    options: ReportOptions | None = None,
    journal=None,
) -> None:
    """Feed every item to every writer inside an atomic folder.

    `journal` (a `resume.Journal`) records each item once the writers have it; it is deleted
    before the folder is renamed into place, so it is never part of the report.
    """
    options = options or ReportOptions()
    with atomic_folder(target) as folder:
        if journal is not None:
            journal.open(folder)
        active = [WRITERS[name](folder, scheme, options) for name in (writers or WRITERS)]
        for item in items:
            if isinstance(item, InputError):
                for w in active:
                    w.add_error(item)
            else:
                for w in active:
                    w.add(item)
            if journal is not None:
                journal.add(item)
        for w in sorted(active, key=lambda w: w.runs_last):  # stable: registration order otherwise
            w.close()
        if journal is not None:
            journal.close(delete=True)
