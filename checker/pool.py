"""An ordered process pool for the audit: `OrderedPool(n, fn, init, initargs).map(chunks, local)`.

Why not `multiprocessing.Pool.imap`: terminating it on Ctrl-C or SIGTERM can hang for good (its
task-handler thread stays blocked sending a chunk to workers that are gone, and `terminate()` joins
it), and an interrupted audit must stop at once, leaving its resume journal. Here the chunks sent
out go to the workers in turn, each worker answers its chunks in the order it got them, and
results are read back in chunk order: input order by construction, as `imap` gives. With `local`,
the calling process takes a chunk itself whenever the oldest one out is not answered yet, so it
works instead of waiting (its results wait in line for the ones before them). One feeder thread
per worker sends the chunks, so the parent never blocks on a full pipe while a worker waits for it
to read; at most `depth` chunks per worker (and `ahead` done here) are in flight, so memory stays
flat. Stopping kills the workers (by their own process ids) and closes the pipes: nothing is left
to join.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import pickle
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

__all__ = ["OrderedPool", "WorkerError"]


class WorkerError(RuntimeError):
    """A worker died, or raised: the traceback text of the worker is in the message."""


def _worker(conn, fn: Callable, init: Callable | None, initargs: tuple, inherited: list) -> None:
    for other in inherited:  # the parent's ends of the pipes, so that a dead parent means EOF here
        other.close()
    if init is not None:
        init(*initargs)
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if not data:
            return
        try:
            out = (True, fn(pickle.loads(data)))
        except BaseException as exc:  # reported to the parent, which raises it there
            import traceback

            out = (False, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        try:
            conn.send_bytes(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
        except (EOFError, OSError):
            return


class OrderedPool:
    def __init__(
        self,
        processes: int,
        fn: Callable[[Any], Any],
        init: Callable | None = None,
        initargs: tuple = (),
        depth: int = 3,
        frozen: bool = False,
        ahead: int | None = None,
    ) -> None:
        """`depth`: chunks in flight per worker; `ahead`: chunks done here that may wait in line for
        a worker's (default `depth`; a caller whose last chunks are smaller lets this process take
        more of them meanwhile). `frozen`: the caller has frozen the collector's objects
        (`gc.freeze`, as `audit.batch_gc` does) and unfreezes them itself; else the pool freezes
        them only while it forks. (Asking `gc.get_freeze_count()` instead walks every frozen
        object: milliseconds.)"""
        fork = "fork" in mp.get_all_start_methods()
        ctx = mp.get_context("fork") if fork else mp.get_context("spawn")
        self.depth = depth
        self.ahead = depth if ahead is None else ahead
        self._procs: list[BaseProcess] = []
        self._conns: list[Connection] = []
        self._feeds: list[queue.SimpleQueue] = []
        self._feeders: list[threading.Thread] = []
        self._next = 0  # the worker the next chunk goes to
        if fork:
            # What the parent holds (the compiled scheme, dictionaries) is never freed by a worker:
            # keep it out of the workers' garbage collections, which would otherwise walk it all
            # and touch (copy) every page of it.
            gc.freeze()
        for _ in range(processes):
            parent, child = ctx.Pipe(duplex=True)
            inherited = [*self._conns, parent] if fork else []
            proc = ctx.Process(target=_worker, args=(child, fn, init, initargs, inherited), daemon=True)
            proc.start()
            child.close()
            self._procs.append(proc)
            self._conns.append(parent)
        if fork and not frozen:
            gc.unfreeze()
        for conn in self._conns:  # threads only once every worker is forked: no fork of a threaded process
            feed: queue.SimpleQueue = queue.SimpleQueue()
            feeder = threading.Thread(target=self._feeder, args=(conn, feed), daemon=True)
            feeder.start()
            self._feeds.append(feed)
            self._feeders.append(feeder)

    @staticmethod
    def _feeder(conn, feed: queue.SimpleQueue) -> None:
        while True:
            data = feed.get()
            try:
                conn.send_bytes(data)
            except (OSError, ValueError):  # the pool was stopped
                return
            if not data:
                return

    def map(self, chunks: Iterable[Any], local: Callable[[Any], Any] | None = None) -> Iterator[Any]:
        """The result of `fn` for every chunk, in the order of `chunks`.

        With `local` (the same work as `fn`, done in this process), this process works too: when
        the oldest chunk out is not answered yet, it takes the next chunk itself instead of
        waiting. The calling process then audits alongside its workers, instead of sitting on a
        core that it needs only now and then: `--jobs 2` is this process and one worker, which
        costs less than two workers and a bookkeeping parent (no pickling for this process's
        share, and three processes never contend for two cores)."""
        n = len(self._procs)
        if not n:  # no workers: this process does it all, or nothing can
            if local is None:
                raise ValueError("an OrderedPool without processes needs `local`")
            yield from map(local, chunks)
            return
        chunks = iter(chunks)
        # In chunk order: (True, result) for a chunk done here, (False, worker) for one sent out.
        pending: deque = deque()
        out = done_here = 0  # chunks with the workers, results made here waiting in line
        exhausted = False
        while True:
            while not exhausted and out < n * self.depth:
                chunk = next(chunks, _END)
                if chunk is _END:
                    exhausted = True
                    break
                w = self._next
                self._next = (w + 1) % n
                self._feeds[w].put(pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL))
                pending.append((False, w))
                out += 1
            if not pending:
                return
            here, value = pending[0]
            if here:
                pending.popleft()
                done_here -= 1
                yield value
                continue
            conn = self._conns[value]
            if local is not None and not exhausted and done_here < self.ahead and not conn.poll():
                chunk = next(chunks, _END)
                if chunk is _END:
                    exhausted = True
                else:
                    pending.append((True, local(chunk)))
                    done_here += 1
                continue
            try:
                ok, result = pickle.loads(conn.recv_bytes())
            except (EOFError, OSError):
                raise WorkerError(
                    f"audit worker {self._procs[value].pid} died (exit code {self._procs[value].exitcode})"
                ) from None
            if not ok:
                raise WorkerError(result)
            pending.popleft()
            out -= 1
            yield result

    def close(self) -> None:
        """Let the workers exit (after every chunk was answered). Their exit is not waited for:
        a worker takes a few milliseconds to go (the kernel unmaps its copy of this process),
        which this process spends on the reports instead; `multiprocessing` reaps it later."""
        for feed in self._feeds:
            feed.put(b"")
        for feeder in self._feeders:  # each has sent its end (or found its worker gone) …
            feeder.join(timeout=10)
        for conn in self._conns:  # … so its pipe can be closed under it: a worker reads EOF at worst
            conn.close()

    def kill(self) -> None:
        for proc in self._procs:
            if proc.is_alive():
                proc.kill()
        for proc in self._procs:
            proc.join(timeout=5)
        for conn in self._conns:
            conn.close()

    def __enter__(self) -> OrderedPool:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.kill()


_END = object()
