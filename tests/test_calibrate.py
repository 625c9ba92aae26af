"""`qa-check calibrate`: labels parsing, metrics on hand-computed cases, the reports and exit codes."""

from __future__ import annotations

import csv
import io
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.calibrate import (
    Label,
    LabelError,
    RuleMetrics,
    Verdicts,
    calibrate,
    calibration_csv,
    calibration_markdown,
    metrics,
    parse_fires,
    read_labels,
)
from checker.cli import main

ROOT = Path(__file__).resolve().parent.parent


# -- metrics ---------------------------------------------------------------------------------


def test_all_agree():
    m = metrics([("r", True, True)] * 3 + [("r", False, False)] * 2)["r"]
    assert (m.tp, m.fp, m.fn, m.tn, m.labelled) == (3, 0, 0, 2, 5)
    assert (m.precision, m.recall, m.f1, m.kappa) == (1, 1, 1, 1)


def test_all_disagree():
    m = metrics([("r", True, False)] * 2 + [("r", False, True)] * 2)["r"]
    assert (m.tp, m.fp, m.fn, m.tn) == (0, 2, 2, 0)
    assert (m.precision, m.recall, m.f1) == (0, 0, 0)
    # p_o = 0, p_e = (2·2 + 2·2) / 16 = 1/2: κ = (0 − 1/2) / (1/2) = −1
    assert m.kappa == -1


def test_mixed_case_by_hand():
    m = RuleMetrics("r", tp=4, fp=1, fn=2, tn=3)
    assert m.precision == Fraction(4, 5)
    assert m.recall == Fraction(2, 3)
    assert m.f1 == Fraction(8, 11)  # 2·4 / (2·4 + 1 + 2)
    # p_o = 7/10; checker says yes 5 times, reviewers 6: p_e = (5·6 + 5·4) / 100 = 1/2; κ = 0.2 / 0.5
    assert m.kappa == Fraction(2, 5)


def test_rule_that_never_fires():
    m = metrics([("r", False, True)] + [("r", False, False)] * 3)["r"]
    assert m.precision is None  # the checker never fired: undefined, not 0
    assert m.recall == 0 and m.f1 == 0
    assert m.kappa == 0  # p_o = 3/4 = p_e
    quiet = metrics([("q", False, False)] * 4)["q"]
    assert (quiet.precision, quiet.recall, quiet.f1, quiet.kappa) == (None, None, None, None)
    always = metrics([("a", True, True)] * 4)["a"]
    assert always.kappa is None and always.precision == 1  # chance agreement 1: κ undefined


def test_rule_never_labelled_is_listed_with_empty_metrics():
    verdicts = Verdicts(source="test", calls={"c1"}, rules=["greet", "taboo"], found={("c1", "greet"): ["turn 0"]})
    cal = calibrate([Label("c1", "greet", True, 2)], verdicts)
    rows = list(csv.DictReader(io.StringIO(calibration_csv(cal))))
    assert [r["rule_id"] for r in rows] == ["greet", "taboo"]
    assert rows[1] == {
        "rule_id": "taboo",
        "labelled": "0",
        "tp": "0",
        "fp": "0",
        "fn": "0",
        "tn": "0",
        "precision": "",
        "recall": "",
        "f1": "",
        "kappa": "",
    }
    assert rows[0]["precision"] == "1.0000" and rows[0]["kappa"] == ""  # one label: κ undefined
    assert "Rules without a label (1): `taboo`" in calibration_markdown(cal, "s", "labels.csv")


def test_min_kappa_counts_only_rules_with_ten_labels():
    pairs = [("big", True, True)] * 5 + [("big", False, False)] * 3 + [("big", True, False)] * 2  # κ = 0.6
    pairs += [("small", True, False)] * 3 + [("small", False, True)] * 3  # κ = −1 but 6 labels
    labels, found = [], {}
    for i, (rule, checker, human) in enumerate(pairs):
        labels.append(Label(f"c{i}", rule, human, i + 2))
        if checker:
            found[(f"c{i}", rule)] = ["x"]
    cal = calibrate(labels, Verdicts("test", {l.call_id for l in labels}, ["big", "small"], found))
    assert cal.rules[0].kappa == Fraction(3, 5)
    assert [m.rule_id for m in cal.below(0.7)] == ["big"]
    assert cal.below(0.6) == [] and cal.below(None) == []
    assert [m.rule_id for m in cal.worst_first()] == ["small", "big"]


# -- labels ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, fires",
    [
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("是", True),
        ("命中", True),
        (" 命中 ", True),
        ("false", False),
        ("False", False),
        ("0", False),
        ("否", False),
        ("未命中", False),
    ],
)
def test_fires_spellings(value, fires):
    assert parse_fires(value) is fires


def test_read_labels(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text(
        "call_id,rule_id,fires,note\nc1,greet,是,开场只说了喂\nc1,taboo,未命中,\n\nc2,greet,1,\n", encoding="utf-8-sig"
    )
    assert read_labels(path) == [
        Label("c1", "greet", True, 2, "开场只说了喂"),
        Label("c1", "taboo", False, 3),
        Label("c2", "greet", True, 5),
    ]


def test_read_labels_chinese_headers_and_gb18030(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_bytes("通话编号,规则,是否命中\nc1,greet,命中\n".encode("gb18030"))
    assert read_labels(path) == [Label("c1", "greet", True, 2)]


def test_duplicate_labels_are_an_error_with_their_lines(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text(
        "call_id,rule_id,fires\nc1,greet,1\nc2,greet,0\nc1,greet,0\nc1,greet,1\nc3,greet,maybe\n", encoding="utf-8"
    )
    with pytest.raises(LabelError) as err:
        read_labels(path)
    assert err.value.problems == [
        f"{path}:4: call 'c1' rule 'greet' is labelled more than once (lines 2, 4, 5)",
        f"{path}:6: fires 'maybe' is not one of true/false, 1/0, 是/否, 命中/未命中",
    ]


def test_missing_column(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("call_id,verdict_of_sorts\nc1,1\n", encoding="utf-8")
    with pytest.raises(LabelError, match=r":1: missing column\(s\) rule_id, fires"):
        read_labels(path)


# -- the command -------------------------------------------------------------------------------

# c-20261102-003 (A1004): "喂，说吧。" opens the call, no greeting, taboo 说吧; c-20261102-002 opens well.
LABELS = """call_id,rule_id,fires
c-20261102-003,opening-greeting,是
c-20261102-003,taboo-phrases,命中
c-20261102-002,opening-greeting,否
c-20261102-002,taboo-phrases,true
no-such-call,opening-greeting,0
c-20261102-002,no-such-rule,0
"""


def test_calibrate_command(tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text(LABELS, encoding="utf-8")
    out = tmp_path / "cal"
    result = CliRunner().invoke(
        main,
        ["calibrate", str(labels), str(ROOT / "transcripts"), "--rules", str(ROOT / "qa_rules"), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert f"{labels}:6: not compared (call not in the input): call 'no-such-call'" in result.output
    assert (
        f"{labels}:7: not compared (rule not in the scheme): call 'c-20261102-002', rule 'no-such-rule'"
        in result.output
    )
    assert "(audited now)" in result.output
    rows = {r["rule_id"]: r for r in csv.DictReader((out / "calibration.csv").open(encoding="utf-8"))}
    assert (rows["opening-greeting"]["tp"], rows["opening-greeting"]["tn"], rows["opening-greeting"]["kappa"]) == (
        "1",
        "1",
        "1.0000",
    )
    assert (rows["taboo-phrases"]["tp"], rows["taboo-phrases"]["fn"]) == ("1", "1")
    md = (out / "calibration.md").read_text(encoding="utf-8")
    assert md.index("## `taboo-phrases`") < md.index("## `opening-greeting`")  # worst first
    assert "**miss** — call `c-20261102-002` (labels line 5): reviewer says fires (命中), checker did not fire" in md
    assert "line 6: call `no-such-call`, rule `opening-greeting`" in md

    # The same verdicts read from a finished audit, without auditing again.
    audit_out = tmp_path / "audit"
    assert (
        CliRunner()
        .invoke(
            main,
            [
                "audit",
                str(ROOT / "transcripts"),
                "--rules",
                str(ROOT / "qa_rules"),
                "--out",
                str(audit_out),
                "--jobs",
                "1",
            ],
        )
        .exit_code
        == 0
    )
    again = tmp_path / "again"
    result = CliRunner().invoke(
        main,
        [
            "calibrate",
            str(labels),
            "--rules",
            str(ROOT / "qa_rules"),
            "--out",
            str(again),
            "--findings",
            str(audit_out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"(read from the audit in {audit_out})" in result.output
    assert (again / "calibration.csv").read_text(encoding="utf-8") == (out / "calibration.csv").read_text(
        encoding="utf-8"
    )


def test_calibrate_exit_codes(tmp_path):
    dup = tmp_path / "dup.csv"
    dup.write_text("call_id,rule_id,fires\nc1,greet,1\nc1,greet,1\n", encoding="utf-8")
    out = tmp_path / "cal"
    result = CliRunner().invoke(
        main, ["calibrate", str(dup), str(ROOT / "transcripts"), "--out", str(out), "--rules", str(ROOT / "qa_rules")]
    )
    assert result.exit_code == 2 and "labelled more than once (lines 2, 3)" in result.output
    assert not out.exists()  # nothing written

    # Ten labels of opening-greeting that contradict the checker on every call: κ at most 0.
    verdicts = _checker_verdicts(tmp_path, "opening-greeting", 10)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(
        "call_id,rule_id,fires\n" + "".join(f"{c},opening-greeting,{0 if v else 1}\n" for c, v in verdicts.items()),
        encoding="utf-8",
    )
    args = [
        "calibrate",
        str(wrong),
        str(ROOT / "transcripts"),
        "--rules",
        str(ROOT / "qa_rules"),
        "--out",
        str(tmp_path / "w"),
    ]
    assert CliRunner().invoke(main, args).exit_code == 0  # no threshold by default
    result = CliRunner().invoke(main, args + ["--min-kappa", "0.5"])
    assert result.exit_code == 1, result.output
    assert "rule opening-greeting: κ" in result.output and "< --min-kappa 0.5 (10 labels)" in result.output


def _checker_verdicts(tmp_path: Path, rule_id: str, count: int) -> dict[str, bool]:
    """Whether the checker fires `rule_id` in each of the first `count` sample calls."""
    out = tmp_path / "verdicts"
    CliRunner().invoke(
        main, ["audit", str(ROOT / "transcripts"), "--out", str(out), "--jobs", "1", "--rules", str(ROOT / "qa_rules")]
    )
    calls = [r["call_id"] for r in csv.DictReader((out / "calls.csv").open(encoding="utf-8-sig"))][:count]
    fired = {
        r["call_id"]
        for r in csv.DictReader((out / "findings.csv").open(encoding="utf-8-sig"))
        if r["rule_id"] == rule_id
    }
    return {c: c in fired for c in calls}


def test_shipped_labels_judge_every_sample_call_and_run_from_a_clone(tmp_path, monkeypatch):
    """transcripts/labels.csv: one verdict per sample call for each rule a reviewer judges by
    reading; `qa-check calibrate transcripts/labels.csv` runs with the defaults and compares all."""
    from checker.read import RoleMap, read_paths
    from checker.scheme import load_scheme

    labels = read_labels(ROOT / "transcripts" / "labels.csv")
    calls = {c.call_id for c in read_paths([ROOT / "transcripts"], RoleMap.build()) if hasattr(c, "turns")}
    rules = {r.id for r in load_scheme(ROOT / "qa_rules").rules}
    assert len(calls) == 49 and {l.call_id for l in labels} == calls
    judged = {l.rule_id for l in labels}
    assert len(judged) == 13 and judged <= rules
    assert len(labels) == 49 * 13
    assert all(l.note for l in labels if l.fires)  # every "fires" says why
    monkeypatch.chdir(ROOT)
    out = tmp_path / "cal"
    result = CliRunner().invoke(main, ["calibrate", "transcripts/labels.csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "637 labelled pair(s) in 49 call(s) compared (audited now)" in result.output
    assert "not compared" not in result.output


def test_read_labels_utf16(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_bytes(
        "call_id\trule_id\tfires\n".replace("\t", ",").encode("utf-16") + "c1,greet,否\n".encode("utf-16-le")
    )
    assert read_labels(path) == [Label("c1", "greet", False, 2)]


def _mini_calibration():
    labels = [
        Label("c1", "greet", True, 2, "开场只说了喂"),
        Label("c2", "greet", False, 3),
        Label("c3", "greet", True, 4),
        Label("c1", "taboo", True, 5, "说吧"),
        Label("c2", "taboo", False, 6),
        Label("c9", "taboo", True, 7),
        Label("c1", "ghost", True, 8),
    ]
    verdicts = Verdicts(
        source="audited now",
        calls={"c1", "c2", "c3"},
        rules=["greet", "taboo", "thanks"],
        found={
            ("c1", "greet"): ["turn 0 (agent): 喂，说吧。"],
            ("c2", "greet"): ["turn 0 (agent): 你好，请讲。"],
            ("c1", "taboo"): ["turn 0 (agent): 喂，【说吧】。"],
        },
        context={("c3", "greet"): ["turn 0 (agent): 您好像打错了"]},
    )
    return calibrate(labels, verdicts)


def test_calibration_markdown_snapshot():
    # greet by hand: tp 1, fp 1, fn 1; p_o = 1/3, p_e = (2·2 + 1·1) / 9 = 5/9, κ = (1/3 − 5/9) / (4/9) = −1/2
    text = calibration_markdown(_mini_calibration(), "mini", "labels.csv", min_kappa=0.5)
    assert text == (Path(__file__).parent / "fixtures" / "calibrate" / "mini.md").read_text(encoding="utf-8")
