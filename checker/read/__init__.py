"""Readers: every transcript format becomes the same `Call` (SPEC "Transcripts in").

Readers are plug-ins keyed by file suffix; each yields Calls and InputErrors in file order, so a
bad record is reported where it stands and the rest of the file is still read.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..model import Call, InputError
from .roles import RoleMap
from .native import read_json, read_jsonl
from .text import parse_text, read_text
from .table import read_csv

__all__ = ["read_paths", "read_file", "iter_files", "RoleMap", "parse_text", "READERS"]

READERS = {
    ".json": read_json,
    ".jsonl": read_jsonl,
    ".txt": read_text,
    ".csv": read_csv,
}


def iter_files(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Transcript files under the given paths, in a stable order; folders are searched recursively."""
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in READERS)
        else:
            yield p


def read_file(path: Path, roles: RoleMap) -> Iterator[Call | InputError]:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        yield InputError(str(path), None, f"unknown transcript format {path.suffix!r}; expected one of {', '.join(READERS)}")
        return
    if not path.is_file():
        yield InputError(str(path), None, "no such file")
        return
    try:
        yield from reader(path, roles)
    except (OSError, UnicodeDecodeError) as exc:
        yield InputError(str(path), None, f"cannot read file: {exc}")


def read_paths(paths: Iterable[Path | str], roles: RoleMap) -> Iterator[Call | InputError]:
    for path in iter_files(paths):
        yield from read_file(path, roles)
