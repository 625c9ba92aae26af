"""`qa-check audit` end to end: outputs, exit codes, rejected input, parallel determinism."""

import csv
import json
import textwrap

import pytest
from click.testing import CliRunner

from checker.cli import main

SCHEME = """
scheme: mini
scoring: {full: 100, pass: 90, sections: {服务禁语: {max_deduct: 8}}}
rules:
  - id: greet
    kind: required
    section: 开场白
    window: {first_turns: 1}
    phrases: [您好]
    deduct: 5
    message: 开场未问候
  - id: taboo
    kind: forbidden
    section: 服务禁语
    phrases: [说吧, {phrase: 我不能, suggest: 我看看能为您做些什么}]
    per: occurrence
    deduct: 5
    message: 使用服务禁语
  - id: abuse
    kind: forbidden
    section: 服务禁语
    phrases: [神经病]
    fatal: true
    message: 辱骂客户
"""


def read_csv(path):
    with path.open(encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "rules.yaml").write_text(textwrap.dedent(SCHEME), encoding="utf-8")
    calls = tmp_path / "calls"
    calls.mkdir()
    (calls / "a.txt").write_text("# call_id: good\n# agent_id: A1\n坐席: 您好，请讲\n客户: 查话费\n", encoding="utf-8")
    (calls / "b.jsonl").write_text(
        "\n".join(
            [
                json.dumps(
                    {
                        "call_id": "bad",
                        "agent_id": "A2",
                        "turns": [
                            {"speaker": "agent", "text": "喂，说吧"},
                            {"speaker": "customer", "text": "你们怎么回事"},
                            {"speaker": "agent", "text": "我不能帮你，说吧"},
                        ],
                    },
                    ensure_ascii=False,
                ),
                "{broken",
                json.dumps(
                    {
                        "call_id": "rude",
                        "agent_id": "A2",
                        "turns": [{"speaker": "agent", "text": "您好，你是不是神经病"}],
                    },
                    ensure_ascii=False,
                ),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return tmp_path


def run(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


def test_audit_writes_every_report_and_exit_2_on_rejected_input(workspace):
    out = workspace / "out"
    result = run(
        ["audit", str(workspace / "calls"), "--rules", str(workspace / "rules.yaml"), "--out", str(out), "--jobs", "1"]
    )
    assert result.exit_code == 2
    assert "4 call(s) in: 3 audited, 1 rejected" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "agents",
        "agents.csv",
        "calls.csv",
        "calls.parquet",
        "errors.csv",
        "findings.csv",
        "findings.jsonl",
        "findings.parquet",
        "index.html",
        "report.xlsx",
    ]
    calls = {r["call_id"]: r for r in read_csv(out / "calls.csv")}
    assert calls["good"]["score"] == "100.0" and calls["good"]["passed"] == "true"
    # greet 5 + taboo capped by its section at 8 → 87; fails pass 90
    assert calls["bad"]["score"] == "87.0" and calls["bad"]["passed"] == "false"
    assert calls["rude"]["score"] == "0.0" and calls["rude"]["fatal"] == "true"
    findings = [json.loads(line) for line in (out / "findings.jsonl").read_text(encoding="utf-8").splitlines()]
    bad = [(f["rule_id"], f["turn"], f["matched"], f["deduct"]) for f in findings if f["call_id"] == "bad"]
    assert bad == [
        ("greet", 0, "", 5.0),
        ("taboo", 0, "说吧", 5.0),
        ("taboo", 2, "我不能", 3.0),
        ("taboo", 2, "说吧", 0.0),
    ]
    assert read_csv(out / "findings.csv")[2]["suggest"] == "我看看能为您做些什么"
    (err,) = read_csv(out / "errors.csv")
    assert err["file"].endswith("b.jsonl") and err["line"] == "2" and err["reason"].startswith("broken JSON")
    agents = {r["agent_id"]: r for r in read_csv(out / "agents.csv")}
    assert agents["A2"]["calls"] == "2" and agents["A2"]["pass_rate"] == "0.0"


def test_invalid_scheme_exits_3_before_reading_and_keeps_old_report(workspace):
    out = workspace / "out"
    out.mkdir()
    (out / "calls.csv").write_text("previous", encoding="utf-8")
    (workspace / "rules.yaml").write_text("rules:\n  - id: x\n    kind: nope\n", encoding="utf-8")
    result = run(["audit", str(workspace / "calls"), "--rules", str(workspace / "rules.yaml"), "--out", str(out)])
    assert result.exit_code == 3
    assert "rules.yaml:3:11: unknown rule kind 'nope'" in result.output
    assert (out / "calls.csv").read_text(encoding="utf-8") == "previous"


def test_all_good_input_exits_0(workspace):
    result = run(
        [
            "audit",
            str(workspace / "calls" / "a.txt"),
            "--rules",
            str(workspace / "rules.yaml"),
            "--out",
            str(workspace / "o"),
            "--jobs",
            "1",
        ]
    )
    assert result.exit_code == 0


def test_parallel_output_is_identical_to_serial(workspace):
    calls = workspace / "calls"
    lines = []
    for i in range(150):
        text = ["喂，说吧", "您好，请讲", "您好，这个我不能办"][i % 3]
        lines.append(
            json.dumps(
                {
                    "call_id": f"p{i}",
                    "agent_id": f"A{i % 4}",
                    "turns": [{"speaker": "agent", "text": text}, {"speaker": "customer", "text": "好的"}],
                },
                ensure_ascii=False,
            )
        )
    (calls / "many.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    outs = []
    for jobs in ("1", "2"):
        out = workspace / f"out{jobs}"
        run(["audit", str(calls), "--rules", str(workspace / "rules.yaml"), "--out", str(out), "--jobs", jobs])
        outs.append({str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    assert outs[0] == outs[1]
    # … and it is the right output: 喂，说吧 misses the greeting and says 说吧 (-10), 您好，请讲 is
    # clean, 您好，这个我不能办 says 我不能 (-5); 50 calls of each.
    rows = {r["call_id"]: r for r in read_csv(workspace / "out2" / "calls.csv")}
    assert [(rows[c]["score"], rows[c]["findings"]) for c in ("p0", "p1", "p2", "p149")] == [
        ("90.0", "2"),
        ("100.0", "0"),
        ("95.0", "1"),
        ("95.0", "1"),
    ]
    findings = [f for f in read_csv(workspace / "out2" / "findings.csv") if f["call_id"].startswith("p")]
    assert sorted({(f["rule_id"], f["matched"]) for f in findings}) == [
        ("greet", ""),
        ("taboo", "我不能"),
        ("taboo", "说吧"),
    ]
    assert len(findings) == 150


def test_duplicate_call_ids_are_rejected_not_audited_twice(workspace):
    calls = workspace / "calls"
    (calls / "c.txt").write_text("# call_id: good\n坐席: 您好\n", encoding="utf-8")
    out = workspace / "out"
    result = run(["audit", str(calls), "--rules", str(workspace / "rules.yaml"), "--out", str(out), "--jobs", "1"])
    assert result.exit_code == 2
    reasons = [r["reason"] for r in read_csv(out / "errors.csv")]
    assert any("duplicate call_id 'good'" in r for r in reasons)


def test_parallel_mixed_input_is_identical_to_serial(workspace):
    """Raw JSON Lines records parsed in workers, other formats and side-car calls parsed in the
    parent, broken lines, unknown speakers and duplicate ids: --jobs 2 writes what --jobs 1 does."""
    calls = workspace / "calls"
    lines = []
    for i in range(90):
        text = ["喂，说吧", "您好，请讲", "您好，这个我不能办"][i % 3]
        turns = [{"speaker": "agent", "text": text}, {"speaker": "customer", "text": f"好的 {i}"}]
        turns += [{"speaker": "agent", "text": "还有别的吗"}] * (i % 7)
        lines.append(json.dumps({"call_id": f"p{i}", "agent_id": f"A{i % 4}", "turns": turns}, ensure_ascii=False))
    lines[20] = "{broken"
    lines[40] = json.dumps({"call_id": "who", "turns": [{"speaker": "robot", "text": "嗯"}]})
    lines[60] = lines[10]  # duplicate id, parsed in a worker
    (calls / "many.jsonl").write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    meta = calls / "meta"
    meta.mkdir()
    (meta / "calls_meta.csv").write_text("call_id,agent_id,team\nm1,A7,一组\n", encoding="utf-8")
    (meta / "m.jsonl").write_text(
        json.dumps({"call_id": "m1", "turns": [{"speaker": "agent", "text": "说吧"}]}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    (calls / "z.txt").write_text("# call_id: p3\n坐席: 说吧\n", encoding="utf-8")  # duplicate of a worker-parsed id
    outs = []
    for jobs in ("1", "2"):
        out = workspace / f"out{jobs}"
        result = run(["audit", str(calls), "--rules", str(workspace / "rules.yaml"), "--out", str(out), "--jobs", jobs])
        assert result.exit_code == 2
        outs.append({str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    assert outs[0] == outs[1]
    errors = read_csv(workspace / "out2" / "errors.csv")
    assert [(e["line"], e["reason"].split(" ")[0]) for e in errors if e["file"].endswith("many.jsonl")] == [
        ("21", "broken"),
        ("41", "unknown"),
        ("61", "duplicate"),
    ]
    assert any(e["file"].endswith("z.txt") and "duplicate call_id 'p3'" in e["reason"] for e in errors)
    calls_rows = {r["call_id"]: r for r in read_csv(workspace / "out2" / "calls.csv")}
    assert calls_rows["m1"]["agent_id"] == "A7" and calls_rows["m1"]["team"] == "一组"


def test_workers_send_back_only_the_turns_writers_read():
    from checker.report.base import ELIDED, elide_turns
    from checker.model import Call, CallResult, Finding, Turn
    from checker.report.base import WRITERS, ReportWriter, turn_context

    turns = tuple(Turn("agent", f"t{i}") for i in range(10))
    f = Finding("c", None, "r", "forbidden", "s", "error", "m", turn=5)
    result = CallResult(Call("c", turns), (f,), 95.0, True, False)
    slim = elide_turns(result, 2)
    assert [t.text for t in slim.call.turns] == ["", "", "", "t3", "t4", "t5", "t6", "t7", "", ""]
    assert slim.call.turns[0] is ELIDED and len(slim.call.turns) == 10
    assert elide_turns(CallResult(Call("c", turns), (), 100.0, True, False), 2).call.turns == (ELIDED,) * 10
    assert turn_context(WRITERS.values()) == 2

    class Everything(ReportWriter):
        name = "everything"

    assert turn_context([*WRITERS.values(), Everything]) is None  # a writer that reads any turn gets them all


def test_collector_settings_are_restored_after_an_audit(workspace):
    """The audit tunes the cyclic collector for the batch (frozen long-lived objects, a higher
    threshold) and gives it back as it found it, in the process of a library caller too."""
    import gc

    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    result = run(
        [
            "audit",
            str(workspace / "calls" / "a.txt"),
            "--rules",
            str(workspace / "rules.yaml"),
            "--out",
            str(workspace / "o"),
            "--jobs",
            "1",
        ]
    )
    assert result.exit_code == 0, result.output
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_a_parallel_audits_last_chunks_are_small():
    from checker.audit import CHUNK, TAIL_AHEAD, TAIL_CHUNK, _chunks

    for n in (0, 5, CHUNK, CHUNK * TAIL_AHEAD, CHUNK * (TAIL_AHEAD + 1) + 3, 10 * CHUNK + 7):
        chunks = list(_chunks(range(n), CHUNK, ending=TAIL_CHUNK))
        assert [x for c in chunks for x in c] == list(range(n))  # every item, once, in order
        big = sum(len(c) == CHUNK for c in chunks)
        assert all(len(c) == CHUNK for c in chunks[:big])  # full chunks first …
        assert all(len(c) <= TAIL_CHUNK for c in chunks[big:])  # … then small ones to the end
        tail = n - big * CHUNK  # what the small ones hold: the last TAIL_AHEAD chunks' worth, or more
        assert tail == n if n <= CHUNK * TAIL_AHEAD else CHUNK * TAIL_AHEAD <= tail < CHUNK * (TAIL_AHEAD + 1)
