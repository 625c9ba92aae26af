"""A zip package written entry by entry, where an entry's data may be deflate segments compressed
ahead of time: report.xlsx's big sheets are compressed while their rows arrive (`sheet_xml`), so
that closing the workbook no longer compresses tens of megabytes of XML after the last call.

Why by hand: `zipfile` compresses what it is given and has no public way to take data compressed
already. The records written here are the ones `zipfile` writes (APPNOTE 6.3: local headers,
central directory, end record; ZIP64 extra fields and records past 4 GiB, and no data
descriptors: every size is known before an entry's data), read back by `zipfile`, openpyxl and
calamine in the tests, and by Info-ZIP's `unzip -t`.

An entry's data is a run of raw deflate segments, each from a compressor of its own: every one
but the last ends with a sync flush (byte-aligned, no final block), so the segments concatenated
are one valid deflate stream. Its CRC-32 is combined from the segments' (`crc32_combine`), so a
segment compressed long before the others need not be read again.
"""

from __future__ import annotations

import shutil
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

__all__ = ["Segment", "ZipParts", "crc32_combine", "deflate_segment"]

_LOCAL = struct.Struct("<4s2B4HL2L2H")  # zipfile.structFileHeader
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # zipfile.structCentralDir
_END = struct.Struct("<4s4H2LH")  # zipfile.structEndArchive
_END64 = struct.Struct("<4sQ2H2L4Q")  # zipfile.structEndArchive64
_LOCATOR64 = struct.Struct("<4sLQL")  # zipfile.structEndArchive64Locator
_LIMIT = 0xFFFFFFFF  # a field at this value says "see the ZIP64 extra field"
_DEFLATED = 8
_UTF8_NAME = 0x800  # general purpose flag bit 11, as zipfile sets it for a non-ASCII name


@dataclass(frozen=True)
class Segment:
    """Raw deflate data for `size` bytes of text whose CRC-32 is `crc`: in memory (`data`) or in a
    file (`path`)."""

    crc: int
    size: int
    data: bytes = b""
    path: Path | None = None

    @property
    def compressed_size(self) -> int:
        return self.path.stat().st_size if self.path is not None else len(self.data)


def deflate_segment(text: bytes, last: bool) -> Segment:
    """`text` compressed as zipfile compresses an entry; not `last`: ended with a sync flush, for
    another segment to follow."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    data = compressor.compress(text) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)
    return Segment(zlib.crc32(text), len(text), data)


class ZipParts:
    """A zip file written entry by entry into `fh` (`add`), its directory by `close`. `zip64_from`:
    the size or offset from which ZIP64 fields are written (4 GiB - 1 as zip readers need; lower
    in tests)."""

    def __init__(self, fh: BinaryIO, zip64_from: int = _LIMIT) -> None:
        self._fh = fh
        self._zip64_from = zip64_from
        self._central: list[bytes] = []
        self._at = 0

    def add(self, name: str, date_time: tuple, external_attr: int, create_system: int, segments: list[Segment]) -> None:
        """One deflated entry: its name, date and attributes, and its data as `segments` in order
        (the last one finished, the others sync-flushed)."""
        crc, size = 0, 0
        for s in segments:
            crc = crc32_combine(crc, s.crc, s.size)
            size += s.size
        compressed = sum(s.compressed_size for s in segments)
        encoded = name.encode("utf-8")
        flags = 0 if encoded.isascii() else _UTF8_NAME
        dos_date = (date_time[0] - 1980) << 9 | date_time[1] << 5 | date_time[2]
        dos_time = date_time[3] << 11 | date_time[4] << 5 | date_time[5] // 2
        offset = self._at
        big = max(size, compressed) >= self._zip64_from
        version = 45 if big or offset >= self._zip64_from else 20
        local_extra = struct.pack("<2H2Q", 1, 16, size, compressed) if big else b""
        # What the local header and the central directory's entry both say, in the same order.
        common = (flags, _DEFLATED, dos_time, dos_date, crc, _LIMIT if big else compressed, _LIMIT if big else size)
        head = _LOCAL.pack(b"PK\003\004", version, 0, *common, len(encoded), len(local_extra))
        self._write(head + encoded + local_extra)
        for s in segments:
            if s.path is None:
                self._write(s.data)
            else:
                with s.path.open("rb") as part:
                    shutil.copyfileobj(part, self._fh, 1 << 20)
                self._at += s.compressed_size
        # The central directory's ZIP64 field holds, in this order, what does not fit its own.
        fields = [size, compressed] if big else []
        if offset >= self._zip64_from:
            fields.append(offset)
        extra = struct.pack(f"<2H{len(fields)}Q", 1, 8 * len(fields), *fields) if fields else b""
        at = _LIMIT if offset >= self._zip64_from else offset
        entry = _CENTRAL.pack(
            b"PK\001\002",
            version,
            create_system,
            version,
            0,
            *common,
            len(encoded),
            len(extra),
            0,
            0,
            0,
            external_attr,
            at,
        )
        self._central.append(entry + encoded + extra)

    def close(self) -> None:
        """Write the central directory and the end record (ZIP64 ones too when needed)."""
        start = self._at
        for entry in self._central:
            self._write(entry)
        count, size = len(self._central), self._at - start
        if start >= self._zip64_from or size >= self._zip64_from or count >= 0xFFFF:
            end64 = self._at
            self._write(_END64.pack(b"PK\006\006", _END64.size - 12, 45, 45, 0, 0, count, count, size, start))
            self._write(_LOCATOR64.pack(b"PK\006\007", 0, end64, 1))
            n = min(count, 0xFFFF)
            self._write(_END.pack(b"PK\005\006", 0, 0, n, n, min(size, _LIMIT), min(start, _LIMIT), 0))
        else:
            self._write(_END.pack(b"PK\005\006", 0, 0, count, count, size, start, 0))

    def _write(self, data: bytes) -> None:
        self._fh.write(data)
        self._at += len(data)


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC-32 of A + B from A's (`crc1`), B's (`crc2`) and B's length: zlib's
    `crc32_combine` (not exposed by Python's zlib), by its GF(2) matrix squaring, in
    O(log len2) steps."""
    if len2 <= 0:
        return crc1
    operator = [0xEDB88320] + [1 << n for n in range(31)]  # appends one zero bit to a CRC
    for _ in range(3):
        operator = _square(operator)  # two, four, eight zero bits: one zero byte
    while len2:  # append len2 zero bytes to crc1, a power of two at a time
        if len2 & 1:
            crc1 = _times(operator, crc1)
        len2 >>= 1
        if len2:
            operator = _square(operator)
    return crc1 ^ crc2


def _times(matrix: list[int], vector: int) -> int:
    out, i = 0, 0
    while vector:
        if vector & 1:
            out ^= matrix[i]
        vector >>= 1
        i += 1
    return out


def _square(matrix: list[int]) -> list[int]:
    return [_times(matrix, row) for row in matrix]
