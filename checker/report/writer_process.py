"""A writer's heavy work done in a process of its own, fed while the run goes on.

report.xlsx costs about a quarter of what auditing the calls does (every finding and every call
is a row of XML, and the sheets are zipped): written at the end, it would add that to the run.
Its rows are ready call by call, so a process of its own takes them as they come and writes them
while the audit goes on; the end of the run then only adds what needs the whole batch. The wall
time falls by what the two processes overlap; the CPU time stays what it was.

The process owns one object, built there from a picklable factory and arguments. The parent sends
it method calls in order without waiting (`send`; the child takes up to `BACKLOG` of them ahead of
its work, and a full backlog holds the parent back, so memory stays bounded), then the last one
(`finish`), and takes its result or the
child's error when it needs it (`wait`). An error in the child is kept and reported by `wait`, so the parent
never meets a broken pipe halfway through a run. A parent that goes away (an exception, Ctrl-C)
closes its end, and the child stops.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import signal
import threading
import traceback
from collections.abc import Callable
from typing import Any

__all__ = ["WriterProcess", "WriterFailed"]


class WriterFailed(RuntimeError):
    """The writer's process failed; the message holds its traceback."""


class WriterProcess:
    def __init__(self, name: str, factory: Callable[..., Any], *args: Any) -> None:
        self.name = name
        ctx = _context()
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(
            target=_serve, args=(child, self._conn, factory, args), name=f"qa-check {name}", daemon=True
        )
        self._proc.start()
        child.close()
        self._done = False

    def send(self, method: str, *args: Any, last: bool = False) -> None:
        """Call `method(*args)` on the object in the child, without waiting for it."""
        try:
            self._conn.send((method, args, last))
        except OSError as exc:  # the child is gone: say why, if it can
            raise self._failure(f"its process stopped ({exc})") from exc

    def finish(self, method: str, *args: Any) -> None:
        """Call `method(*args)` last, without waiting: `wait` takes its result."""
        self.send(method, *args, last=True)

    def wait(self) -> Any:
        """Wait for the last call and for the process to end; the call's result."""
        try:
            ok, value = self._conn.recv()
        except (OSError, EOFError) as exc:
            raise self._failure(f"its process stopped ({exc})") from exc
        finally:
            self._done = True
            self._conn.close()
            self._proc.join()
        if not ok:
            raise WriterFailed(f"writing {self.name} failed in its process:\n{value}")
        return value

    def abort(self) -> None:
        """Stop the child without a result (the run failed or was interrupted)."""
        if self._done:
            return
        self._done = True
        self._conn.close()  # the child's next receive ends it
        self._proc.join(timeout=10)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()

    def _failure(self, why: str) -> WriterFailed:
        self.abort()
        return WriterFailed(f"writing {self.name} failed: {why}, exit code {self._proc.exitcode}")


def _context():
    # fork is cheap (the child needs nothing loaded again), but forking a process that runs other
    # threads (a Dask client's) can leave the child holding a lock no thread will release.
    if "fork" in mp.get_all_start_methods() and threading.active_count() == 1:
        return mp.get_context("fork")
    return mp.get_context("spawn")


def _serve(conn, parent_end, factory: Callable[..., Any], args: tuple) -> None:
    # A forked child holds the parent's end too: closed, so that the parent's death (even by
    # SIGKILL) reaches the child as the end of its input.
    parent_end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it closes the pipe
    # A thread takes the calls off the pipe as they come, up to BACKLOG ahead of the work: the
    # parent's sends return at once while this process works, instead of waiting for the call
    # before to be done (the work comes in bursts: a call with many findings, then none).
    inbox: queue.Queue = queue.Queue(maxsize=BACKLOG)
    threading.Thread(target=_receive, args=(conn, inbox), daemon=True).start()
    obj, error = None, None
    try:
        obj = factory(*args)
    except BaseException:  # noqa: BLE001  (any failure is reported to the parent by `wait`)
        error = traceback.format_exc()
    while True:
        message = inbox.get()
        if message is None:  # the parent went away: no result is wanted
            _close(obj)
            return
        method, margs, reply = message
        value = None
        if error is None:
            try:
                value = getattr(obj, method)(*margs)
            except BaseException:  # noqa: BLE001  (kept for `wait`)
                error = traceback.format_exc()
        if reply:
            if error is not None:
                _close(obj)
            conn.send((error is None, error if error is not None else value))
            conn.close()
            return


BACKLOG = 16  # calls received and not yet made (for the workbook: 16 × 2,000 rows, a few MB)


def _receive(conn, inbox: queue.Queue) -> None:
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            inbox.put(None)
            return
        inbox.put(message)
        if message[2]:  # the last call: the answer goes back on the same connection
            return


def _close(obj: Any) -> None:
    """Give the object a chance to remove what it wrote (its `abandon` method, if it has one)."""
    abandon = getattr(obj, "abandon", None)
    if abandon is not None:
        try:
            abandon()
        except Exception:  # noqa: BLE001  (cleaning up after a failure: the first error is the one to report)
            pass
