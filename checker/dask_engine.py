"""`--engine dask`: the audit's chunks run as tasks on a Dask `distributed` cluster.

An existing cluster (`--scheduler tcp://HOST:8786`) or, without one, a `distributed.LocalCluster`
of `--jobs` single-threaded worker processes (the rules are Python: one thread a process). The
client (this process) plans the units and writes the reports; each task reads its units on the
worker (Parquet row groups by path or fsspec URL, `units.Slice`; JSON Lines lines and calls this
process read), audits and renders them there, and sends back rendered runs and tally digests, as
`--engine local`'s workers do. Results are taken in chunk order, so the reports are the bytes
`--engine local` writes.

Faults: a worker that dies mid-task has its tasks run again by the scheduler on another worker;
the client takes each chunk's result once, so nothing is lost or doubled. A worker's render memo
(what `digest_run` may leave out) must only hold what calls earlier in input order gave: a
worker keeps one for the run and lends it to a task only when every task it served before came
earlier in the run's order; a re-run chunk that comes after later ones renders with a fresh
memo of its own (`_RenderMemo`).

The workers need qa-check installed (the same version) and must reach the input paths; the
scheme goes to them with the tasks (its files' bytes), so it need not be on their disks. A
LocalCluster's workers are forked from this process once it has compiled the scheme.
dask, distributed and fsspec are the optional `dask` extra, imported only here.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import tempfile
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .execute import EngineUnavailable
from .report.base import ReportOptions

__all__ = ["DaskExecutor", "NEEDS_DASK", "WorkSpec"]

NEEDS_DASK = (
    "--engine dask needs dask and distributed, which are not installed: pip install 'qa-check[dask]' (the `dask` extra)"
)
CHUNK = 128  # units a task (a Parquet slice is a task of its own): ~40 ms of work, the scheduler's ~1 ms is noise
IN_FLIGHT = 4  # tasks per worker queued or running at once: the client holds no more results than that
CONNECT_SECONDS = 10


@dataclass(frozen=True)
class WorkSpec:
    """What a worker needs to audit a chunk, sent once to every worker."""

    key: str  # the scheme's digest: a worker compiles each scheme once
    scheme_path: str  # absolute, on the client's machine
    scheme_name: str  # the file or folder name the scheme is loaded as
    is_folder: bool
    files: tuple[tuple[str, bytes], ...]  # the scheme's files (relative path, bytes), for a worker without them
    segmenter: str | None
    roles: Any
    render: ReportOptions | None
    turn_context: int | None
    run: str = ""  # this run's own token: a worker's render memo serves one run (`_RenderMemo`)


def scheme_files(path: Path) -> tuple[tuple[str, bytes], ...]:
    """The files a scheme loads: a folder's files (lexicons/ with them), or a file and the
    lexicons/ beside it, each as (path relative to what is shipped, bytes)."""
    path = Path(path).resolve()
    root = path if path.is_dir() else path.parent
    picked = (
        sorted(p for p in path.rglob("*") if p.is_file())
        if path.is_dir()
        else [path, *sorted(p for p in (root / "lexicons").rglob("*") if p.is_file())]
    )
    base = path if path.is_dir() else root
    return tuple((str(p.relative_to(base)), p.read_bytes()) for p in picked)


class DaskExecutor:
    reads_remotely = reads_urls = True
    slice_rows: int | None = None  # slices of `units.SLICE_ROWS`, each a task
    tail: int | None = None

    def __init__(
        self,
        scheme,
        scheme_path: Path,
        segmenter: str | None,
        render: ReportOptions | None,
        scheduler: str | None = None,
        workers: int = 2,
        turn_context: int | None = None,
    ) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise EngineUnavailable(NEEDS_DASK) from None
        self.chunk = CHUNK
        self._cluster = None
        files = scheme_files(scheme_path)
        digest = hashlib.sha256()
        for name, data in files:
            digest.update(name.encode() + b"\0" + data + b"\0")
        digest.update(repr((segmenter, scheme.roles)).encode())
        self.spec = WorkSpec(
            digest.hexdigest(),
            str(Path(scheme_path).resolve()),
            Path(scheme_path).resolve().name,
            Path(scheme_path).is_dir(),
            files,
            segmenter,
            scheme.roles,
            render,
            turn_context,
            uuid.uuid4().hex,
        )
        try:
            self.client: Any = None
            if scheduler:
                self.client = Client(scheduler, timeout=CONNECT_SECONDS)
            else:
                self._cluster = _local_cluster(scheme, self.spec, workers)
                # Results come from the workers straight, not through the scheduler (in this
                # process): one transfer of every rendered run instead of two.
                self.client = Client(self._cluster, direct_to_workers=True)
        except (OSError, TimeoutError) as exc:
            self._stop_cluster()
            where = f"the Dask scheduler at {scheduler}" if scheduler else "a local Dask cluster"
            raise EngineUnavailable(f"cannot reach {where}: {exc}") from None
        self._spec = self.client.scatter(self.spec, broadcast=True, hash=False)

    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def map(self, chunks: Iterable[list], local: Callable[[list], Any] | None = None) -> Iterator[Any]:
        """Each chunk a task, at most IN_FLIGHT a worker at once; results in chunk order."""
        window: deque = deque()
        limit = IN_FLIGHT * self.workers()
        for index, chunk in enumerate(chunks):
            window.append(self.client.submit(work, self._spec, chunk, index, pure=False))
            if len(window) >= limit:
                yield self._result(window.popleft())
        while window:
            yield self._result(window.popleft())

    @staticmethod
    def _result(future) -> Any:
        result = future.result()
        future.release()  # the worker may forget it now
        return result

    def close(self) -> None:
        """Disconnect; a LocalCluster of this run's own is stopped. Again: nothing."""
        client, self.client = self.client, None
        try:
            if client is not None:
                client.close()
        finally:
            self._stop_cluster()

    # A run stopped early does the same: the scheduler forgets this client's tasks when it goes.
    kill = close

    def _stop_cluster(self) -> None:
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def _local_cluster(scheme, spec: WorkSpec, workers: int):
    """A LocalCluster of `workers` single-threaded processes forked from this one once it has
    compiled the scheme and loaded what auditing loads, so that they share it (as
    `--engine local`'s workers do) instead of each spending seconds loading it again."""
    import dask
    from distributed import LocalCluster

    from .audit import _preload

    _preload(scheme, spec.segmenter)
    _LOADED.clear()
    _LOADED[spec.key] = scheme
    method = "fork" if "fork" in __import__("multiprocessing").get_all_start_methods() else "spawn"
    gc.freeze()  # as `pool.OrderedPool`: the forked workers' collections leave the shared pages alone
    try:
        settings = {
            "distributed.worker.multiprocessing-method": method,
            # Dask's workers sample their task's stack every 10 ms for the dashboard's profile: ~8 %
            # of a worker's CPU on the real corpus, for a page no one looks at during an audit.
            "distributed.worker.profile.enabled": False,
            # And every process of the cluster wakes up to look at its own memory every 100 ms,
            # at its event loop every 20 ms, at the system every 500 ms: ~1 s of CPU in all on the
            # corpus x20, on the cores the workers need (`benchmarks/dask_scale.py`). An audit's
            # task holds 256 calls, so a second between memory looks still pauses a worker long
            # before its limit; an existing cluster (--scheduler) keeps its own settings.
            "distributed.worker.memory.monitor-interval": "1s",
            "distributed.admin.tick.interval": "1s",
            "distributed.admin.system-monitor.interval": "5s",
        }
        with dask.config.set(settings):
            return LocalCluster(
                n_workers=max(1, workers),
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            )
    finally:
        gc.unfreeze()


_LOADED: dict[str, Any] = {}  # on a worker: the scheme compiled for a spec key (the latest only)


def work(spec: WorkSpec, units: list, index: int | None = None) -> list:
    """A task: read, audit and render the run's `index`th chunk on a worker (`audit._work_chunk`)."""
    from .audit import _work_chunk

    scheme = _LOADED.get(spec.key)
    if scheme is None:
        scheme = _load(spec)
        _LOADED.clear()
        _LOADED[spec.key] = scheme
    if not _TUNED:  # a forked worker inherits the scheme, not the audit's collector settings
        _tune_gc()
    memo = _MEMO.take(spec.run, index)
    try:
        return _work_chunk(
            units, scheme, spec.segmenter, spec.roles, spec.render, spec.turn_context, {} if memo is None else memo
        )
    finally:
        if memo is not None:
            _MEMO.give_back()


class _RenderMemo:
    """A worker's render memo for the run (`report.base.render_run`): what it may leave out of a
    chunk's digests must come from calls earlier in input order. A task takes the memo when every
    task that had it came earlier in the run's order and no other task has it now (a worker of
    several threads); else it renders with a fresh one, as a re-run chunk does that comes after
    later ones. Kept across tasks, it saves cutting, shipping and offering the examples the tally
    would refuse: on the real corpus ×10 in chunks of 256 calls, 82 examples cut instead of 2,658
    (one agent; more agents, more saved), ~75 ms less of `digest_run` and 0.8 MB less to ship."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._run = ""
        self._last = -1  # the latest chunk that had the memo
        self._memo: dict = {}

    def take(self, run: str, index: int | None) -> dict | None:
        """The memo for the run's `index`th chunk, or None: then render with a fresh one."""
        if index is None or not self._lock.acquire(blocking=False):
            return None
        if run != self._run:
            self._run, self._last, self._memo = run, -1, {}
        if index <= self._last:
            self._lock.release()
            return None
        self._last = index
        return self._memo

    def give_back(self) -> None:
        self._lock.release()


_MEMO = _RenderMemo()  # on a worker


def _load(spec: WorkSpec):
    """The spec's scheme, compiled: from its path when this machine has the same files there (a
    LocalCluster, a shared disk), else from the shipped bytes; and what auditing loads lazily."""
    from .audit import _preload
    from .scheme import load_scheme

    path = Path(spec.scheme_path)
    if not _same_files(path, spec.files):
        folder = Path(tempfile.mkdtemp(prefix="qa-check-scheme-"))
        root = folder / spec.scheme_name if spec.is_folder else folder  # what the files are relative to
        for name, data in spec.files:
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        path = folder / spec.scheme_name
    scheme = load_scheme(path)
    scheme.roles = spec.roles  # as the client's (e.g. --agent-channel)
    _preload(scheme, spec.segmenter)
    return scheme


def _tune_gc() -> None:
    """As `audit.batch_gc`, for the worker's life: what is loaded by now (the scheme, the tables)
    is out of the collector's walks, and it runs every GC_THRESHOLD allocations."""
    from .audit import GC_THRESHOLD

    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    _TUNED.append(True)


_TUNED: list = []  # non-empty once `_tune_gc` ran in this process


def _same_files(path: Path, files: tuple[tuple[str, bytes], ...]) -> bool:
    try:
        return path.exists() and scheme_files(path) == files
    except OSError:
        return False
