"""A progress bar for long audits: calls done, calls/s and ETA on stderr, only on a terminal.

The total is estimated before the run without parsing transcripts (lines of a JSON Lines file,
one call per text file, distinct call ids of a CSV, `"turns"` keys of a JSON file), so the bar
costs nothing when output is piped or the batch is small.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TextIO, TypeVar

from .read import iter_files

__all__ = ["estimate_calls", "with_progress", "MIN_CALLS"]

MIN_CALLS = 300  # below this a bar would only flicker
T = TypeVar("T")


def estimate_calls(paths: Iterable[Path]) -> int:
    total = 0
    for path in iter_files(paths):
        try:
            suffix = path.suffix.lower()
            if suffix == ".jsonl":
                with path.open("rb") as fh:
                    total += sum(1 for line in fh if line.strip())
            elif suffix == ".csv":
                with path.open(encoding="utf-8-sig", newline="") as fh:
                    total += len({row.get("call_id") for row in csv.DictReader(fh)})
            elif suffix == ".json":
                total += max(1, path.read_text(encoding="utf-8-sig").count('"turns"'))
            else:
                total += 1
        except (OSError, UnicodeDecodeError, csv.Error):
            total += 1  # the reader will report it; the estimate only drives the bar
    return total


def with_progress(
    items: Iterable[T], paths: list[Path], stream: TextIO, size: Callable[[T], int] | None = None
) -> Iterator[T]:
    """Yield `items` unchanged, drawing a bar on `stream` when it is a terminal and the batch
    is large enough to be worth one. `size`: the calls an item stands for (default one)."""
    if not (hasattr(stream, "isatty") and stream.isatty()):
        yield from items
        return
    total = estimate_calls(paths)
    if total < MIN_CALLS:
        yield from items
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TimeRemainingColumn
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task) -> Text:
            return Text(f"{task.speed:,.0f} calls/s" if task.speed else "… calls/s")

    columns = ("审核中", BarColumn(), MofNCompleteColumn(), Rate(), "剩余", TimeRemainingColumn())
    with Progress(*columns, console=Console(file=stream), transient=True) as bar:
        task = bar.add_task("audit", total=total)
        for item in items:
            yield item
            bar.advance(task, size(item) if size is not None else 1)
