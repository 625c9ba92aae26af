"""A hostile scheme cannot hang or exhaust the checker: YAML aliases are bounded, regexes run on
RE2 or under a time budget (a regex over it is a rule error for that call, the batch goes on),
and every bad regex of a list is reported with its own file:line:col."""

import csv
import json
import re
import time

import pytest
from click.testing import CliRunner

from checker import regex_engine
from checker.cli import main
from checker.regex_engine import RegexBudgetExceeded, compile_regex

BOMB = (
    "\n".join(
        [f"a: &a [{','.join(['lol'] * 9)}]"]
        + [f"{c}: &{c} [{','.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    )
    + "\n"
)


def test_alias_bomb_is_refused_fast(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB, encoding="utf-8")
    t = time.perf_counter()
    result = CliRunner().invoke(main, ["rules", "validate", str(path)])
    elapsed = time.perf_counter() - t
    assert result.exit_code == 3
    assert re.search(rf"{re.escape(str(path))}:\d+:\d+: the YAML expands to 490,329,064 values, ", result.output)
    assert elapsed < 5  # measured ~0.3 s; generous for a loaded machine (the unbounded run took minutes)


def test_a_few_aliases_still_load(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(
        "scheme: s\nlexicons: {greet: &g [您好, 你好]}\nrules:\n"
        "  - {id: r, kind: required, section: 开场, message: m, phrases: *g}\n",
        encoding="utf-8",
    )
    assert CliRunner().invoke(main, ["rules", "validate", str(path)]).exit_code == 0


def test_self_holding_alias_is_an_error(tmp_path):
    path = tmp_path / "cycle.yaml"
    path.write_text("scheme: s\nrules: &r [*r]\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["rules", "validate", str(path)])
    assert result.exit_code == 3 and f"{path}:2:8: the YAML value anchored here holds itself" in result.output


def test_every_bad_regex_of_a_list_is_reported(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        "scheme: s\nrules:\n"
        "  - id: r1\n    kind: forbidden\n    section: 禁语\n    message: m\n"
        "    regex:\n      - '(a'\n      - '好的'\n      - '[z-a]'\n      - 'b)'\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["rules", "validate", str(path)])
    assert result.exit_code == 3
    lines = [l for l in result.output.splitlines() if "bad regex" in l]
    assert [l.split(": ")[0] for l in lines] == [f"{path}:8:9", f"{path}:10:9", f"{path}:11:9"], result.output
    assert "missing ), unterminated subpattern at position 0" in lines[0]
    assert "3 problem(s)" in result.output


@pytest.mark.parametrize(
    "pattern,engine",
    [
        (r"(a+)+$", "re2"),
        (r"工号\d{3,5}", "re2"),
        (r"[\u4e00-\u9fa5]{2}吧", "re2"),
        (r"\w+", "re2"),
        (r"(?<=您)好", "regex"),
        (r"(a)\1", "regex"),
        (r"\bok\b", "regex"),
    ],
)
def test_engine_choice_and_same_matches_as_re(pattern, engine):
    r = compile_regex(pattern)
    assert r.engine == engine
    for text in ["aaaa", "工号12345，工号１２3", "您好吧你好", "ok okay 好的_1", "您好好", "aa", ""]:
        assert list(r.spans(text)) == [m.span() for m in re.finditer(pattern, text)], text


def test_the_classic_catastrophic_regex_is_linear_on_re2():
    r = compile_regex(r"(a+)+$")
    t = time.perf_counter()
    assert list(r.spans("a" * 5000 + "b")) == []
    assert time.perf_counter() - t < 1  # backtracking `re` never finishes this


def test_fallback_regex_over_budget_raises():
    r = compile_regex(r"(?=a)(a+)+$")
    with pytest.raises(RegexBudgetExceeded, match="ran past its 0.2 s budget"):
        list(r.spans("a" * 5000 + "b", budget=0.2))


def test_a_regex_over_budget_is_a_rule_error_and_the_batch_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(regex_engine, "BUDGET_SECONDS", 0.2)
    (tmp_path / "rules.yaml").write_text(
        "scheme: s\nrules:\n"
        "  - {id: slow, kind: forbidden, section: 禁语, message: m, deduct: 5, regex: ['(?=a)(a+)+$']}\n"
        "  - {id: taboo, kind: forbidden, section: 禁语, message: 禁语, deduct: 5, phrases: [说吧]}\n",
        encoding="utf-8",
    )
    calls = tmp_path / "calls"
    calls.mkdir()
    rows = [
        {
            "call_id": "hostile",
            "agent_id": "A1",
            "turns": [{"speaker": "agent", "text": "a" * 5000 + "b"}, {"speaker": "agent", "text": "说吧"}],
        },
        {"call_id": "fine", "agent_id": "A1", "turns": [{"speaker": "agent", "text": "说吧"}]},
    ]
    (calls / "c.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["audit", str(calls), "--rules", str(tmp_path / "rules.yaml"), "--out", str(out), "--jobs", "1"]
    )
    assert result.exit_code == 2, result.output
    with (out / "errors.csv").open(encoding="utf-8-sig") as fh:
        errors = list(csv.DictReader(fh))
    assert len(errors) == 1
    assert errors[0]["call_id"] == "hostile" and errors[0]["line"] == "1" and errors[0]["file"].endswith("c.jsonl")
    assert errors[0]["reason"].startswith("rule slow: regex '(?=a)(a+)+$' ran past its 0.2 s budget")
    with (out / "calls.csv").open(encoding="utf-8-sig") as fh:
        calls_rows = {r["call_id"]: r for r in csv.DictReader(fh)}
    assert calls_rows["hostile"]["findings"] == "1" and calls_rows["fine"]["findings"] == "1"  # taboo judged in both
    with (out / "findings.csv").open(encoding="utf-8-sig") as fh:
        assert {r["rule_id"] for r in csv.DictReader(fh)} == {"taboo"}  # the slow rule: no finding
    assert not [
        p for p in tmp_path.iterdir() if p.name.startswith(".out.") and p.name != ".out.lock"
    ]  # no temp folder left


def test_re2_spelling_of_whitespace_is_pythons():
    import sys

    assert set(regex_engine.SPACE_CODES) == {cp for cp in range(sys.maxunicode + 1) if chr(cp).isspace()}
    # tab to CR, the four ASCII separators, space, NEL, NBSP, the ogham mark, the U+2000 block
    # spaces, the line and paragraph separators, narrow NBSP, the math space and the ideographic space
    assert sorted(regex_engine.SPACE_CODES) == [
        *range(0x09, 0x0E),
        *range(0x1C, 0x21),
        0x85,
        0xA0,
        0x1680,
        *range(0x2000, 0x200B),
        0x2028,
        0x2029,
        0x202F,
        0x205F,
        0x3000,
    ]
