"""An ordered process pool for the audit: `OrderedPool(n, init, initargs).map(fn, chunks)`.

Why not `multiprocessing.Pool.imap`: terminating it on Ctrl-C or SIGTERM can hang for good (its
task-handler thread stays blocked sending a chunk to workers that are gone, and `terminate()` joins
it), and an interrupted audit must stop at once, leaving its resume journal. Here chunk i goes to
worker i mod n, each worker answers its chunks in the order it got them, and results are read back
in the same round: input order by construction, as `imap` gives. One feeder thread per worker sends
the chunks, so the parent never blocks on a full pipe while a worker waits for it to read; at most
`depth` chunks per worker are in flight, so memory stays flat. Stopping kills the workers (by their
own process ids) and closes the pipes: nothing is left to join.
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import pickle
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
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
    def __init__(self, processes: int, fn: Callable[[Any], Any], init: Callable | None = None, initargs: tuple = (),
                 depth: int = 3) -> None:
        fork = "fork" in mp.get_all_start_methods()
        ctx = mp.get_context("fork" if fork else "spawn")
        self.depth = depth
        self._procs = []
        self._conns = []
        self._feeds: list[queue.SimpleQueue] = []
        frozen = gc.get_freeze_count()  # the caller's own freeze (`audit.batch_gc`) is kept
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
            threading.Thread(target=self._feeder, args=(conn, feed), daemon=True).start()
            self._feeds.append(feed)

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

    def map(self, chunks: Iterable[Any]) -> Iterator[Any]:
        """The result of `fn` for every chunk, in the order of `chunks`."""
        n = len(self._procs)
        chunks = iter(chunks)
        sent = received = 0
        exhausted = False
        while True:
            while not exhausted and sent - received < n * self.depth:
                chunk = next(chunks, _END)
                if chunk is _END:
                    exhausted = True
                    break
                self._feeds[sent % n].put(pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL))
                sent += 1
            if received == sent:
                return
            w = received % n
            try:
                ok, value = pickle.loads(self._conns[w].recv_bytes())
            except (EOFError, OSError):
                raise WorkerError(f"audit worker {self._procs[w].pid} died (exit code {self._procs[w].exitcode})") from None
            if not ok:
                raise WorkerError(value)
            received += 1
            yield value

    def close(self) -> None:
        """Let the workers finish and exit (after every chunk was answered)."""
        for feed in self._feeds:
            feed.put(b"")
        for proc in self._procs:
            proc.join(timeout=10)
        self.kill()

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
