"""Readers: every transcript format becomes the same `Call` (SPEC "Transcripts in").

Readers are plug-ins keyed by file suffix; each yields Calls and InputErrors in file order, so a
bad record is reported where it stands and the rest of the file is still read. ASR vendor results
are `.json` too: `native.read_json` tells them from native calls by content (`asr.detect_vendor`).
A `calls_meta.csv` side-car next to the transcripts (or `calls_meta=`) fills in call metadata.
Files of other types in a folder come out as `SkippedFile`s; `check_inputs` (called before a run
writes anything) refuses paths that do not exist or hold nothing to read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Literal, overload

from ..model import Call, InputError, SkippedFile
from .roles import RecordError, RoleMap
from .native import RawLine, parse_raw_line, read_json, read_jsonl, read_jsonl_raw
from .text import parse_text, read_text
from .table import read_csv
from .sheet import read_xlsx
from .parquet import read_parquet
from .paths import InputPathError, iter_inputs
from .paths import check_inputs as _check_inputs
from .sidecar import SIDECAR_NAME, CallsMeta, apply_calls_meta, load_calls_meta

__all__ = [
    "read_paths",
    "read_file",
    "iter_files",
    "check_inputs",
    "InputPathError",
    "RoleMap",
    "parse_text",
    "READERS",
    "SIDECAR_NAME",
    "RawLine",
    "parse_raw_line",
]

READERS = {
    ".json": read_json,
    ".jsonl": read_jsonl,
    ".txt": read_text,
    ".csv": read_csv,
    ".xlsx": read_xlsx,
    ".parquet": read_parquet,
}


# Reviewers' verdicts on the calls of a folder (`qa-check calibrate`), kept beside them: not a transcript.
LABELS_NAME = "labels.csv"
# Files in a folder that sit beside the calls without being transcripts.
NOT_TRANSCRIPTS = (SIDECAR_NAME, LABELS_NAME)


def check_inputs(paths: Iterable[Path | str]) -> None:
    """Raise InputPathError naming every path given that does not exist or holds no transcript
    (see `paths`); a run calls this before it writes anything."""
    _check_inputs(paths, READERS, ignore=NOT_TRANSCRIPTS)


def iter_files(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Transcript files under the given paths, in a stable order; folders are searched recursively
    (a calls side-car and a labels file in them are not transcripts)."""
    return (p for p in iter_inputs(paths, READERS, ignore=NOT_TRANSCRIPTS) if isinstance(p, Path))


# Without `raw` no RawLine comes out: the overloads say so to the type checker.
@overload
def read_file(path: Path, roles: RoleMap, raw: Literal[False] = False) -> Iterator[Call | InputError]: ...
@overload
def read_file(path: Path, roles: RoleMap, raw: bool) -> Iterator[Call | InputError | RawLine]: ...
def read_file(path: Path, roles: RoleMap, raw: bool = False) -> Iterator[Call | InputError | RawLine]:
    """The calls of one file; with `raw`, a JSON Lines file yields its lines unparsed (`RawLine`,
    one per call or error, for `parse_raw_line`) so that parsing can happen in a worker."""
    reader: Callable[[Path, RoleMap], Iterator[Call | InputError | RawLine]] | None = READERS.get(path.suffix.lower())
    if raw and reader is read_jsonl:
        reader = read_jsonl_raw
    if reader is None:
        yield InputError(
            str(path), None, f"unknown transcript format {path.suffix!r}; expected one of {', '.join(READERS)}"
        )
        return
    if not path.is_file():
        yield InputError(str(path), None, "no such file")
        return
    if path.name == SIDECAR_NAME:
        yield InputError(
            str(path),
            None,
            f"{SIDECAR_NAME} is a calls side-car, not a transcript: it is read "
            "for the transcripts in its folder, or pass it with --calls-meta",
        )
        return
    try:
        yield from reader(path, roles)
    except (OSError, UnicodeError) as exc:
        yield InputError(str(path), None, f"cannot read file: {exc}")
    except RecordError as exc:  # a reader's own "stop here" (e.g. a file past a limit)
        yield InputError(str(path), exc.line, str(exc))


@overload
def read_paths(
    paths: Iterable[Path | str], roles: RoleMap, calls_meta: Path | str | None = None, raw: Literal[False] = False
) -> Iterator[Call | InputError]: ...
@overload
def read_paths(
    paths: Iterable[Path | str], roles: RoleMap, calls_meta: Path | str | None = None, raw: bool = ...
) -> Iterator[Call | InputError | RawLine]: ...
def read_paths(
    paths: Iterable[Path | str], roles: RoleMap, calls_meta: Path | str | None = None, raw: bool = False
) -> Iterator[Call | InputError | RawLine]:
    """Every call under `paths`, with side-car metadata filled in (see `sidecar`).

    With `raw`, the lines of JSON Lines files that no side-car applies to come unparsed
    (`RawLine`): each becomes exactly one Call or InputError through `parse_raw_line`."""
    loaded: dict[Path, CallsMeta] = {}

    def sidecar(path: Path) -> Iterator[InputError]:
        key = path.resolve()
        if key not in loaded:
            loaded[key] = load_calls_meta(path)
            yield from loaded[key].errors

    explicit: list[CallsMeta] = []
    if calls_meta is not None:
        yield from sidecar(Path(calls_meta))
        explicit.append(loaded[Path(calls_meta).resolve()])
    for path in iter_inputs(paths, READERS, ignore=NOT_TRANSCRIPTS):
        if isinstance(path, SkippedFile):
            yield path
            continue
        if calls_meta is not None and path.resolve() == Path(calls_meta).resolve():
            continue  # the side-car given with --calls-meta, kept among the transcripts
        near = path.parent / SIDECAR_NAME
        sidecars = list(explicit)
        if near.is_file():
            yield from sidecar(near)
            if loaded[near.resolve()] not in sidecars:
                sidecars.append(loaded[near.resolve()])
        for item in read_file(path, roles, raw=raw and not sidecars):
            if sidecars and isinstance(item, Call):
                item = apply_calls_meta(item, sidecars)
            yield item
    for meta in loaded.values():
        yield from meta.unused_bad_rows()
