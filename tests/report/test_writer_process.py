"""A writer's own process (`writer_process`): calls in order, results and errors back, and a child
that never outlives its parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checker.report.writer_process import WriterFailed, WriterProcess

ROOT = Path(__file__).resolve().parents[2]


def test_calls_arrive_in_order_and_the_last_one_answers():
    proc = WriterProcess("a list", list)
    for i in range(5000):  # more than a pipe's buffer: the parent is held back, nothing is lost
        proc.send("append", i)
    proc.finish("copy")
    assert proc.wait() == list(range(5000))


def test_an_error_is_kept_for_wait():
    proc = WriterProcess("a list", list)
    proc.send("remove", 42)  # ValueError in the child; the parent does not hear of it yet
    proc.send("append", 1)
    proc.finish("copy")
    with pytest.raises(WriterFailed, match="(?s)writing a list failed in its process.*ValueError"):
        proc.wait()


def test_abort_ends_the_child():
    proc = WriterProcess("a list", list)
    proc.send("append", 1)
    proc.abort()
    assert proc._proc.exitcode is not None


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_the_child_ends_when_its_parent_is_killed():
    """A parent killed with SIGKILL closes nothing itself: the child must still see the end of its
    input (it holds no copy of the parent's end of the pipe), or a killed audit would leave it
    running and holding the terminal's stderr."""
    code = (
        f"import sys, time; sys.path.insert(0, {str(ROOT)!r})\n"
        "from checker.report.writer_process import WriterProcess\n"
        "p = WriterProcess('a list', list)\n"
        "print(p._proc.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.05)
    assert not _alive(child)
    parent.stdout.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (ended, not yet reaped by init in this container) counts as ended
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
