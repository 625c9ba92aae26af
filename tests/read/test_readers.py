"""Native formats (SPEC "Transcripts in" 1-3): every reader yields the same Call, and bad input
becomes an InputError naming file, line and reason while the rest of the file is still read."""

import json
import textwrap

import pytest

from checker.model import Call, InputError
from checker.read import RawLine, RoleMap, parse_raw_line, read_file, read_paths
from checker.read.native import read_jsonl_raw

ROLES = RoleMap.build({"agent": ["小U"]})


def read(path):
    return list(read_file(path, ROLES))


def test_jsonl_reads_calls_and_reports_bad_lines(tmp_path):
    good = {
        "call_id": "c1",
        "agent_id": "A001",
        "started_at": "2026-11-02T09:30:00+08:00",
        "metadata": {"hangup_by": "customer"},
        "queue": "billing",
        "turns": [{"speaker": "坐席", "text": "您好", "start": 0.0, "end": 2.1}, {"speaker": "客户", "text": "查话费"}],
    }
    lines = [
        json.dumps(good, ensure_ascii=False),
        '{"call_id": "c2", "turns": [',  # broken JSON
        json.dumps({"call_id": "c3", "turns": []}),
        json.dumps({"call_id": "c4", "turns": [{"speaker": "路人", "text": "嗯"}]}),
        json.dumps({"call_id": "c5", "started_at": "yesterday", "turns": [{"speaker": "agent", "text": "x"}]}),
        json.dumps({"call_id": "c6", "turns": [{"speaker": "小U", "text": "您好", "start": 3, "end": 1}]}),
        json.dumps({"call_id": "c7", "turns": [{"speaker": "小U", "text": "您好"}]}),
    ]
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = read(path)
    assert len(items) == 7
    c1 = items[0]
    assert isinstance(c1, Call) and c1.call_id == "c1" and c1.agent_id == "A001"
    assert [t.speaker for t in c1.turns] == ["agent", "customer"]
    assert c1.turns[0].end == 2.1 and c1.metadata == {"queue": "billing", "hangup_by": "customer"}
    errors = {e.line: e.reason for e in items if isinstance(e, InputError)}
    assert errors[2].startswith("broken JSON")
    assert errors[3] == "call c3: no turns"
    assert "unknown speaker label '路人'" in errors[4]
    assert "not an ISO 8601" in errors[5]
    assert "before start" in errors[6]
    assert isinstance(items[6], Call) and items[6].turns[0].speaker == "agent"


def test_json_list_reports_the_line_of_each_record(tmp_path):
    path = tmp_path / "day.json"
    path.write_text(
        textwrap.dedent("""\
        [
          {"call_id": "a", "agent_id": "A1", "turns": [{"speaker": "agent", "text": "您好"}]},
          {"call_id": "b",
           "turns": "oops"}
        ]
        """),
        encoding="utf-8",
    )
    a, b = read(path)
    assert isinstance(a, Call) and a.line == 2
    assert isinstance(b, InputError) and b.line == 3 and "turns must be a list" in b.reason and b.call_id == "b"


def test_single_json_object_defaults_call_id_to_file_stem(tmp_path):
    path = tmp_path / "c-77.json"
    path.write_text('{"turns": [{"speaker": "客服", "text": "您好"}]}', encoding="utf-8")
    (call,) = read(path)
    assert call.call_id == "c-77"


def test_text_format_headers_timestamps_and_full_width_colon(tmp_path):
    path = tmp_path / "2026-11-03_A1002.txt"
    path.write_text(
        textwrap.dedent("""\
        # call_id: T-100
        # agent_id: A1002
        # agent_name: 李娜
        # started_at: 2026-11-03T10:15:00+08:00
        # direction: outbound
        # hangup_by: customer
        [00:00.00-00:03.50] 坐席: 您好，这里是客服中心
        [00:03.80-00:05.10] 客户：嗯，你说
        [01:02:03.5-01:02:04] 客服: 好的
        """),
        encoding="utf-8",
    )
    (call,) = read(path)
    assert call.call_id == "T-100" and call.agent_name == "李娜" and call.direction == "outbound"
    assert call.metadata == {"hangup_by": "customer"}
    assert [(t.speaker, t.start, t.end) for t in call.turns] == [
        ("agent", 0.0, 3.5),
        ("customer", 3.8, 5.1),
        ("agent", 3723.5, 3724.0),
    ]
    assert call.turns[1].text == "嗯，你说" and call.turns[1].line == 8


def test_text_format_bad_line_names_the_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("坐席: 您好\n这一行没有说话人\n", encoding="utf-8")
    (err,) = read(path)
    assert isinstance(err, InputError) and err.line == 2 and "not a turn" in err.reason


def test_csv_groups_rows_by_call_and_reports_bad_rows(tmp_path):
    path = tmp_path / "week.csv"
    path.write_text(
        textwrap.dedent("""\
        call_id,agent_id,speaker,text,start,end,started_at,agent_name,team,direction,hangup_by
        k1,A3,坐席,您好,0,1.5,2026-11-04T14:00:00+08:00,王芳,二组,inbound,agent
        k2,A3,坐席,您好,0,1,,,,,
        k1,A3,客户,我要投诉,1.6,3,,,,,
        k2,A3,外星人,嗨,1,2,,,,,
        ,A3,坐席,无主,0,1,,,,,
        """),
        encoding="utf-8-sig",
    )
    items = read(path)
    errors = [i for i in items if isinstance(i, InputError)]
    calls = [i for i in items if isinstance(i, Call)]
    assert [c.call_id for c in calls] == ["k1"]
    k1 = calls[0]
    assert k1.agent_name == "王芳" and k1.team == "二组" and k1.metadata == {"hangup_by": "agent"}
    assert [t.text for t in k1.turns] == ["您好", "我要投诉"] and k1.turns[1].line == 4
    assert {(e.line, e.call_id) for e in errors} == {(6, None), (5, "k2")}


def test_csv_missing_columns(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,who,words\n1,a,b\n", encoding="utf-8")
    (err,) = read(path)
    assert err.line == 1 and "missing column(s) call_id, speaker, text" in err.reason


def test_unreadable_and_unknown_files(tmp_path):
    (tmp_path / "bin.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff")  # not text in any encoding
    (tmp_path / "notes.doc").write_text("x")
    items = list(read_paths([tmp_path / "bin.txt", tmp_path / "notes.doc"], ROLES))
    assert all(isinstance(i, InputError) for i in items)
    assert (items[0].line, items[0].reason) == (3, "undecodable byte 0xFF at column 3 (the file reads as GB18030)")
    assert "unknown transcript format '.doc'" in items[1].reason


def test_speaker_labels_compare_normalised():
    roles = RoleMap.build({"agent": ["Agent 1"], "customer": ["來電客戶"]})
    assert roles.role("agent1") == "agent" and roles.role("AGENT 1") == "agent"
    assert roles.role("来电客户") == "customer" and roles.role("客戶") == "customer"
    assert roles.role("ＡＧＥＮＴ") == "agent"


# -- JSON Lines read as bytes -------------------------------------------------------------------

NAN_LINE = '{"call_id": "n", "turns": [{"speaker": "agent", "text": "您好", "start": NaN}]}'


def jsonl_line(call_id, text="您好", **turn):
    return json.dumps(
        {"call_id": call_id, "turns": [{"speaker": "agent", "text": text, **turn}]}, ensure_ascii=False
    ).encode("utf-8")


def test_jsonl_bytes_bom_blank_lines_bad_utf8_and_nan(tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_bytes(
        b"\n".join(
            [
                b"\xef\xbb\xbf" + jsonl_line("a", "您好，請問"),  # 1: UTF-8 byte-order mark
                b"",  # 2: blank
                b"   \t ",  # 3: white space only
                b"\xff\xfe{\x00}\x00",  # 4: not UTF-8 (UTF-16 with its BOM)
                jsonl_line("b", start=0, end=1.5),  # 5: still read
                b'{"call_id": "c\xe4", "turns": [{"speaker": "agent", "text": "x"}]}',  # 6: bad byte inside a string
                NAN_LINE.encode("utf-8"),  # 7: NaN: orjson refuses it, the standard parser reads it
                b"\r",  # 8: a lone CR before the newline
                jsonl_line("d") + b"\r",  # 9: CRLF line ending
                b"",
            ]
        )
    )
    items = list(read_paths([path], RoleMap.build()))
    assert [type(i).__name__ for i in items] == ["Call", "InputError", "Call", "InputError", "InputError", "Call"]
    a, bad, b, bad_inner, nan, d = items
    assert a.call_id == "a" and a.line == 1 and a.turns[0].text == "您好，請問"
    assert (bad.file, bad.line) == (str(path), 4)
    assert "UTF-8" in bad.reason and bad.reason == "not UTF-8 text at byte 1 of the line"
    assert str(bad).startswith(f"{path}:4: ")
    assert b.call_id == "b" and b.line == 5 and (b.turns[0].start, b.turns[0].end) == (0.0, 1.5)
    assert (bad_inner.line, bad_inner.file) == (6, str(path)) and "UTF-8" in bad_inner.reason
    assert bad_inner.reason == "not UTF-8 text at byte 15 of the line"
    assert nan == InputError(
        str(path), 7, "turn 0: start must be a finite, non-negative number of seconds, got nan", "n"
    )
    assert d.call_id == "d" and d.line == 9


def test_nan_line_reads_as_the_text_line_read_before(tmp_path):
    """The bytes line goes through the standard-library fallback and says what the text line
    (how JSON Lines were read before) said."""
    roles = RoleMap.build()
    as_bytes = parse_raw_line(RawLine("f.jsonl", 7, NAN_LINE.encode("utf-8")), roles)
    as_text = parse_raw_line(RawLine("f.jsonl", 7, NAN_LINE), roles)
    assert (
        as_bytes
        == as_text
        == InputError("f.jsonl", 7, "turn 0: start must be a finite, non-negative number of seconds, got nan", "n")
    )
    # NaN where it is allowed (metadata) is read, as before
    line = '{"call_id": "m", "metadata": {"score": NaN}, "turns": [{"speaker": "agent", "text": "您好"}]}'
    call = parse_raw_line(RawLine("f.jsonl", 1, line.encode("utf-8")), roles)
    assert isinstance(call, Call) and call.metadata["score"] != call.metadata["score"]
    assert parse_raw_line(RawLine("f.jsonl", 1, line), roles).call_id == "m"


@pytest.mark.parametrize(
    "line, read_as",
    [
        (
            '{"call_id": "big", "turns": [{"speaker": "agent", "text": "您好", "start": 1, "end": 123456789012345678901234}]}',
            "call big",
        ),
        (
            '{"call_id": "inf", "turns": [{"speaker": "agent", "text": "您好", "start": Infinity}]}',
            "error turn 0: start must be a finite, non-negative number of seconds, got inf",
        ),
        ('{"call_id": "broken", "turns": [', "error broken JSON at column 33"),
        (
            '{"call_id": "dup", "call_id": "dup2", "turns": [{"speaker": "agent", "text": "您好"}]}',
            "call dup2",
        ),  # the last key wins
        ("[1, 2]", "error a call record is a JSON object, got list"),
        ('{"call_id": "esc", "turns": [{"speaker": "agent", "text": "\\u60a8\\u597d"}]}', "call esc 您好"),
    ],
)
def test_bytes_and_text_lines_read_the_same(line, read_as):
    roles = RoleMap.build()
    as_bytes = parse_raw_line(RawLine("f.jsonl", 2, line.encode("utf-8")), roles)
    as_text = parse_raw_line(RawLine("f.jsonl", 2, line), roles)
    assert type(as_bytes) is type(as_text)
    assert as_bytes == as_text
    if isinstance(as_bytes, Call):
        assert f"call {as_bytes.call_id} {as_bytes.turns[0].text}".startswith(read_as)
    else:
        assert f"error {as_bytes.reason}".startswith(read_as) and as_bytes.line == 2


def test_bom_only_on_the_first_line_and_blank_first_line(tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_bytes(b"\xef\xbb\xbf\n" + jsonl_line("a") + b"\n")
    items = list(read_paths([path], RoleMap.build()))
    assert [(type(i).__name__, i.line) for i in items] == [("Call", 2)]
    assert [r.line for r in read_jsonl_raw(path, RoleMap.build())] == [2]


def test_line_of_unicode_white_space_is_blank(tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_bytes(
        b"\n".join([jsonl_line("a"), "\u3000".encode("utf-8"), "\u00a0 ".encode("utf-8"), jsonl_line("b"), b""])
    )
    items = list(read_paths([path], RoleMap.build()))
    assert [(type(i).__name__, i.line) for i in items] == [("Call", 1), ("Call", 4)]


def test_cr_line_endings(tmp_path):
    path = tmp_path / "calls.jsonl"
    path.write_bytes(jsonl_line("a") + b"\r" + jsonl_line("b") + b"\r")
    items = list(read_paths([path], RoleMap.build()))
    assert [(type(i).__name__, i.line) for i in items] == [("Call", 1), ("Call", 2)]
