"""`audit --engine dask`: the same report bytes as `--engine local` whatever the workers and the
partitioning, a worker killed mid-run, a scheduler that cannot be reached, `--resume`."""

import json
import multiprocessing
import os
import signal
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("distributed")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from checker import dask_engine  # noqa: E402
from checker import units as work_units  # noqa: E402
from checker.cli import main  # noqa: E402
from checker.units import Slice, plan_units  # noqa: E402
from checker.read import RoleMap  # noqa: E402

from .test_audit import SCHEME  # noqa: E402
from .test_resume import files, interrupt_after  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "real_cs_dialogues.jsonl"
TEXTS = ["喂，说吧", "您好，请讲", "您好，这个我不能办", "您好，你是不是神经病"]


def run(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


def call(i: int, call_id: str | None = None) -> dict:
    return {
        "call_id": call_id or f"p{i}",
        "agent_id": f"A{i % 3}",
        "started_at": f"2026-11-{1 + i % 20:02d}T09:00:00",
        "turns": [
            {"speaker": "agent", "text": TEXTS[i % 4], "start": 0.0, "end": 1.5},
            {"speaker": "customer", "text": "我的手机号是13812345678", "start": 1.6, "end": 3.0},
        ],
    }


def write_parquet(path: Path, records: list[dict], group: int) -> None:
    pq.write_table(pa.Table.from_pylist(records), path, row_group_size=group)


@pytest.fixture
def workspace(tmp_path):
    """Two Parquet files of one row a call in small row groups (a copied call id among them, a
    call without turns), a JSON Lines file and a text file."""
    (tmp_path / "rules.yaml").write_text(textwrap.dedent(SCHEME), encoding="utf-8")
    calls = tmp_path / "calls"
    calls.mkdir()
    first = [call(i) for i in range(150)]
    first[40] = {**call(40), "turns": []}  # rejected: no turns
    first[90] = call(90, call_id="p5")  # a copy of p5, within the same file
    write_parquet(calls / "a.parquet", first, group=7)
    write_parquet(calls / "b.parquet", [call(i) for i in range(150, 260)] + [call(1, call_id="p12")], group=16)
    (calls / "c.jsonl").write_text(
        "\n".join(json.dumps(call(i), ensure_ascii=False) for i in range(260, 300)) + "\n{broken\n", encoding="utf-8"
    )
    (calls / "z.txt").write_text("# call_id: last\n# agent_id: A9\n坐席: 说吧\n客户: 好\n", encoding="utf-8")
    return tmp_path


def audit_args(ws, out, *extra, paths=None):
    return ["audit", *(paths or [str(ws / "calls")]), "--rules", str(ws / "rules.yaml"), "--out", str(out), *extra]


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
        yield c


def test_parquet_row_groups_are_planned_as_slices_without_reading_the_rows(workspace, monkeypatch):
    monkeypatch.setattr(work_units, "SLICE_ROWS", 20)
    units = list(plan_units([workspace / "calls"], RoleMap(), remote=True))
    slices = [u for u in units if isinstance(u, Slice)]
    a = [s for s in slices if s.path.endswith("a.parquet")]
    # row groups of 7 rows, taken together up to 20: 21, 21, … rows, numbered on from each other
    assert [s.first_row for s in a] == [1, 22, 43, 64, 85, 106, 127, 148]
    assert sum(s.rows for s in a) == 150
    assert all(isinstance(u, Slice) for u in units[: len(a)])  # a.parquet comes first, read by nobody yet


@pytest.mark.parametrize("slice_rows", [7, 64, 10_000])
def test_dask_reports_are_the_bytes_of_the_local_engine(workspace, cluster, monkeypatch, slice_rows):
    ref = workspace / "ref"
    assert run(audit_args(workspace, ref, "--jobs", "1")).exit_code == 2
    monkeypatch.setattr(work_units, "SLICE_ROWS", slice_rows)
    monkeypatch.setattr(dask_engine, "CHUNK", 9)  # the JSON Lines lines in several tasks too
    out = workspace / "out"
    result = run(audit_args(workspace, out, "--engine", "dask", "--scheduler", cluster.scheduler_address))
    assert result.exit_code == 2, result.output
    assert "duplicate call_id 'p5'" in result.output and "duplicate call_id 'p12'" in result.output
    assert files(out) == files(ref)


def test_parquet_out_read_back_is_the_same_tables_on_every_engine(workspace, cluster, monkeypatch):
    """calls.parquet and findings.parquet are made of the partitions where the calls were audited
    (Dask workers, local workers, this process), joined in input order into row groups cut by
    count: read back with pandas, the same typed tables after `--engine dask` and `--jobs 2` as
    after `--jobs 1`, and the same rows as calls.csv and findings.jsonl."""
    pd = pytest.importorskip("pandas")
    from checker.report import parquet_out

    monkeypatch.setattr(parquet_out, "ROW_GROUP", 7)  # row groups cut across the partitions
    monkeypatch.setattr(parquet_out, "FINDINGS_GROUP", 11)
    monkeypatch.setattr(work_units, "SLICE_ROWS", 16)
    engines = {
        "jobs1": ["--jobs", "1"],
        "jobs2": ["--jobs", "2"],
        "dask": ["--engine", "dask", "--scheduler", cluster.scheduler_address],
    }
    tables = {}
    for name, engine in engines.items():
        out = workspace / name
        assert run(audit_args(workspace, out, *engine)).exit_code == 2
        tables[name] = (pd.read_parquet(out / "calls.parquet"), pd.read_parquet(out / "findings.parquet"))
    calls, findings = tables["jobs1"]
    for name in ("jobs2", "dask"):
        pd.testing.assert_frame_equal(tables[name][0], calls)
        pd.testing.assert_frame_equal(tables[name][1], findings)
    ref = workspace / "jobs1"
    with (ref / "calls.csv").open(encoding="utf-8-sig") as fh:
        ids = [line.split(",", 1)[0] for line in fh.read().splitlines()[1:]]
    assert list(calls["call_id"]) == ids and len(ids) == 302 - 3  # 302 calls in, 2 copies and 1 without turns
    assert str(calls["score"].dtype) == "float64" and str(calls["findings"].dtype) == "int32"
    assert str(findings["turn"].dtype) == "int32" and str(findings["fatal"].dtype) == "bool"
    lines = [json.loads(line) for line in (ref / "findings.jsonl").read_text(encoding="utf-8").splitlines()]
    assert pq.read_table(ref / "findings.parquet").to_pylist() == lines  # nulls as None, not pandas NaN
    assert int(calls["findings"].sum()) == len(lines) > 100
    assert "13812345678" not in str(findings["excerpt"].tolist())  # masked, as findings.jsonl is
    meta = pq.ParquetFile(ref / "findings.parquet").metadata
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert set(sizes[:-1]) == {11} and 0 < sizes[-1] <= 11


def test_file_urls_with_either_engine(workspace, cluster):
    ref = workspace / "ref"
    assert run(audit_args(workspace, ref, "--jobs", "1")).exit_code == 2
    url = (workspace / "calls").as_uri()
    for engine in (["--jobs", "1"], ["--engine", "dask", "--scheduler", cluster.scheduler_address]):
        out = workspace / f"out-{engine[1]}"
        assert run(audit_args(workspace, out, *engine, paths=[url])).exit_code == 2
        assert files(out) == files(ref)


def test_a_worker_killed_mid_run_loses_and_doubles_nothing(workspace, monkeypatch):
    from distributed import LocalCluster

    ref = workspace / "ref"
    assert run(audit_args(workspace, ref, "--jobs", "1")).exit_code == 2
    monkeypatch.setattr(work_units, "SLICE_ROWS", 7)  # many small tasks: the killed worker has some queued
    killed = []
    original = dask_engine.DaskExecutor._result

    def result_then_kill(self, future):
        out = original(future)
        if not killed:  # after the first result, a worker process dies as an OOM kill would end it
            pids = self.client.run(os.getpid)
            victim = sorted(pids)[0]
            os.kill(pids[victim], signal.SIGKILL)
            killed.append(victim)
        return out

    monkeypatch.setattr(dask_engine.DaskExecutor, "_result", lambda self, f: result_then_kill(self, f))
    monkeypatch.setattr(dask_engine, "IN_FLIGHT", 8)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
        out = workspace / "out"
        result = run(audit_args(workspace, out, "--engine", "dask", "--scheduler", c.scheduler_address))
    assert killed
    assert result.exit_code == 2, result.output
    assert files(out) == files(ref)


def test_an_unreachable_scheduler_is_exit_3_and_the_report_stands(workspace, monkeypatch):
    monkeypatch.setattr(dask_engine, "CONNECT_SECONDS", 1)
    out = workspace / "out"
    out.mkdir()
    (out / "calls.csv").write_text("previous", encoding="utf-8")
    result = CliRunner().invoke(
        main, audit_args(workspace, out, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9")
    )
    assert result.exit_code == 3
    assert "error: cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
    assert files(out) == {"calls.csv": b"previous"}
    assert not [p for p in workspace.iterdir() if p.name.startswith(".out.") and p.name.endswith(".tmp")]
    # the writers were open when the executor failed to start: the workbook's process is gone too
    assert not [p for p in multiprocessing.active_children() if p.name == "qa-check report.xlsx"]


def test_resume_with_the_dask_engine(workspace, cluster, monkeypatch):
    ref = workspace / "ref"
    assert run(audit_args(workspace, ref, "--jobs", "1")).exit_code == 2
    out = workspace / "out"
    dask = ["--engine", "dask", "--scheduler", cluster.scheduler_address]
    with monkeypatch.context() as m:
        interrupt_after(m, 100)
        assert run(audit_args(workspace, out, *dask)).exit_code == 130
    result = run(audit_args(workspace, out, *dask, "--resume"))
    assert result.exit_code == 2
    assert "continuing the run interrupted" in result.output
    assert files(out) == files(ref)


@pytest.mark.skipif(not CORPUS.is_file(), reason="the real corpus (../shared/corpus) is not here")
def test_real_corpus_as_parquet_on_a_local_cluster(tmp_path):
    """The real dialogues as Parquet (one row a call), audited on a LocalCluster of this run's
    own (`--jobs 2`, no --scheduler), against --engine local --jobs 1."""
    records = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    calls = tmp_path / "calls"
    calls.mkdir()
    write_parquet(calls / "corpus.parquet", records, group=100)
    args = ["audit", str(calls), "--out"]
    assert run([*args, str(tmp_path / "ref"), "--jobs", "1"]).exit_code == 0
    assert run([*args, str(tmp_path / "out"), "--jobs", "2", "--engine", "dask"]).exit_code == 0
    assert files(tmp_path / "out") == files(tmp_path / "ref")
    assert (tmp_path / "ref" / "calls.csv").read_text(encoding="utf-8").count("\n") == len(records) + 1


def test_the_default_engine_imports_no_dask(workspace):
    """`--engine local` (the default) never imports dask, distributed or fsspec."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom checker.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('dask', 'distributed', 'fsspec') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *audit_args(workspace, workspace / "out", "--jobs", "2")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr[-2000:]


def test_a_scheduler_without_the_dask_engine_is_a_usage_error(workspace):
    result = CliRunner().invoke(main, audit_args(workspace, workspace / "out", "--scheduler", "tcp://127.0.0.1:9"))
    assert result.exit_code == 2 and "--scheduler names a Dask scheduler: it needs --engine dask" in result.output
    assert not (workspace / "out").exists()


def test_a_remote_folder_passes_over_labels_and_names_a_side_car_it_does_not_apply():
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe(
        {
            "/qa-remote/a.jsonl": b'{"call_id": "c1", "turns": []}\n',
            "/qa-remote/labels.csv": b"call_id,rule_id,fires\n",
            "/qa-remote/calls_meta.csv": b"call_id,agent_id\n",
        }
    )
    try:
        units = list(plan_units(["memory://qa-remote"], RoleMap(), remote=True))
    finally:
        fs.rm("/qa-remote", recursive=True)
    assert [u.path for u in units if isinstance(u, Slice)] == ["memory:///qa-remote/a.jsonl"]
    [skipped] = [u for u in units if not isinstance(u, Slice)]
    assert skipped.file == "memory:///qa-remote/calls_meta.csv"
    assert "give it with --calls-meta" in skipped.reason


def test_a_workers_render_memo_serves_only_chunks_later_than_every_one_it_served():
    # What a digest leaves out must come from calls earlier in input order (`digest_run`): a task
    # gets the run's memo only in order, and a re-run chunk that comes after later ones a fresh one.
    memo = dask_engine._RenderMemo()
    first = memo.take("run-1", 0)
    assert first == {}
    first["kept"] = True
    memo.give_back()
    assert memo.take("run-1", 2) is first  # later in the run's order: the same memo
    memo.give_back()
    assert memo.take("run-1", 1) is None  # a chunk before one it served (a re-run): fresh
    assert memo.take("run-1", 2) is None  # the same chunk again: fresh
    held = memo.take("run-1", 3)
    assert held is first
    assert memo.take("run-1", 4) is None  # another task has it (a worker of several threads)
    memo.give_back()
    assert memo.take("run-1", 5) is first
    memo.give_back()
    assert memo.take("run-1", None) is None  # a chunk without a place in a run
    other = memo.take("run-2", 0)  # the next run starts afresh, whatever its chunks' numbers
    assert other == {} and other is not first
    memo.give_back()
