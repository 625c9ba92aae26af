"""Text encodings (SPEC "Transcripts in"): UTF-8 with or without BOM, GB18030/GBK and UTF-16 with
a BOM are told per file and read alike; an undecodable byte rejects only the record it is in, so
the calls counted in are the calls the file holds; the encoding used is logged."""

from __future__ import annotations

import csv
import io
import json
import logging

import pytest

from checker.model import Call
from checker.read import RoleMap, read_file, read_paths
from checker.read.decode import GB18030, UTF8, UTF8_BOM, UTF16_BOM, decode_bytes, detect_encoding

ROLES = RoleMap.build()
TURNS = [
    ("坐席", "您好，请问有什么可以帮您？"),
    ("客户", "我想查一下这个月的话费，怎么多了三十块。"),
    ("坐席", "好的，请稍等。"),
]


def csv_text(n_calls: int, header=("call_id", "speaker", "text")) -> str:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")  # as Excel writes it
    out.writerow(header)
    for c in range(n_calls):
        for speaker, text in TURNS:
            out.writerow([f"c{c}", speaker, text])
    return buf.getvalue()


@pytest.mark.parametrize(
    "codec, name",
    [
        ("utf-8", UTF8),
        ("utf-8-sig", UTF8_BOM),
        ("gbk", GB18030),
        ("gb18030", GB18030),
        ("utf-16", UTF16_BOM),
    ],
)
def test_every_encoding_reads_the_same_calls(tmp_path, caplog, codec, name):
    path = tmp_path / "calls.csv"
    path.write_bytes(csv_text(5).encode(codec))
    with caplog.at_level(logging.DEBUG, logger="checker.read"):
        calls = list(read_file(path, ROLES))
    assert [c.call_id for c in calls] == ["c0", "c1", "c2", "c3", "c4"]  # five calls in, as the file holds
    assert all(isinstance(c, Call) and [t.text for t in c.turns] == [t for _, t in TURNS] for c in calls)
    assert caplog.messages == [f"{path}: read as {name}"]


def test_a_gb18030_only_character_and_a_bom_are_read(tmp_path):
    text = "# call_id: t1\n坐席: 您好𠀀，欢迎致电\n客户: 嗯\n"  # U+20000: in GB18030, not in GBK
    for codec in ("gb18030", "utf-16", "utf-8-sig"):
        path = tmp_path / f"t-{codec}.txt"
        path.write_bytes(text.encode(codec))
        (call,) = read_file(path, ROLES)
        assert call.call_id == "t1" and call.turns[0].text == "您好𠀀，欢迎致电", codec


def test_one_bad_byte_rejects_only_its_call(tmp_path):
    data = csv_text(3).encode("gbk")
    lines = data.split(b"\r\n")
    assert lines[4].startswith(b"c1,")
    lines[4] = lines[4][:7] + b"\xff" + lines[4][8:]  # in c1's first turn, for the comma after 坐席
    path = tmp_path / "gbk.csv"
    path.write_bytes(b"\r\n".join(lines))
    items = list(read_file(path, ROLES))
    assert [type(i).__name__ for i in items] == [
        "Call",
        "InputError",
        "Call",
    ]  # three calls in: two audited, one rejected
    err = items[1]
    assert (err.line, err.call_id) == (5, "c1")
    assert err.reason == "call c1: undecodable byte 0xFF at column 6 (the file reads as GB18030)"


def test_a_utf8_file_with_one_bad_byte_stays_utf8(tmp_path):
    data = bytearray(csv_text(3).encode("utf-8"))
    at = data.index("请稍等".encode()) + 1  # the middle byte of 请 in c0's third turn
    data[at] = 0x41
    path = tmp_path / "u.csv"
    path.write_bytes(bytes(data))
    assert detect_encoding(bytes(data)) == UTF8  # not read as GB18030, which would garble every call
    items = list(read_file(path, ROLES))
    assert [type(i).__name__ for i in items] == ["InputError", "Call", "Call"]
    assert items[0].reason == "call c0: undecodable byte 0xE8 at column 10 (the file reads as UTF-8)"
    assert items[1].turns[1].text == TURNS[1][1]


def test_bad_bytes_in_json_list_jsonl_and_text(tmp_path):
    records = [{"call_id": f"j{i}", "turns": [{"speaker": "agent", "text": "您好，请讲"}]} for i in range(3)]
    listed = json.dumps(records, ensure_ascii=False, indent=1).encode("gbk").replace("讲".encode("gbk"), b"\x81\x20", 1)
    (tmp_path / "a.json").write_bytes(listed)
    items = list(read_file(tmp_path / "a.json", ROLES))
    assert [type(i).__name__ for i in items] == ["InputError", "Call", "Call"]
    assert (items[0].line, items[0].call_id) == (7, "j0")  # the line of the bad byte, in j0's record
    assert items[0].reason == "undecodable byte 0x81 at column 18 (the file reads as GB18030)"

    lines = [json.dumps(r, ensure_ascii=False).encode("gbk") for r in records]
    lines[1] = lines[1].replace("讲".encode("gbk"), b"\xff")
    (tmp_path / "b.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    items = list(read_file(tmp_path / "b.jsonl", ROLES))
    assert [type(i).__name__ for i in items] == ["Call", "InputError", "Call"]
    assert (items[1].line, items[1].reason) == (2, "undecodable byte 0xFF at column 63 (the file reads as GB18030)")

    (tmp_path / "c.txt").write_bytes(
        "坐席: 您好\n客户: 查话费\n".encode("gbk").replace("查".encode("gbk"), b"\xff\xfe\x00")
    )
    (err,) = read_file(tmp_path / "c.txt", ROLES)
    assert (err.line, err.call_id) == (2, "c")
    assert err.reason.startswith("undecodable byte 0xFF at column 5")


def test_gb18030_and_utf16_jsonl_read_line_by_line(tmp_path):
    records = [{"call_id": f"L{i}", "turns": [{"speaker": "客户", "text": "我想办宽带"}]} for i in range(3)]
    body = "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n"
    for codec in ("gb18030", "utf-16"):
        path = tmp_path / f"{codec}.jsonl"
        path.write_bytes(body.encode(codec))
        calls = list(read_paths([path], ROLES, raw=True))  # the --jobs N path: lines go to workers unparsed
        assert [c.line for c in calls] == [1, 2, 3]
        assert all(isinstance(c.text, str) for c in calls)  # decoded here, parsed in a worker


def test_detection_prefers_utf8_on_a_tie_and_measures_undecodable_bytes():
    assert detect_encoding(b"call_id,speaker,text\r\n") == UTF8
    assert detect_encoding("坐席".encode()[:-1]) == UTF8  # a sample cut inside a character
    gbk = "您好，请问有什么可以帮您".encode("gbk")
    assert detect_encoding(gbk) == GB18030
    decoded = decode_bytes(gbk + b"\xff")
    assert decoded.encoding == GB18030 and decoded.text.endswith("\udcff")
