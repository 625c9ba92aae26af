"""zip_parts: a package written by hand from deflate segments must read back, entry for entry,
through zipfile (its CRCs checked), ZIP64 fields included."""

from __future__ import annotations

import io
import zipfile
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.report.zip_parts import Segment, ZipParts, crc32_combine, deflate_segment


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.binary(max_size=300))
def test_crc32_combine_is_the_crc_of_the_concatenation(a, b):
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def test_crc32_combine_over_a_long_second_part():
    a, b = b"head", bytes(range(256)) * 40_000
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def package(entries: dict[str, list[Segment]], **kwargs) -> bytes:
    fh = io.BytesIO()
    parts = ZipParts(fh, **kwargs)
    for name, segments in entries.items():
        parts.add(name, (1980, 1, 1, 0, 0, 0), 0o600 << 16, 3, segments)
    parts.close()
    return fh.getvalue()


def written(entries: dict[str, list[Segment]], **kwargs) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(package(entries, **kwargs)))


# Three segments compressed apart, as a sheet's head, rows and tail are: repetitive text, so
# that each compressor's back-references stay within its own segment.
PARTS = [b"<worksheet><sheetData>" * 3, "<row><c>第一行</c></row>".encode() * 5000, b"</sheetData></worksheet>"]
WHOLE = b"".join(PARTS)


def segments() -> list[Segment]:
    return [deflate_segment(p, last=i == len(PARTS) - 1) for i, p in enumerate(PARTS)]


def test_segments_compressed_apart_read_back_as_one_entry():
    z = written({"[Content_Types].xml": [deflate_segment(b"<Types/>", last=True)], "xl/sheet1.xml": segments()})
    assert z.testzip() is None
    assert z.namelist() == ["[Content_Types].xml", "xl/sheet1.xml"]
    assert z.read("xl/sheet1.xml") == WHOLE
    info = z.getinfo("xl/sheet1.xml")
    assert (info.file_size, info.CRC, info.date_time) == (len(WHOLE), zlib.crc32(WHOLE), (1980, 1, 1, 0, 0, 0))
    assert info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size < len(WHOLE) // 10


def test_a_segment_from_a_file(tmp_path):
    path = tmp_path / "rows.deflate"
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    path.write_bytes(compressor.compress(PARTS[1]) + compressor.flush(zlib.Z_SYNC_FLUSH))
    middle = Segment(zlib.crc32(PARTS[1]), len(PARTS[1]), path=path)
    parts = segments()
    z = written({"s.xml": [parts[0], middle, parts[2]]})
    assert z.read("s.xml") == WHOLE


def test_an_empty_entry_and_a_name_beyond_ascii():
    z = written(
        {"empty": [deflate_segment(b"", last=True)], "报表/说明.txt": [deflate_segment("好".encode(), last=True)]}
    )
    assert z.testzip() is None
    assert z.read("empty") == b"" and z.read("报表/说明.txt") == "好".encode()


def test_zip64_fields_read_back():
    # The ZIP64 extra fields, end record and locator, as a sheet past 4 GiB would have them: here
    # from a threshold of 100 bytes, so that every size and offset past the first takes them.
    entries = {f"part{i}.xml": segments() for i in range(3)}
    data = package(entries, zip64_from=100)
    z = zipfile.ZipFile(io.BytesIO(data))
    assert z.testzip() is None
    assert [z.read(name) for name in entries] == [WHOLE] * 3
    assert all(i.file_size == len(WHOLE) for i in z.infolist())
    assert b"PK\x06\x06" in data and b"PK\x06\x07" in data  # the ZIP64 end record and its locator


def test_no_zip64_fields_below_the_threshold():
    data = package({"s.xml": segments()})
    assert b"PK\x06\x06" not in data
    assert zipfile.ZipFile(io.BytesIO(data)).infolist()[0].extra == b""
