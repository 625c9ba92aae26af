"""`qa-check audit --resume`: an interrupted run leaves the old report and a journal; resuming
gives, byte for byte, the report of an uninterrupted run."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.model import Call, CallResult, Finding, InputError, Turn
from checker.report import tables
from checker.resume import JOURNAL, leftover_folders, load_journal

from .test_audit import SCHEME

ROOT = Path(__file__).resolve().parent.parent


def run(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def workspace(tmp_path):
    """Calls with findings, a fatal one, a broken line, a duplicate id, a text file and two agents."""
    (tmp_path / "rules.yaml").write_text(textwrap.dedent(SCHEME), encoding="utf-8")
    calls = tmp_path / "calls"
    calls.mkdir()
    lines = []
    for i in range(120):
        text = ["喂，说吧", "您好，请讲", "您好，这个我不能办", "您好，你是不是神经病"][i % 4]
        lines.append(
            json.dumps(
                {
                    "call_id": f"p{i}",
                    "agent_id": f"A{i % 3}",
                    "started_at": f"2026-11-{1 + i % 20:02d}T09:00:00",
                    "turns": [
                        {"speaker": "agent", "text": text, "start": 0, "end": 1.5},
                        {"speaker": "customer", "text": "我的手机号是13812345678", "start": 1.6, "end": 3},
                    ],
                },
                ensure_ascii=False,
            )
        )
    lines.insert(30, "{broken")
    lines.insert(70, lines[5])  # duplicate call id
    (calls / "many.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (calls / "z.txt").write_text("# call_id: last\n# agent_id: A9\n坐席: 说吧\n客户: 好\n", encoding="utf-8")
    return tmp_path


def audit_args(ws, out, *extra):
    return ["audit", str(ws / "calls"), "--rules", str(ws / "rules.yaml"), "--out", str(out), *extra]


def interrupt_after(monkeypatch, n) -> dict:
    """Make the calls.csv writer raise KeyboardInterrupt (as Ctrl-C would) when given the n-th
    call (it takes them a run at a time, one row per call); the dict says how many it wrote."""
    seen = {"written": 0}
    original = tables.CallsCsv.add_many

    def add_many(self, part):
        calls = len(part[1])
        if seen["written"] < n <= seen["written"] + calls:
            raise KeyboardInterrupt
        original(self, part)
        seen["written"] += calls

    monkeypatch.setattr(tables.CallsCsv, "add_many", add_many)
    return seen


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_interrupted_run_keeps_old_report_and_resume_matches_uninterrupted_run(workspace, monkeypatch, jobs):
    ref = workspace / "ref"
    assert run(audit_args(workspace, ref, "--jobs", "1")).exit_code == 2
    out = workspace / "out"
    out.mkdir()
    (out / "calls.csv").write_text("previous", encoding="utf-8")

    with monkeypatch.context() as m:
        seen = interrupt_after(m, 50)
        result = run(audit_args(workspace, out, "--jobs", jobs))
    assert result.exit_code == 130
    assert "interrupted after" in result.output and "--resume" in result.output
    assert (out / "calls.csv").read_text(encoding="utf-8") == "previous"  # the old report stands
    (left,) = leftover_folders(out)
    journal = load_journal(left)
    # the calls the writers were given before the interruption, and the error among them
    assert 0 < seen["written"] < 50
    assert [e["k"][0] for e in journal.entries].count("r") == seen["written"]
    assert [e["k"][0] for e in journal.entries].count("e") == 1  # the broken line

    result = run(audit_args(workspace, out, "--jobs", jobs, "--resume"))
    assert result.exit_code == 2
    assert "continuing the run interrupted" in result.output
    assert files(out) == files(ref)
    assert JOURNAL not in files(out)
    assert leftover_folders(out) == []
    assert not [
        p for p in workspace.iterdir() if p.name.startswith(".out.") and p.name != ".out.lock"
    ]  # the lock file stays (`lock`)


def test_resume_twice_interrupted(workspace, monkeypatch):
    ref = workspace / "ref"
    run(audit_args(workspace, ref, "--jobs", "1"))
    out = workspace / "out"
    with monkeypatch.context() as m:
        interrupt_after(m, 30)
        assert run(audit_args(workspace, out, "--jobs", "1")).exit_code == 130
    with monkeypatch.context() as m:
        interrupt_after(m, 80)  # the resumed run is interrupted again, after its replay
        assert run(audit_args(workspace, out, "--jobs", "1", "--resume")).exit_code == 130
    assert len(leftover_folders(out)) == 1  # the first leftover went once its items were replayed
    assert run(audit_args(workspace, out, "--jobs", "1", "--resume")).exit_code == 2
    assert files(out) == files(ref)


def test_resume_without_leftover_is_a_fresh_run(workspace):
    ref, out = workspace / "ref", workspace / "out"
    run(audit_args(workspace, ref, "--jobs", "1"))
    result = run(audit_args(workspace, out, "--jobs", "1", "--resume"))
    assert result.exit_code == 2
    assert "no interrupted run" in result.output and "starting a fresh run" in result.output
    assert files(out) == files(ref)


def test_resume_refused_when_scheme_or_input_changed(workspace, monkeypatch):
    out = workspace / "out"
    with monkeypatch.context() as m:
        interrupt_after(m, 20)
        run(audit_args(workspace, out, "--jobs", "1"))
    (left,) = leftover_folders(out)
    rules = workspace / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("deduct: 5", "deduct: 6"), encoding="utf-8")
    result = run(audit_args(workspace, out, "--jobs", "1", "--resume"))
    assert result.exit_code == 3
    assert "cannot resume" in result.output and "the scheme has changed" in result.output
    assert leftover_folders(out) == [left] and not out.exists()  # nothing touched

    rules.write_text(textwrap.dedent(SCHEME), encoding="utf-8")
    with (workspace / "calls" / "z.txt").open("a", encoding="utf-8") as fh:
        fh.write("客户: 再见\n")
    result = run(audit_args(workspace, out, "--jobs", "1", "--resume"))
    assert result.exit_code == 3 and "input files have changed" in result.output

    result = run(audit_args(workspace, out, "--jobs", "1", "--resume", "--no-mask"))
    assert result.exit_code == 3 and "option report" in result.output


def test_fresh_run_mentions_a_leftover(workspace, monkeypatch):
    out = workspace / "out"
    with monkeypatch.context() as m:
        interrupt_after(m, 20)
        run(audit_args(workspace, out, "--jobs", "1"))
    result = run(audit_args(workspace, out, "--jobs", "1"))
    assert result.exit_code == 2 and "an interrupted run of" in result.output


def test_a_last_line_cut_short_is_ignored(workspace, monkeypatch):
    ref, out = workspace / "ref", workspace / "out"
    run(audit_args(workspace, ref, "--jobs", "1"))
    with monkeypatch.context() as m:
        interrupt_after(m, 40)
        run(audit_args(workspace, out, "--jobs", "1"))
    (left,) = leftover_folders(out)
    journal = left / JOURNAL
    n = len(load_journal(left).entries)
    journal.write_bytes(journal.read_bytes()[:-7])  # as if killed while writing the last line
    assert len(load_journal(left).entries) == n - 1
    assert run(audit_args(workspace, out, "--jobs", "1", "--resume")).exit_code == 2
    assert files(out) == files(ref)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_killed_subprocess_then_resume(tmp_path, how):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synth import write_jsonl

    calls = tmp_path / "calls.jsonl"
    write_jsonl(calls, 3000, seed=5)  # enough that the audit is still running when it is killed
    qa = [sys.executable, "-m", "checker", "audit", str(calls), "--rules", str(ROOT / "qa_rules"), "--jobs", "2"]
    ref, out = tmp_path / "ref", tmp_path / "out"
    subprocess.run([*qa, "--out", str(ref)], check=True, capture_output=True, cwd=ROOT)
    proc = subprocess.Popen([*qa, "--out", str(out)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        left = leftover_folders(out)
        if left and len((left[0] / JOURNAL).read_bytes().splitlines()) > 50:
            break
        time.sleep(0.02)
    os.kill(proc.pid, how)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGABRT)
        _, err = proc.communicate(timeout=30)
        raise AssertionError(err) from None
    if how == signal.SIGTERM:
        assert proc.returncode == 130, err
        assert "interrupted after" in err
    else:
        assert proc.returncode == -signal.SIGKILL
    assert not out.exists()
    (left,) = leftover_folders(out)
    done = len(load_journal(left).entries)
    assert 50 <= done < 3000
    res = subprocess.run([*qa, "--out", str(out), "--resume"], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert f"{done} item(s) already done" in res.stderr
    assert files(out) == files(ref)
    assert leftover_folders(out) == []


def test_call_result_json_round_trip():
    call = Call(
        "c1",
        (Turn("agent", "您好", 0.0, 1.5, 3, {"channel": 0}), Turn("customer", "嗯")),
        agent_id="A1",
        started_at="2026-11-02T09:00:00",
        metadata={"hangup_by": "agent"},
        source="x.jsonl",
        line=3,
    )
    finding = Finding(
        "c1",
        "A1",
        "r",
        "forbidden",
        "服务禁语",
        "error",
        "msg",
        turn=0,
        speaker="agent",
        start=0.0,
        matched="您好",
        span=(0, 2),
        excerpt="【您好】",
        suggest="请",
        deduct=2.5,
        fatal=False,
        details={"markers": ["冇"]},
    )
    result = CallResult(call, (finding,), 97.5, True, False, ("dead-air",), {"customer_dialect": None})
    data = json.loads(json.dumps(result.to_json()))
    back = CallResult.from_json(data)
    assert back == result and back.call.turns[0].extra == {"channel": 0}
    assert CallResult.from_json(json.loads(json.dumps(result.to_json(call=False))), call) == result
    error = InputError("f.jsonl", 2, "broken", None)
    assert InputError.from_json(json.loads(json.dumps(error.to_json()))) == error


def test_journal_lines_write_findings_as_their_json(tmp_path):
    """`Journal.line_for` hands the findings to orjson as dataclasses: the same line as their
    `to_json` dicts, on results with every kind of finding."""
    import sys

    from checker.engine import audit_calls
    from checker.read.records import build_call
    from checker.resume import Journal, _dump_fast, item_key
    from checker.scheme import load_scheme

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synth import synthetic_calls

    scheme = load_scheme(ROOT / "qa_rules")
    calls = [build_call(rec, scheme.roles, "synth", i) for i, rec in enumerate(synthetic_calls(300, seed=9))]
    results = audit_calls(calls, scheme)
    assert sum(len(r.findings) for r in results) > 100
    for r in results:
        assert Journal.line_for(r) == _dump_fast({"k": item_key(r), **r.to_json(call=False)})
    # What orjson refuses (an integer past 64 bits) goes to the standard encoder, findings as dicts.
    from dataclasses import replace

    from checker.resume import _dump

    r = next(r for r in results if r.findings)
    big = replace(r, findings=(replace(r.findings[0], details={"n": 1 << 70}),) + r.findings[1:])
    line = Journal.line_for(big)
    assert line == _dump({"k": item_key(big), **big.to_json(call=False)})
    assert json.loads(line)["findings"][0]["details"] == {"n": 1 << 70}
