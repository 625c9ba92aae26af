"""Executors: the one seam between an audit and where its work runs.

An executor maps chunks of units (`units`) to what `audit._work_chunk` makes of each (rendered runs
and input errors), and gives the results back in the order of the chunks, whatever ran where:

- `InProcess`: this process, chunk after chunk (`--jobs 1`);
- `LocalProcesses`: this machine's processes (`pool.OrderedPool`, this process working too),
  which read Parquet row groups themselves (`units.Slice`), as Dask's workers do;
- `DaskExecutor` (`checker/dask_engine.py`): the workers of a Dask `distributed` cluster
  (`--engine dask`), imported only when asked for.

Everything else of the run (planning, the call-id check, resume, the writers) happens once, in
the process that writes the reports (`audit.py`), the same for every executor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

__all__ = ["Executor", "InProcess", "LocalProcesses", "EngineUnavailable"]


class EngineUnavailable(RuntimeError):
    """The executor cannot start: e.g. a Dask scheduler that cannot be reached."""


class Executor(Protocol):
    #: units read where they are audited (`units.Slice`s), not in the planning process
    reads_remotely: bool
    chunk: int  # units per chunk it works best with
    slice_rows: int | None  # rows a Parquet slice should hold (None: `units.SLICE_ROWS`)
    #: remote storage URLs (s3://, hdfs://) listed and read through fsspec where audited; else
    #: a run given URLs reads them as `--jobs 1` does, so the reports stay the same
    reads_urls: bool
    tail: int | None  # units per chunk near the end of the input (None: `chunk`)

    def map(self, chunks: Iterable[list], local: Callable[[list], Any]) -> Iterator[Any]:
        """The result of the work on every chunk, in the order of `chunks`. `local`: the same work,
        done in this process (an executor may use it for some chunks or all)."""

    def close(self) -> None: ...

    def kill(self) -> None: ...


class InProcess:
    reads_remotely = reads_urls = False
    slice_rows: int | None = None
    tail: int | None = None

    def __init__(self, chunk: int) -> None:
        self.chunk = chunk

    def map(self, chunks: Iterable[list], local: Callable[[list], Any]) -> Iterator[Any]:
        return map(local, chunks)

    def close(self) -> None:
        pass

    def kill(self) -> None:
        pass


class LocalProcesses:
    """`jobs - 1` forked (or spawned) workers and this process (see `pool.OrderedPool`). A
    Parquet file's rows are read by whichever process audits them, in slices of `slice_rows`
    (here ~2 ms of reading to ~100 ms of auditing), so that reading is parallel too."""

    reads_remotely = True
    reads_urls = False

    def __init__(
        self,
        jobs: int,
        fn: Callable,
        init: Callable,
        initargs: tuple,
        chunk: int,
        depth: int,
        ahead: int,
        frozen: bool,
        slice_rows: int | None = None,
        tail: int | None = None,
    ) -> None:
        from .pool import OrderedPool

        self.chunk, self.slice_rows, self.tail = chunk, slice_rows, tail
        self._pool = OrderedPool(jobs - 1, fn, init, initargs, depth=depth, ahead=ahead, frozen=frozen)

    def map(self, chunks: Iterable[list], local: Callable[[list], Any]) -> Iterator[Any]:
        return self._pool.map(chunks, local=local)

    def close(self) -> None:
        self._pool.close()

    def kill(self) -> None:
        self._pool.kill()
