"""No cell of any CSV or xlsx the audit writes is a formula, whatever the transcripts and the
scheme say (`checker/report/cells.py`)."""

import csv
import json
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.report.cells import csv_cell

PAYLOADS = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def test_csv_cell_the_owasp_way():
    for p in PAYLOADS:
        assert csv_cell(p) == "'" + p
    for number in ["-3", "+2.5", "-0.5", "1e3", "12", "-"[:0]]:
        assert csv_cell(number) == number  # numbers stay numbers (and "" stays empty)
    assert csv_cell("您好=1") == "您好=1"
    assert csv_cell("-") == "'-"


@pytest.fixture
def hostile(tmp_path):
    """A scheme whose texts and calls whose ids, names, teams and words are all payloads."""
    p = PAYLOADS
    scheme = {
        "scheme": p[0],
        "title": p[1],
        "rules": [
            {
                "id": "taboo",
                "kind": "forbidden",
                "section": p[2],
                "phrases": [{"phrase": "说吧", "suggest": p[3]}],
                "deduct": 5,
                "message": p[4],
            }
        ],
    }
    (tmp_path / "rules.yaml").write_text(json.dumps(scheme, ensure_ascii=False), encoding="utf-8")  # JSON is YAML
    calls = tmp_path / "calls"
    calls.mkdir()
    lines = []
    for i, payload in enumerate(PAYLOADS):
        lines.append(
            json.dumps(
                {
                    "call_id": payload + str(i),
                    "agent_id": payload + f"A{i}",
                    "agent_name": payload,
                    "team": payload,
                    "started_at": "2026-11-02T09:30:00+08:00",
                    "turns": [
                        {"speaker": "agent", "text": payload + " 说吧"},
                        {"speaker": "customer", "text": payload},
                    ],
                },
                ensure_ascii=False,
            )
        )
    (calls / "c.jsonl").write_text("\n".join(lines) + "\n{broken\n", encoding="utf-8")
    (calls / "=bad.jsonl").write_text('=HYPERLINK("http://x","y")\n', encoding="utf-8")
    return tmp_path


def _starts_formula(value: str) -> bool:
    return bool(value) and value[0] in "=+-@\t\r" and not value.lstrip("+-").replace(".", "", 1).isdigit()


def test_no_formula_in_any_csv_or_xlsx(hostile):
    out = hostile / "out"
    result = CliRunner().invoke(
        main,
        ["audit", str(hostile / "calls"), "--rules", str(hostile / "rules.yaml"), "--out", str(out), "--jobs", "1"],
    )
    assert result.exit_code == 2, result.output  # the broken records are rejected
    checked = 0
    for name in ["calls.csv", "agents.csv", "findings.csv", "errors.csv"]:
        with (out / name).open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        assert len(rows) > 1, name
        for row in rows:
            for cell in row:
                assert not _starts_formula(cell), (name, cell)
                checked += 1
        joined = "\n".join(",".join(r) for r in rows)
        assert "'=HYPERLINK" in joined or name == "errors.csv", name
    with (out / "errors.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert any(r["file"].endswith("=bad.jsonl") or r["reason"].startswith("'") for r in csv.DictReader(fh))
    # The payload came through, neutralised: calls.csv holds every call id with its leading '.
    with (out / "calls.csv").open(encoding="utf-8-sig", newline="") as fh:
        ids = [r["call_id"] for r in csv.DictReader(fh)]
    assert ids == ["'" + p + str(i) for i, p in enumerate(PAYLOADS)]
    # xlsx: no <f> element in any sheet, and the payloads are there as strings.
    with zipfile.ZipFile(out / "report.xlsx") as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert len(sheets) >= 5
        for n in sheets:
            assert b"<f>" not in z.read(n) and b"<f " not in z.read(n), n
    wb = openpyxl.load_workbook(out / "report.xlsx")
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value in PAYLOADS:
                    seen.add((ws.title, cell.value))
                checked += 1
    assert {t for t, _ in seen} >= {"Agents", "Rules", "Calls"}, seen  # text stays as written, typed string
    assert any(v == PAYLOADS[1] for t, v in seen if t == "Summary") or any(
        PAYLOADS[1] in str(c.value) for c in wb["Summary"]["B"]
    )
    numbers = [c.value for c in wb["Calls"]["F"][1:]]  # the score column: still numbers
    assert numbers and all(isinstance(v, (int, float)) for v in numbers)
    assert checked > 100
