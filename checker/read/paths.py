"""Which files a run reads, and the check of the paths given, made before anything is written.

A path that does not exist (a typo: `qa-check audit transcirpts`), a folder with no transcript in
it, or a file given by name that is no transcript format stops the run at once (`InputPathError`,
exit 2): auditing nothing would replace the last report with an empty one. Inside a folder, a
file of another type (`.docx`, `.pdf`, a README) is listed as skipped, never passed over unseen.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..model import SkippedFile

__all__ = ["InputPathError", "check_inputs", "iter_inputs", "skip_reason"]


class InputPathError(ValueError):
    """The paths given cannot make a run; the message names each bad one and why."""


def check_inputs(paths: Iterable[Path | str], suffixes: Iterable[str], ignore: Iterable[str] = ()) -> None:
    """Raise InputPathError unless every path exists and holds (or is) something to read."""
    suffixes, ignore = tuple(suffixes), set(ignore)
    problems = []
    for path in map(Path, paths):
        if not path.exists():
            problems.append(f"{path}: no such file or folder")
        elif path.is_dir():
            others = []
            for item in iter_inputs([path], suffixes, ignore):
                if not isinstance(item, SkippedFile):
                    break
                others.append(Path(item.file).name)
            else:
                held = f"it holds only {_listed(others)}" if others else "it is empty"
                problems.append(f"{path}: no transcript in this folder ({held}); qa-check reads {_formats(suffixes)}")
        elif path.suffix.lower() not in suffixes:
            problems.append(
                f"{path}: {path.suffix or 'a file without a suffix'} is not a transcript format; "
                f"qa-check reads {_formats(suffixes)}"
            )
    if problems:
        raise InputPathError("\n".join(problems))


def iter_inputs(
    paths: Iterable[Path | str], suffixes: Iterable[str], ignore: Iterable[str] = ()
) -> Iterator[Path | SkippedFile]:
    """The files to read under `paths`, in a stable order (folders searched recursively), and
    a SkippedFile for every other file found in a folder. Files named in `ignore` (side-cars,
    read for the transcripts beside them) are neither."""
    suffixes, ignore = tuple(suffixes), set(ignore)
    for p in map(Path, paths):
        if not p.is_dir():
            yield p
            continue
        for f in sorted(f for f in p.rglob("*") if f.is_file()):
            if f.name in ignore:
                continue
            reason = skip_reason(f, suffixes)
            yield f if reason is None else SkippedFile(str(f), None, reason)


def skip_reason(path: Path, suffixes: tuple[str, ...]) -> str | None:
    """Why a file found in a folder is not read (None: it is read)."""
    if path.name.startswith("~$"):  # Excel's lock file beside an open workbook
        return "skipped: an Excel lock file (the workbook is open in Excel), not a transcript"
    if path.suffix.lower() not in suffixes:
        kind = path.suffix or "a file without a suffix"
        return f"skipped: {kind} is not a transcript format (qa-check reads {_formats(suffixes)})"
    return None


def _formats(suffixes: tuple[str, ...]) -> str:
    return ", ".join(suffixes)


def _listed(names: list[str], most: int = 5) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")
