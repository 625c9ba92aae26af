"""`--engine dask` against `--engine local`, on the real corpus made Parquet (one row a call).

    python benchmarks/dask_scale.py [--copies 20] [--memory-calls 100000 (0: none)] [--rounds 2]

Prints, each whole command timed as a user runs it (start-up, the cluster's too, and every report):
- the corpus × `--copies` as Parquet: `--engine local --jobs 1` against `--engine dask --jobs 2`
  (a LocalCluster of 2 worker processes, started by the run), and their ratio;
- the overhead of `--engine dask --jobs 2` against `--engine local --jobs 2` on the same input;
- the client's peak RSS (`/usr/bin/time`'s maximum resident set, the client process alone: the
  workers belong to a cluster started beforehand, reached with --scheduler) at 1,000 and at
  `--memory-calls` calls, and their ratio (flat: near 1).

Needs the real corpus (../shared/corpus) and the `dask` extra.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "real_cs_dialogues.jsonl"
QA = [sys.executable, "-m", "checker", "audit"]


def write_parquet(target: Path, calls: int, group: int = 1000) -> int:
    """The corpus repeated to `calls` calls (ids made unique) as one Parquet file; the calls written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    schema = None
    with_writer = None
    written = 0
    try:
        while written < calls:
            batch = []
            for r in records[: calls - written]:
                batch.append({**r, "call_id": f"{r['call_id']}-{written // len(records)}"})
            table = pa.Table.from_pylist(batch, schema=schema)
            schema = table.schema
            if with_writer is None:
                with_writer = pq.ParquetWriter(target, schema)
            with_writer.write_table(table, row_group_size=group)
            written += len(batch)
    finally:
        if with_writer is not None:
            with_writer.close()
    return written


def timed(args: list[str]) -> tuple[float, float]:
    """The command's wall time, and the CPU time (user + system) of it and its processes: on a
    machine shared with other jobs the wall time follows their load, the CPU time much less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([*QA, *args], cwd=ROOT, capture_output=True, text=True)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 2):
        sys.exit(f"audit failed ({done.returncode}): {' '.join(args)}\n{done.stderr[-2000:]}")
    return took, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def peak_rss_mb(args: list[str]) -> float:
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *QA, *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode not in (0, 2):
        sys.exit(f"audit failed ({done.returncode}): {' '.join(args)}\n{done.stderr[-2000:]}")
    return int(done.stderr.strip().splitlines()[-1]) / 1024


def same_reports(a: Path, b: Path) -> bool:
    files = lambda d: {p.relative_to(d): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}  # noqa: E731
    return files(a) == files(b)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--memory-calls", type=int, default=100_000, help="0: no memory figures")
    ap.add_argument("--rounds", type=int, default=2, help="best of this many runs of each timing")
    args = ap.parse_args()
    if not CORPUS.is_file():
        sys.exit(f"no corpus at {CORPUS}")
    with tempfile.TemporaryDirectory(prefix="qa-dask-") as folder:
        tmp = Path(folder)
        data = tmp / "corpus"
        data.mkdir()
        n = len([line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]) * args.copies
        write_parquet(data / "corpus.parquet", n)
        print(
            f"## Real corpus × {args.copies} as Parquet: {n:,} calls (best of {args.rounds}; "
            f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
        out = lambda name: ["--out", str(tmp / name)]  # noqa: E731
        runs = {  # taken in turn, round after round: this machine's speed drifts from one minute to the next
            "local1": [str(data), "--engine", "local", "--jobs", "1", *out("local1")],
            "local2": [str(data), "--engine", "local", "--jobs", "2", *out("local2")],
            "dask2": [str(data), "--engine", "dask", "--jobs", "2", *out("dask2")],
        }
        walls: dict[str, list[float]] = {name: [] for name in runs}
        cpus: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.rounds):
            for name, argv in runs.items():
                wall, cpu = timed(argv)
                walls[name].append(wall)
                cpus[name].append(cpu)
        local1, local2, dask2 = (min(walls[name]) for name in ("local1", "local2", "dask2"))
        same = same_reports(tmp / "local1", tmp / "dask2") and same_reports(tmp / "local1", tmp / "local2")
        for name, label in (("local1", "local --jobs 1"), ("local2", "local --jobs 2"), ("dask2", "dask  --jobs 2")):
            best = min(walls[name])
            print(
                f"--engine {label}:  {best:6.2f} s  {n / best:7,.0f} calls/s   (runs: "
                f"{', '.join(f'{w:.2f}' for w in walls[name])} s; CPU {min(cpus[name]):.1f} s)"
            )
        print("(dask: a LocalCluster of 2 workers, its start-up and stop included)")
        print(f"dask (2 workers) / local --jobs 1: {local1 / dask2:.2f}x   (target >= 1.3x)")
        # Each round runs the three in turn: a ratio within a round shares that minute's speed.
        within = sorted(a / b for a, b in zip(walls["local1"], walls["dask2"]))
        print(
            f"  the same ratio within each round: median {statistics.median(within):.2f}x "
            f"({', '.join(f'{r:.2f}' for r in within)})"
        )
        print(f"local --jobs 2 / local --jobs 1: {local1 / local2:.2f}x")
        print(f"dask overhead against --jobs 2: {dask2 - local2:+.2f} s ({dask2 / local2 - 1:+.0%})")
        print(f"reports byte-identical across the three: {same}")
        if not args.memory_calls:
            return

        print("\n## Client peak memory, --engine dask on a running cluster of 2 workers (--scheduler)")
        from distributed import LocalCluster

        small, big = tmp / "small", tmp / "big"
        small.mkdir()
        big.mkdir()
        write_parquet(small / "calls.parquet", 1000)
        write_parquet(big / "calls.parquet", args.memory_calls)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
            where = ["--engine", "dask", "--scheduler", cluster.scheduler_address]
            rss_small = peak_rss_mb([str(small), *where, *out("m-small")])
            start = time.perf_counter()
            rss_big = peak_rss_mb([str(big), *where, *out("m-big")])
            big_took = time.perf_counter() - start
        print(f"1,000 calls: {rss_small:6.0f} MB")
        print(
            f"{args.memory_calls:,} calls: {rss_big:6.0f} MB   ({big_took:.1f} s, {args.memory_calls / big_took:,.0f} calls/s)"
        )
        print(f"ratio: {rss_big / rss_small:.2f}x for {args.memory_calls // 1000}x the calls")


if __name__ == "__main__":
    main()
