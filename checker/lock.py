"""One audit per report folder at a time.

Two runs writing one `--out` would swap their folders in turn (the last silently wins), and a
`--resume` started beside a live run would adopt its journal and delete its temporary folder.
A run holds an exclusive lock (filelock: `flock` on POSIX, `LockFileEx` on Windows, released by
the OS when the process dies, so a crash never leaves it held) on `.NAME.lock` beside the
report folder for its whole length; a second run is refused at once, naming the process that
holds it. Who holds it is written to `.NAME.lock.owner` (filelock truncates the lock file
itself when another process tries it). Under the lock, what crashed runs left is cleaned up
(`report.swap.clean_leftovers`).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

__all__ = ["OutputBusy", "output_lock"]


class OutputBusy(Exception):
    """Another run holds the report folder's lock."""


def lock_path(target: Path) -> Path:
    return Path(target).with_name(f".{Path(target).name}.lock")


@contextmanager
def output_lock(target: Path, log=None):
    """Hold `target`'s lock for the block; raise OutputBusy when another process holds it."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(target)
    owner = path.with_name(path.name + ".owner")
    lock = FileLock(str(path), timeout=0, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise OutputBusy(
            f"{target} is being written by another audit: {_describe(owner)}; "
            "wait for it to finish, or choose another --out"
        ) from None
    try:
        owner.write_text(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "command": " ".join(sys.argv[:1] + [a for a in sys.argv[1:]])[:500],
                },
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        from .report.swap import clean_leftovers

        for note in clean_leftovers(target):
            if log is not None:
                print(f"note: {note}", file=log)
        yield
    finally:
        owner.unlink(missing_ok=True)
        lock.release()


def _describe(owner: Path) -> str:
    try:
        data = json.loads(owner.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "a process that has not said which yet"
    return f"process {data.get('pid')} on {data.get('host')}, started {data.get('started')} (`{data.get('command')}`)"
