"""File names from ids: bounded, safe on Linux, macOS and Windows, unique."""

import re

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.report.filenames import MAX_NAME_BYTES, safe_filename, unique_filenames

WINDOWS_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}

HOSTILE = [
    "a" * 251,
    "张" * 84,
    "张" * 300,
    "CON",
    "con.txt",
    "nul",
    "Lpt1",
    "-rf",
    "--help",
    "../../etc/passwd",
    "a/b",
    "a\\b",
    "c:x",
    ".hidden",
    "..",
    ".",
    "x.",
    "x ",
    "坐席 007",
    "",
    "e\u0301",
    "a\x00b",
    'a*?<>|"b',
    "\u202etxt.exe",
    "🙂" * 100,
]


@pytest.mark.parametrize("ident", HOSTILE)
def test_hostile_ids_get_safe_bounded_names(ident):
    name = safe_filename(ident)
    assert 0 < len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert not WINDOWS_BAD.search(name) and "\u202e" not in name
    assert name[0] not in "-." and name[-1] not in ". "
    assert name.split(".")[0].upper() not in RESERVED
    assert re.search(r"[-_][0-9a-f]{10}$", name)  # changed: the hash keeps different ids apart


def test_safe_ids_stay_as_they_are():
    for ident in ["A1002", "张伟", "agent_7", "team-a.1", "坐席007"]:
        assert safe_filename(ident) == ident


def test_names_differ_for_different_ids_and_cases():
    ids = ["a" * 251, "a" * 252, "a/b", "a_b", "A1", "a1", "B2"]
    names = unique_filenames(ids)
    assert len({n.casefold() for n in names.values()}) == len(ids)
    assert names["B2"] == "B2" and names["a_b"] == "a_b"


def test_audit_with_long_and_reserved_agent_ids(tmp_path):
    (tmp_path / "rules.yaml").write_text(
        "scheme: s\nrules:\n  - {id: taboo, kind: forbidden, section: 禁语, message: m, deduct: 5, phrases: [说吧]}\n",
        encoding="utf-8",
    )
    calls = tmp_path / "calls"
    calls.mkdir()
    ids = ["a" * 251, "张" * 84, "CON", "-rf", "../x", "A1", "a1"]
    for i, agent in enumerate(ids):
        (calls / f"c{i}.txt").write_text(f"# agent_id: {agent}\n坐席: 说吧\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["audit", str(calls), "--rules", str(tmp_path / "rules.yaml"), "--out", str(out), "--jobs", "1"]
    )
    assert result.exit_code == 0, result.output
    pages = sorted(p.name for p in (out / "agents").glob("*.html"))
    assert len(pages) == len(ids)
    assert all(len(p.encode()) <= MAX_NAME_BYTES + 5 for p in pages)
    assert "A1.html" not in pages or "a1.html" not in pages
    index = (out / "index.html").read_text(encoding="utf-8")
    for p in pages:
        assert f"agents/{p}" in index  # the dashboard links the very files written
