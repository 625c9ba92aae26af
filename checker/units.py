"""The audit's units of work, planned before anything is audited: what an executor hands out.

A unit is either an item the planning process read itself (a `Call`, an `InputError`, a JSON Lines
`RawLine` left for a worker to parse) or, when the units are to be read where they are audited
(`plan_units(..., remote=True)`: the Dask engine, whose workers may be other machines, and this
machine's processes), a `Slice`: a Parquet file's row groups (or a piece of a big one) or a whole
file, named by path or fsspec URL, which `read_slice`
turns into the same items, in the same order, with the same file:line, as reading the file here
would. Planning a Parquet file reads only its footer (the row-group sizes give the row numbers),
so a data lake's files are read once, by the processes that audit them.

What stays read here even then: a file a calls side-car applies to (the side-car's bad rows are
reported once for the whole run, after every file), and a JSON Lines file (its lines go out as
`RawLine`s, parsed on the workers, as `--engine local` does).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .model import Call, InputError
from .read import RawLine, parse_raw_line, read_file, read_paths
from .read.roles import RoleMap

__all__ = ["Slice", "plan_units", "read_slice", "expand", "local_path", "is_url"]

# Rows a Parquet slice holds (`plan_units`' default): small row groups are taken whole, several
# together up to this; a row group of twice this or more is cut in pieces of about this many rows.
SLICE_ROWS = 256


@dataclass(frozen=True)
class Slice:
    """Part of a file, read where it is audited. `groups` empty: the whole file (`read_file`);
    else `rows` rows of these row groups of a one-row-a-call Parquet file, after the first `skip`
    of them (a piece of a big row group), the slice's first being the file's row `first_row`."""

    path: str  # a local path or an fsspec URL
    groups: tuple[int, ...] = ()
    first_row: int = 1
    rows: int = 0  # calls in it, when known (the progress bar and chunking); with `groups`, always
    skip: int = 0


def is_url(path: str | Path) -> bool:
    return "://" in str(path)


def local_path(path: str | Path) -> str | Path:
    """`file://` URLs as the local paths they are; anything else as given."""
    text = str(path)
    if text.startswith("file://"):
        return Path(text[len("file://") :])
    return path


def plan_units(
    paths: Iterable[Path | str],
    roles: RoleMap,
    calls_meta: Path | None = None,
    raw: bool = False,
    remote: bool = False,
    slice_rows: int | None = None,
) -> Iterator[Call | InputError | RawLine | Slice]:
    """The units of a run, in input order (see the module's docstring). `raw`: JSON Lines lines
    come unparsed; `remote`: Parquet files without a side-car come as `Slice`s of row groups, of
    about `slice_rows` rows (default `SLICE_ROWS`)."""
    rows = slice_rows or SLICE_ROWS
    paths = [local_path(p) for p in paths]
    if not remote or calls_meta is not None:
        yield from read_paths(paths, roles, calls_meta, raw=raw)
        return
    from .model import SkippedFile
    from .read import NOT_TRANSCRIPTS, READERS, SIDECAR_NAME
    from .read.paths import iter_inputs

    urls = [p for p in paths if is_url(p)]
    if urls:  # remote storage (s3://, hdfs://, …): listed through fsspec, every file read on the workers
        if len(urls) != len(paths):
            raise ValueError("give either local paths or URLs of remote storage, not both")
        yield from _remote_units([str(u) for u in urls], roles, rows)
        return
    listed = list(iter_inputs(paths, READERS, ignore=NOT_TRANSCRIPTS))
    if any(
        (Path(item.file) if isinstance(item, SkippedFile) else Path(item)).parent.joinpath(SIDECAR_NAME).is_file()
        for item in listed
    ):
        # A side-car's bad rows are reported once, after every file it applies to: such a run is
        # read here, as `--engine local` reads it.
        yield from read_paths(paths, roles, None, raw=raw)
        return
    pending: list[Path] = []  # consecutive files read here, in their order among the others
    for item in listed:
        if isinstance(item, SkippedFile) or item.suffix.lower() == ".parquet":
            if pending:
                yield from read_paths(pending, roles, None, raw=raw)
                pending = []
            yield from [item] if isinstance(item, SkippedFile) else _parquet_slices(item, roles, rows)
        else:
            pending.append(item)
    if pending:
        yield from read_paths(pending, roles, None, raw=raw)


def _remote_units(urls: list[str], roles: RoleMap, slice_rows: int) -> Iterator[InputError | Slice]:
    """The files under fsspec URLs, in a stable order: Parquet files as row-group slices (their
    footers read here), other transcript files whole, other files skipped as in a local folder."""
    import fsspec

    from .model import SkippedFile
    from .read import LABELS_NAME, READERS, SIDECAR_NAME
    from .read.paths import skip_reason

    for url in urls:
        fs, root = fsspec.core.url_to_fs(url)
        protocol = url.split("://", 1)[0]
        if not fs.exists(root):
            yield InputError(url, None, "no such file or folder")
            continue
        found = sorted(fs.find(root)) if fs.isdir(root) else [root]
        for name in found:
            full = f"{protocol}://{name}" if not name.startswith(f"{protocol}://") else name
            if fs.isdir(root) and Path(name).name == LABELS_NAME:
                continue  # reviewers' verdicts beside the calls, passed over as `iter_inputs` does
            if fs.isdir(root) and Path(name).name == SIDECAR_NAME:  # never read as a transcript
                yield SkippedFile(
                    full, None, f"skipped: a {SIDECAR_NAME} under a URL is not applied; give it with --calls-meta"
                )
                continue
            reason = skip_reason(Path(name), tuple(READERS)) if fs.isdir(root) else None
            if reason is not None:
                yield SkippedFile(full, None, reason)
            elif name.lower().endswith(".parquet"):
                with fs.open(name, "rb") as fh:
                    yield from _parquet_slices(fh, roles, slice_rows, full)
            else:
                yield Slice(full)


def _parquet_slices(path, roles: RoleMap, slice_rows: int, name: str | None = None) -> Iterator[Slice]:
    """The row groups of a one-row-a-call Parquet file, `slice_rows` or so together, a big one cut
    in pieces (a piece's reader decodes its whole row group, ~2 ms for 1,000 calls, and turns
    only its own rows into calls); one whole-file slice when the file has one row a turn (a
    call's rows may cross a row group) or cannot be planned (its reader then says why, on the
    worker)."""
    try:
        import pyarrow.parquet as pq

        from .read.parquet import _names

        meta = pq.ParquetFile(path)
        names = list(meta.schema_arrow.names)
        ours = _names(names, roles)
        sizes = [meta.metadata.row_group(i).num_rows for i in range(meta.metadata.num_row_groups)]
    except Exception:  # noqa: BLE001 - unreadable here: the worker's reader reports it with the file's name
        yield Slice(name or str(path))
        return
    if "turns" not in ours or "call_id" not in ours:
        yield Slice(name or str(path))
        return
    first, rows = 1, 0
    groups: list[int] = []
    for i, n in enumerate(sizes):
        if n >= 2 * slice_rows:
            if groups:
                yield Slice(name or str(path), tuple(groups), first, rows)
                first += rows
                groups, rows = [], 0
            pieces = -(-n // slice_rows)
            for k in range(pieces):
                lo, hi = n * k // pieces, n * (k + 1) // pieces
                yield Slice(name or str(path), (i,), first + lo, hi - lo, skip=lo)
            first += n
            continue
        groups.append(i)
        rows += n
        if rows >= slice_rows:
            yield Slice(name or str(path), tuple(groups), first, rows)
            first += rows
            groups, rows = [], 0
    if groups:
        yield Slice(name or str(path), tuple(groups), first, rows)


def read_slice(unit: Slice, roles: RoleMap) -> list[Call | InputError]:
    """The items of `unit`, as reading its file here would give them."""
    path = local_path(unit.path)
    if is_url(path):  # a remote URL (a local path comes as text: read directly, not through fsspec)
        if unit.groups:  # only these row groups are fetched
            return _read_remote_groups(unit, roles)
        return _read_remote(unit, roles)  # fetched once into a local file, named as given
    if not unit.groups:
        return list(read_file(Path(path), roles))
    from .read.parquet import read_parquet_groups

    return list(read_parquet_groups(Path(path), roles, unit.groups, unit.first_row, None, unit.skip, unit.rows))


# What tells that a remote file is the one read before, by store: S3's ETag, GCS's etag or
# md5Hash, a modification time (HDFS, SFTP, local), a creation time (fsspec's memory store).
_VERSION_FIELDS = ("ETag", "etag", "md5Hash", "mtime", "LastModified", "last_modified", "updated", "created")


def _read_remote_groups(unit: Slice, roles: RoleMap) -> list[Call | InputError]:
    """A slice of a remote Parquet file's row groups. A big row group is audited in pieces, and
    the pieces a process gets mostly follow each other: the group is fetched and decoded once
    for them (`read_parquet_groups` keeps the last one), when the store says which version of
    the file it holds; fetched again for every piece when it does not."""
    from contextlib import ExitStack

    import fsspec

    from .read.parquet import read_parquet_groups

    fs, path = fsspec.core.url_to_fs(unit.path)
    key = None
    try:
        info = fs.info(path)
    except (OSError, ValueError):  # no such file, no access: opening it says why
        info = {}
    version = next((info[f] for f in _VERSION_FIELDS if info.get(f) is not None), None)
    if version is not None:
        key = (unit.path, info.get("size"), str(version))
    with ExitStack() as files:

        def opened():  # only when the groups are not kept
            try:
                return files.enter_context(fs.open(path, "rb"))
            except FileNotFoundError:
                raise FileNotFoundError("no such file in the store (removed since it was listed?)") from None

        return list(
            read_parquet_groups(
                opened,
                roles,
                unit.groups,
                unit.first_row,
                unit.path,
                unit.skip,
                unit.rows,
                key=key,
            )
        )


def _read_remote(unit: Slice, roles: RoleMap) -> list[Call | InputError]:
    import dataclasses
    import tempfile

    import fsspec

    suffix = Path(unit.path.split("?", 1)[0]).suffix
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / f"unit{suffix}"
        with fsspec.open(unit.path, "rb") as src, local.open("wb") as dst:
            while block := src.read(1 << 22):
                dst.write(block)
        items = read_slice(dataclasses.replace(unit, path=str(local)), roles)
    named = str(local)
    out = []
    for item in items:
        if isinstance(item, InputError):
            item = dataclasses.replace(item, file=unit.path) if item.file == named else item
        elif isinstance(item, Call) and item.source == named:
            item = dataclasses.replace(item, source=unit.path)
        out.append(item)
    return out


def expand(units: Iterable, roles: RoleMap) -> list[Call | InputError]:
    """`units` as the items they stand for, in order: each RawLine parsed, each Slice read."""
    out: list = []
    for unit in units:
        if isinstance(unit, RawLine):
            out.append(parse_raw_line(unit, roles))
        elif isinstance(unit, Slice):
            out.extend(read_slice(unit, roles))
        else:
            out.append(unit)
    return out
