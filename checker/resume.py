"""`qa-check audit --resume`: the journal an unfinished run leaves behind, and how a run picks it up.

While an audit runs, its temporary report folder (see `report.base.atomic_folder`) holds
`journal.jsonl`: a header line with fingerprints of the run (the scheme's bytes, the input files'
paths, sizes and modification times, the options that change the output), then one line per item
the writers were given, in output order, handed to the OS in small batches. A result line holds what
the audit computed (findings, score, …) and the key of its call, not the call itself; an error
line only its key. A killed or interrupted run leaves the folder and its journal in place.

`--resume` finds the newest such folder of the same `--out`, refuses (exit 3) when the
fingerprints differ, then re-reads the input from the start (reading is cheap next to auditing):
the first items, one per journal line, are checked against their keys and rebuilt from the journal
without being audited, so every writer (the aggregating ones too) sees the same stream as an
uninterrupted run; the rest is audited as usual. Inputs are read in a fixed order and the pool
keeps that order, so the journal is always a prefix of the stream. The new run journals the
replayed items again, so it can itself be resumed; its predecessor's folder is deleted once the
replay is through. The journal is deleted before the report is renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import orjson

from .model import Call, CallResult, InputError

__all__ = ["JOURNAL", "Journal", "Leftover", "ResumeRefused", "fingerprint", "find_leftover", "load_journal", "replay"]

JOURNAL = "journal.jsonl"
FORMAT = 1


class ResumeRefused(Exception):
    """The interrupted run cannot be continued: its scheme, inputs or options differ."""


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=repr) + "\n"


def _dump_fast(obj: Any, slow: Callable[[], Any] | None = None) -> str:
    """`_dump` with orjson (~5x faster); what orjson refuses (a key that is not a string, an
    integer past 64 bits) goes through `_dump`, of `slow()` when given (`obj` as the standard
    encoder takes it). NaN, which no result holds, would read back as null."""
    try:
        return orjson.dumps(obj, default=repr, option=orjson.OPT_APPEND_NEWLINE).decode("utf-8")
    except TypeError:
        return _dump(obj if slow is None else slow())


FLUSH_EVERY = 100  # journal lines handed to the OS at once …
FLUSH_SECONDS = 0.5  # … or after this long, whichever comes first


def item_key(item: Call | CallResult | InputError) -> list:
    if isinstance(item, InputError):
        return ["e", item.file, item.line, item.call_id, item.reason]
    call = item.call if isinstance(item, CallResult) else item
    return ["r", call.source, call.line, call.call_id]


class Journal:
    """Appends one line per item to `folder/journal.jsonl`, flushed as it goes."""

    def __init__(self, header: dict[str, Any]) -> None:
        self.header = header
        self.path: Path | None = None
        self._fh: TextIO | None = None
        self.count = 0
        self._flushed = 0
        self._flushed_at = time.monotonic()

    def open(self, folder: Path) -> None:
        self.path = folder / JOURNAL
        self._fh = fh = self.path.open("w", encoding="utf-8")
        fh.write(_dump({"journal": FORMAT, **self.header}))
        fh.flush()

    @staticmethod
    def line_for(item: CallResult | InputError) -> str:
        """The journal line of an item (made where the call was audited, see `report.base.RenderedRun`)."""
        if isinstance(item, InputError):
            return _dump_fast({"k": item_key(item)})
        # The findings handed to orjson as dataclasses (~3x faster than as dicts), byte for byte the
        # same; the standard encoder, when orjson refuses, needs them as dicts.
        key = item_key(item)
        return _dump_fast(
            {"k": key, **item.to_json(call=False, findings_as_dicts=False)},
            lambda: {"k": key, **item.to_json(call=False)},
        )

    def add(self, item: CallResult | InputError) -> None:
        self.add_lines(self.line_for(item), 1)

    def add_lines(self, lines: str, n: int) -> None:
        """`n` items' lines, joined."""
        if self._fh is None:
            raise RuntimeError("the journal is not open")
        self._fh.write(lines)
        self.count += n
        # Handed to the OS in batches, not line by line (a write per call cost more than the
        # call's report rows): a process killed outright loses at most the last batch, which
        # --resume then audits again; an interrupt or SIGTERM flushes everything (`flush`).
        if self.count - self._flushed >= FLUSH_EVERY or time.monotonic() - self._flushed_at > FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self._fh is not None:
            self._fh.flush()
            self._flushed, self._flushed_at = self.count, time.monotonic()

    def close(self, delete: bool) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if delete and self.path is not None:
            self.path.unlink(missing_ok=True)


def fingerprint(
    paths: Iterable[Path], scheme_path: Path, calls_meta: Path | None = None, options: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What must not change between an interrupted run and its resumption."""
    from . import __version__
    from .read import SIDECAR_NAME, iter_files

    scheme = hashlib.sha256()
    root = Path(scheme_path)
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
    for p in files:
        scheme.update(str(p.relative_to(root) if root.is_dir() else p.name).encode() + b"\0")
        scheme.update(p.read_bytes() if p.is_file() else b"<missing>")
        scheme.update(b"\0")
    inputs = hashlib.sha256()
    seen: set[Path] = set()
    listed = list(iter_files(paths))
    extra = [Path(calls_meta)] if calls_meta else []
    extra += [p.parent / SIDECAR_NAME for p in listed]
    for p in [*listed, *extra]:
        if p in seen:
            continue
        seen.add(p)
        try:
            st = p.stat()
            inputs.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        except OSError:
            inputs.update(f"{p}\0<missing>\n".encode())
    return {
        "version": __version__,
        "scheme": scheme.hexdigest(),
        "inputs": inputs.hexdigest(),
        "options": options or {},
    }


@dataclass
class Leftover:
    folder: Path
    header: dict[str, Any]
    entries: list[dict[str, Any]]


def leftover_folders(target: Path) -> list[Path]:
    """Temporary folders of `target` that hold a journal, newest journal first."""
    target = Path(target)
    if not target.parent.is_dir():
        return []
    found = []
    for p in target.parent.glob(f".{target.name}.*.tmp"):
        journal = p / JOURNAL
        try:
            found.append((journal.stat().st_mtime_ns, p))
        except OSError:
            continue
    return [p for _, p in sorted(found, reverse=True)]


def load_journal(folder: Path) -> Leftover:
    """The header and every complete entry; a last line cut short by the interruption is ignored."""
    header: dict[str, Any] | None = None
    entries: list[dict[str, Any]] = []
    with (folder / JOURNAL).open(encoding="utf-8") as fh:
        for raw in fh:
            if not raw.endswith("\n"):
                break  # written in part when the run was killed
            try:
                data = json.loads(raw)
            except json.JSONDecodeError:
                break
            if header is None:
                header = data
            else:
                entries.append(data)
    if header is None or header.get("journal") != FORMAT:
        raise ResumeRefused(f"{folder / JOURNAL} is not a journal this version of qa-check reads")
    header = {k: v for k, v in header.items() if k != "journal"}
    return Leftover(folder, header, entries)


def find_leftover(target: Path) -> Leftover | None:
    """The newest readable journal an interrupted run of `target` left, if any."""
    for folder in leftover_folders(target):
        try:
            return load_journal(folder)
        except (OSError, ResumeRefused):
            continue
    return None


def check_compatible(leftover: Leftover, header: dict[str, Any]) -> None:
    old = leftover.header
    problems = []
    if old.get("version") != header.get("version"):
        problems.append(f"qa-check version {old.get('version')} → {header.get('version')}")
    if old.get("scheme") != header.get("scheme"):
        problems.append("the scheme has changed")
    if old.get("inputs") != header.get("inputs"):
        problems.append("the input files have changed (paths, sizes or modification times)")
    for key in sorted(set(old.get("options", {})) | set(header.get("options", {}))):
        a, b = old.get("options", {}).get(key), header.get("options", {}).get(key)
        if a != b:
            problems.append(f"option {key}: {a!r} → {b!r}")
    if problems:
        raise ResumeRefused(
            f"cannot resume the interrupted run in {leftover.folder}: {'; '.join(problems)}. "
            "Run without --resume to start afresh."
        )


def replay(records: Iterator[Call | InputError], leftover: Leftover) -> Iterator[CallResult | InputError]:
    """The journaled prefix of the stream, rebuilt from re-read `records` and the journal entries.

    Consumes exactly one record per entry; raises ResumeRefused when a record is not the one the
    journal names (the input changed in a way the fingerprint missed) or the input ends early.
    """
    for n, entry in enumerate(leftover.entries, 1):
        record = next(records, None)
        if record is None:
            raise ResumeRefused(f"cannot resume: the input ends before item {n} of the journal in {leftover.folder}")
        key = item_key(record)
        if key != entry["k"]:
            raise ResumeRefused(
                f"cannot resume: item {n} of the input is {key[1]}:{key[2]} ({key[3]}), the journal in "
                f"{leftover.folder} has {entry['k'][1]}:{entry['k'][2]} ({entry['k'][3]}). Run without --resume."
            )
        yield record if isinstance(record, InputError) else CallResult.from_json(entry, record)


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
