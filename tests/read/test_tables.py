"""Tables of turns (SPEC formats 3 and 5): CSV, .xlsx and .parquet share the columns, the Chinese
headers call-centre systems export, and the scheme's `columns:` map."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import openpyxl
import pytest

from checker.model import Call, InputError
from checker.read import RoleMap, read_file
from checker.read.parquet import NEEDS_PYARROW
from tests.conftest import scheme_from

ROLES = RoleMap.build()
CN_HEADER = ["通话编号", "坐席工号", "坐席姓名", "班组", "开始时间", "说话方", "内容", "开始", "结束", "队列"]
CN_ROWS = [
    [
        "20261102-0007",
        "A1003",
        "李娜",
        "二组",
        "2026-11-02 10:41:07",
        "坐席",
        "您好，请问有什么可以帮您？",
        "0",
        "2.5",
        "宽带",
    ],
    ["20261102-0007", "A1003", "李娜", "二组", "2026-11-02 10:41:07", "客户", "我家宽带断了", "3", "4.8", "宽带"],
    ["20261102-0008", "A1004", "王芳", "一组", "2026-11-02 10:45:00", "坐席", "您好", "0", "1", "话费"],
]


def write_csv(path, header, rows):
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def check_cn_calls(items):
    a, b = items
    assert isinstance(a, Call) and isinstance(b, Call), items
    assert (a.call_id, a.agent_id, a.agent_name, a.team) == ("20261102-0007", "A1003", "李娜", "二组")
    assert a.started_at == "2026-11-02T10:41:07" or a.started_at == "2026-11-02 10:41:07"
    assert [(t.speaker, t.text, t.start, t.end) for t in a.turns] == [
        ("agent", "您好，请问有什么可以帮您？", 0.0, 2.5),
        ("customer", "我家宽带断了", 3.0, 4.8),
    ]
    assert a.metadata == {"队列": "宽带"}  # a column of no known meaning: metadata, under its own header
    assert b.call_id == "20261102-0008" and b.turns[0].speaker == "agent"


def test_csv_with_chinese_headers(tmp_path):
    check_cn_calls(list(read_file(write_csv(tmp_path / "cn.csv", CN_HEADER, CN_ROWS), ROLES)))


def test_xlsx_with_chinese_headers_numbers_and_dates(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(CN_HEADER)
    for row in CN_ROWS:
        cells = list(row)
        cells[4] = dt.datetime.fromisoformat(row[4])  # a real date cell
        cells[7], cells[8] = float(row[7]), float(row[8])  # numbers, not text
        sheet.append(cells)
    book.create_sheet("second")  # only the first sheet is read
    book.save(tmp_path / "cn.xlsx")
    items = list(read_file(tmp_path / "cn.xlsx", ROLES))
    check_cn_calls(items)
    assert items[0].started_at == "2026-11-02T10:41:07"  # a date cell, as ISO 8601
    assert [t.line for t in items[0].turns] == [2, 3]  # the sheet's row numbers


def test_xlsx_errors_name_the_row_and_a_whole_number_id_has_no_dot_zero(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["call_id", "speaker", "text"])
    sheet.append([1001, "坐席", "您好"])
    sheet.append([1002, "路人", "嗯"])
    book.save(tmp_path / "n.xlsx")
    good, bad = read_file(tmp_path / "n.xlsx", ROLES)
    assert good.call_id == "1001"
    assert isinstance(bad, InputError) and (bad.line, bad.call_id) == (3, "1002")
    assert bad.reason.startswith("unknown speaker label '路人'")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    (err,) = read_file(tmp_path / "broken.xlsx", ROLES)
    assert err.reason.startswith("not a readable .xlsx workbook: ")


def test_scheme_columns_map_other_headers(tmp_path):
    scheme = scheme_from(
        textwrap.dedent("""\
        columns: {call_id: 录音编号, speaker: 身份, text: [对话内容, 转写文本]}
        rules: []
        """)
    )
    path = write_csv(
        tmp_path / "odd.csv", ["录音编号", "身份", "转写文本"], [["r1", "客服", "您好"], ["r1", "来电人", "喂"]]
    )
    (call,) = read_file(path, scheme.roles)
    assert call.call_id == "r1" and [t.speaker for t in call.turns] == ["agent", "customer"]


def test_missing_column_lists_the_headers_and_shows_the_columns_fix(tmp_path):
    path = write_csv(tmp_path / "odd.csv", ["录音编号", "说话人", "对话内容"], [["r1", "坐席", "您好"]])
    (err,) = read_file(path, ROLES)
    assert err.line == 1
    assert err.reason == (
        "missing column(s) call_id, text; headers found: 录音编号, 说话人, 对话内容. Name the column(s) that hold "
        "them in the scheme, e.g. `columns: {call_id: 录音编号, text: 对话内容}` (Chinese headers such as 通话编号, "
        "说话人, 内容 are known already)"
    )


def test_scheme_columns_keys_are_checked_with_their_position():
    from checker.yamlpos import SchemeError

    with pytest.raises(SchemeError) as exc:
        scheme_from("columns: {callid: 录音编号}\nrules: []\n")
    (problem,) = exc.value.problems
    assert problem.startswith("test.yaml:1:11: columns.callid") and "'call_id'" in problem
    with pytest.raises(SchemeError) as exc:
        scheme_from("columns: {call_id: 编号, agent_id: 编号}\nrules: []\n")
    assert exc.value.problems[0].endswith("header '编号' is given for both call_id and agent_id")


pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def test_parquet_one_row_a_turn(tmp_path):
    columns = list(zip(*CN_ROWS))
    table = pa.table({h: list(col) for h, col in zip(CN_HEADER, columns)})
    table = table.set_column(7, "开始", pa.array([0.0, 3.0, 0.0])).set_column(8, "结束", pa.array([2.5, 4.8, 1.0]))
    pq.write_table(table, tmp_path / "turns.parquet")
    check_cn_calls(list(read_file(tmp_path / "turns.parquet", ROLES)))


def test_parquet_one_row_a_call_with_nested_turns(tmp_path):
    table = pa.table(
        {
            "call_id": ["p1", "p2", "p3"],
            "agent_id": ["A1", "A2", None],
            "started_at": pa.array([dt.datetime(2026, 11, 2, 9, 30), None, None], pa.timestamp("s")),
            "queue": ["宽带", None, "话费"],
            "turns": [
                [
                    {"speaker": "坐席", "text": "您好", "start": 0.0, "end": 1.0},
                    {"speaker": "客户", "text": "喂", "start": 1.5, "end": 2.0},
                ],
                [{"speaker": "客户", "text": "在吗", "start": None, "end": None}],
                [{"speaker": "坐席", "text": "您好", "start": 0.0, "end": float("inf")}],
            ],
        }
    )
    pq.write_table(table, tmp_path / "calls.parquet")
    p1, p2, p3 = read_file(tmp_path / "calls.parquet", ROLES)
    assert (p1.call_id, p1.agent_id, p1.started_at, p1.line) == ("p1", "A1", "2026-11-02T09:30:00", 1)
    assert [(t.speaker, t.text, t.start, t.end) for t in p1.turns] == [
        ("agent", "您好", 0.0, 1.0),
        ("customer", "喂", 1.5, 2.0),
    ]
    assert p1.metadata == {"queue": "宽带"}
    assert p2.turns[0].start is None and p2.agent_id == "A2" and p2.metadata == {}
    assert isinstance(p3, InputError) and (p3.line, p3.call_id) == (3, "p3")
    assert p3.reason == "turn 0: end must be a finite, non-negative number of seconds, got inf"


def test_parquet_without_pyarrow_names_the_extra(tmp_path, monkeypatch):
    (tmp_path / "x.parquet").write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # what an install without the extra sees
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    (err,) = read_file(tmp_path / "x.parquet", ROLES)
    assert err.reason == NEEDS_PYARROW
    assert NEEDS_PYARROW == (
        "reading .parquet files needs pyarrow, which is not installed: "
        "pip install 'qa-check[parquet]' (the `parquet` extra)"
    )


def test_reading_other_formats_never_imports_pyarrow(tmp_path):
    write_csv(tmp_path / "a.csv", CN_HEADER, CN_ROWS)
    book = openpyxl.Workbook()
    book.active.append(["call_id", "speaker", "text"])
    book.active.append(["x1", "坐席", "您好"])
    book.save(tmp_path / "b.xlsx")
    (tmp_path / "c.jsonl").write_text(
        '{"call_id": "j", "turns": [{"speaker": "agent", "text": "您好"}]}\n', encoding="utf-8"
    )
    code = textwrap.dedent(f"""
        import sys
        from checker.read import RoleMap, read_paths
        items = list(read_paths([{str(tmp_path)!r}], RoleMap.build()))
        assert len(items) == 4, items
        print("pyarrow" in sys.modules)
        """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
