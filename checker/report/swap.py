"""Putting a finished report folder in place of the previous one, so that a crash at any moment
leaves one whole report, and what a crashed run left behind cleaned up by the next.

`swap_into_place(new, target)`:

* no `target` yet: one `rename`, atomic.
* Linux (glibc 2.28+, a file system that supports it): `renameat2(RENAME_EXCHANGE)` swaps the two
  folders in one atomic step; `new` then holds the previous report and is deleted. A crash after
  the exchange leaves the new report in place and the old one in a temporary folder without a
  journal, which `clean_leftovers` removes.
* elsewhere, two renames: `target` → `.NAME.old-PID`, then `new` → `target`. Before the first, an
  intent file `.NAME.swap` (written and synced) names both folders; `recover_swap` reads it and
  finishes the swap whichever step the crash came after: the new report is complete before the
  swap begins, so finishing is always right. Between the two renames (a few microseconds) there is
  no `target`; the next run of the same `--out`, or `recover_swap`, puts it back.

`clean_leftovers(target)`, run by the next audit of the same `--out` under its lock (`lock`):
finishes an interrupted swap, deletes `.NAME.old-*` folders and temporary folders that hold no
resume journal (a journal's folder is an interrupted run that `--resume` continues).

For tests, `QA_CHECK_TEST_CRASH_AT=<step>` ends the process (`os._exit`) at a named step, as a
power cut would: `swap-begin`, `swap-exchanged`, `swap-intent`, `swap-old-moved`,
`swap-new-moved`; `QA_CHECK_TEST_TWO_STEP_SWAP=1` uses the two renames where the exchange works.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import os
import shutil
import sys
from pathlib import Path

__all__ = ["swap_into_place", "recover_swap", "clean_leftovers", "crash_point"]

CRASH_ENV = "QA_CHECK_TEST_CRASH_AT"
TWO_STEP_ENV = "QA_CHECK_TEST_TWO_STEP_SWAP"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def crash_point(step: str) -> None:
    """End the process here, as a crash would, when the test hook names this step."""
    if os.environ.get(CRASH_ENV) == step:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(137)


def swap_into_place(new: Path, target: Path) -> None:
    """Put the complete report folder `new` at `target`, replacing what is there (see above)."""
    new, target = Path(new), Path(target)
    crash_point("swap-begin")
    if not target.exists():
        os.rename(new, target)
        return
    if not os.environ.get(TWO_STEP_ENV) and _exchange(new, target):
        crash_point("swap-exchanged")
        shutil.rmtree(new, ignore_errors=True)  # the previous report
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    intent = _intent_path(target)
    _write_synced(intent, json.dumps({"new": new.name, "old": old.name}))
    crash_point("swap-intent")
    os.rename(target, old)
    crash_point("swap-old-moved")
    os.rename(new, target)
    crash_point("swap-new-moved")
    intent.unlink(missing_ok=True)
    shutil.rmtree(old, ignore_errors=True)


def recover_swap(target: Path) -> str | None:
    """Finish a two-step swap a crash interrupted; what was done, or None when there was none."""
    target = Path(target)
    intent = _intent_path(target)
    try:
        names = json.loads(intent.read_text(encoding="utf-8"))
        new, old = target.with_name(names["new"]), target.with_name(names["old"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):  # cut short before it was synced: no rename happened
        intent.unlink(missing_ok=True)
        return None
    done = None
    if new.is_dir():
        if target.exists() and not old.exists():  # crashed before the first rename
            os.rename(target, old)
        if not target.exists():
            os.rename(new, target)
            done = f"finished putting the report of an interrupted run in place at {target}"
    if not target.exists() and old.is_dir():  # the new report is gone: the previous one back
        os.rename(old, target)
        done = f"put the previous report back at {target}"
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
    intent.unlink(missing_ok=True)
    return done or f"cleaned up after an interrupted swap at {target}"


def clean_leftovers(target: Path, keep: Path | None = None) -> list[str]:
    """Finish an interrupted swap and delete what crashed runs of `target` left that no run can
    use: old reports and temporary folders without a resume journal (`keep` excepted). Only under
    the report folder's lock: another run's folders would look the same."""
    from ..resume import JOURNAL

    target = Path(target)
    notes = []
    recovered = recover_swap(target)
    if recovered:
        notes.append(recovered)
    if not target.parent.is_dir():
        return notes
    for p in sorted(target.parent.glob(f".{target.name}.old-*")) + sorted(target.parent.glob(f".{target.name}.*.tmp")):
        if keep is not None and p == keep or not p.is_dir():
            continue
        if p.name.endswith(".tmp") and (p / JOURNAL).is_file():
            continue  # an interrupted run: `--resume` continues it
        shutil.rmtree(p, ignore_errors=True)
        notes.append(f"removed {p.name}, left by a run that did not finish")
    return notes


def _intent_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.swap")


def _write_synced(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    try:  # the rename itself made durable before the folders move
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with renameat2(RENAME_EXCHANGE); False where that cannot be done."""
    fn = _renameat2()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EPERM):
        return False  # not supported here: the two-step swap
    raise OSError(err, os.strerror(err), str(b))


_LIBC: list = []


def _renameat2():
    if not _LIBC:
        fn = None
        if sys.platform.startswith("linux"):
            try:
                libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
                fn = libc.renameat2
                fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
                fn.restype = ctypes.c_int
            except (OSError, AttributeError):  # musl, an old glibc
                fn = None
        _LIBC.append(fn)
    return _LIBC[0]
