"""Speed and scale figures for the audit, measured in one run on the same calls.

    python benchmarks/run.py [--calls 10000] [--memory-calls 100000] [--quick]     # ~10 minutes
    python benchmarks/run.py --only corpus [--corpus-copies 10] [--rounds 5]     # the headline

Prints, first, the headline: the shared real corpus (1,384 short chat dialogues, ~3.2 findings a
call) × `--corpus-copies` (10 by default: 13,840 calls), audited with `--jobs 1` and every report
against the naive baseline (jieba.lcut over every turn and nothing else), their ratio by wall time
and by CPU time (the audit's process, and the workbook's own process apart); and the same audit
with the default --jobs (every core), what a user gets without the option. Real calls come first
because the synthetic ones (45 long turns, few findings) flatter the audit: the work around the
scan (a finding's objects, rule loops, rows in every report) is what real calls are made of.
Then, on synthetic calls: full-audit throughput (calls/s, MB/s of turn text) against the same
baseline; the cost of a 10,000-phrase scheme against a 50-phrase one; scheme compilation time;
--jobs 2 against --jobs 1; peak RSS for 1,000 against 100,000 calls; start-up (one call, one
script file); and the shipped scheme before and after rule language v2.

Both sides of a ratio run on the same calls in the same run, each in a fresh process with its
one-time loading done before the clock starts: jieba's dictionary for the baseline; the scheme,
the segmenter's dictionary and the normalisation tables for the audit (one warm-up call). The
start-up figures say what that loading costs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from synth import repeat_corpus, write_jsonl  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "real_cs_dialogues.jsonl"
SECTIONS = ("corpus", "throughput", "rules", "parallel", "memory", "startup", "scheme")
QA = [sys.executable, "-m", "checker"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=10_000, help="synthetic calls for throughput (45 turns each)")
    ap.add_argument("--memory-calls", type=int, default=100_000, help="calls for the memory figure")
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    ap.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated sections to run, of {','.join(SECTIONS)}"
    )
    ap.add_argument(
        "--corpus-copies",
        type=int,
        default=10,
        help="audit the real corpus this many times over (call ids made unique; default 10: 13,840 calls)",
    )
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="the real corpus (JSON Lines) to time")
    ap.add_argument(
        "--rounds", type=int, default=None, help="rounds of each best-of measurement (default 3; 5 for the headline)"
    )
    args = ap.parse_args()
    if args.quick:
        args.calls, args.memory_calls = 1000, 10_000
    args.only = {x.strip() for x in args.only.split(",") if x.strip()}
    unknown = args.only - set(SECTIONS)
    if unknown:
        ap.error(f"unknown section(s): {', '.join(sorted(unknown))}")

    with tempfile.TemporaryDirectory(prefix="qa-bench-") as folder:
        run(args, Path(folder))


def run(args, tmp: Path) -> None:
    global RUNS
    only = args.only
    if args.rounds:
        RUNS = args.rounds
    headline = args.rounds or 5
    calls_path = tmp / "calls.jsonl"
    mb = 0.0
    if only & {"throughput", "rules", "parallel"}:
        mb = write_jsonl(calls_path, args.calls, seed=7) / 1e6
        print(f"# qa-check benchmark — {args.calls} synthetic calls × 45 turns, {mb:.2f} MB of turn text")
    print(f"# python {sys.version.split()[0]}, {os.cpu_count()} cores\n")

    if "corpus" in only:
        corpus(args, tmp, headline)
    audit_s = None
    if "throughput" in only:
        # This machine's speed drifts by ±15 % from one minute to the next (other tenants): every
        # timing is the best of a few runs, the sides of a ratio taken in turn (`best_of`).
        # The headline ratio takes more rounds: the audit has been seen to run a quarter slower in a
        # minute spent alternating with the baseline than in the next one.
        naive, audit_s = best_of(
            lambda: naive_baseline(calls_path),
            lambda: time_audit([calls_path], ROOT / "qa_rules", tmp / "out1", jobs=1),
            runs=headline,
        )
        print("## Throughput, one core (shipped scheme, every report written)")
        row("naive baseline: jieba.lcut over every turn", args.calls / naive, mb / naive)
        row("qa-check audit --jobs 1", args.calls / audit_s, mb / audit_s)
        print(f"  ratio audit / naive: {naive / audit_s:.2f}×")  # two decimals: the target is 10×
        print()

    if "rules" in only:
        rule_set_size(args, tmp, calls_path, mb)
    if "parallel" in only:
        parallel(args, tmp, calls_path, mb, audit_s, headline)
    if "memory" in only:
        memory(args, tmp)
    if "startup" in only:
        startup(tmp)
    if "scheme" in only:
        # The shipped scheme before rule language v2 against today's, same code, real corpus.
        print("## Shipped scheme before and after rule language v2 (real corpus, same code)")
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "matching_v2.py"), "--runs", "3"], check=True)


def rule_set_size(args, tmp: Path, calls_path: Path, mb: float) -> None:
    print("## Rule-set size (same calls, --jobs 1, one forbidden rule)")
    words = dictionary_words(10_000)
    rare = rare_dictionary_words(10_000)
    lists = {
        "50 dictionary words": words[:50],
        "10,000 dictionary words": words,
        "10,000 rare dictionary words": rare,
    }
    paths, compiles = {}, {}
    for i, (label, phrases) in enumerate(lists.items()):
        paths[label] = tmp / f"s{i}.yaml"
        write_scheme(paths[label], phrases)
        compiles[label] = time_compile(paths[label])
    runs = best_of(
        *(
            lambda p=p, i=i: time_audit([calls_path], p, tmp / f"o{i}", jobs=1, count=True)
            for i, p in enumerate(paths.values())
        )
    )
    timings = {}
    for label, (seconds, findings) in zip(lists, runs):
        timings[label] = seconds
        row(f"{label} ({findings:,} findings)", args.calls / seconds, mb / seconds)
        print(f"    compile: {compiles[label] * 1000:.0f} ms")
    base = timings["50 dictionary words"]
    print(
        f"  cost 10,000 / 50 phrases: {timings['10,000 dictionary words'] / base:.2f}× "
        f"(rare words: {timings['10,000 rare dictionary words'] / base:.2f}×)\n"
    )


def parallel(args, tmp: Path, calls_path: Path, mb: float, audit_s: float | None, headline: int) -> None:
    print("## Parallel (same calls)")
    # Five rounds as well: --jobs 2 needs both cores, and now and then this machine lends one out.
    audit_s2, j2 = best_of(
        lambda: time_audit([calls_path], ROOT / "qa_rules", tmp / "out1", jobs=1),
        lambda: time_audit([calls_path], ROOT / "qa_rules", tmp / "out2", jobs=2),
        runs=headline,
    )
    audit_s = min(audit_s, audit_s2) if audit_s else audit_s2
    row("qa-check audit --jobs 2", args.calls / j2, mb / j2)
    print(f"  speed-up --jobs 2 / --jobs 1: {audit_s / j2:.2f}×")
    names = ("findings.jsonl", "findings.csv", "calls.csv", "agents.csv", "errors.csv", "report.xlsx", "index.html")
    same = all((tmp / "out1" / n).read_bytes() == (tmp / "out2" / n).read_bytes() for n in names)
    print(f"  every report byte-identical to --jobs 1: {same}")
    # The summary reports are built once, at the end, in one process: their fixed share of a
    # batch shrinks as it grows, and the speed-up with it grows.
    big = tmp / "big.jsonl"
    write_jsonl(big, args.calls * 3, seed=13)
    nb, b1, b2 = best_of(
        lambda: naive_baseline(big),
        lambda: time_audit([big], ROOT / "qa_rules", tmp / "b1", jobs=1),
        lambda: time_audit([big], ROOT / "qa_rules", tmp / "b2", jobs=2),
        runs=2,
    )
    print(
        f"  on {args.calls * 3:,} calls: --jobs 1 {args.calls * 3 / b1:.0f} calls/s, --jobs 2 "
        f"{args.calls * 3 / b2:.0f} calls/s, speed-up {b1 / b2:.2f}×; naive baseline "
        f"{args.calls * 3 / nb:.0f} calls/s, --jobs 1 / naive {nb / b1:.2f}× (the end-of-run reports' "
        "fixed cost spread over more calls)\n"
    )


def memory(args, tmp: Path) -> None:
    print("## Memory (peak RSS of the audit process, --jobs 1)")
    small_calls, big_calls = tmp / "m1k.jsonl", tmp / "mbig.jsonl"
    write_jsonl(small_calls, 1000, seed=11)
    write_jsonl(big_calls, args.memory_calls, seed=11)
    rss_small = peak_rss([small_calls], tmp / "m1")
    rss_big = peak_rss([big_calls], tmp / "m2")
    print(
        f"  1,000 calls: {rss_small:.0f} MB; {args.memory_calls:,} calls: {rss_big:.0f} MB; "
        f"ratio {rss_big / rss_small:.2f}\n"
    )


def startup(tmp: Path) -> None:
    print("## Start-up (wall time of a fresh process, median of 5)")
    one = tmp / "one.jsonl"
    write_jsonl(one, 1, seed=3)
    audit_one = median_wall([*QA, "audit", str(one), "--out", str(tmp / "o-one"), "--jobs", "1"])
    lint_one = median_wall([*QA, "lint", str(ROOT / "examples" / "script-library" / "bad-refund-draft.md")])
    print(f"  qa-check audit, one call, every report: {audit_one:.2f} s")
    print(f"  qa-check lint, one script file: {lint_one:.2f} s (pre-commit hook; target < 1 s)\n")


def corpus(args, tmp: Path, rounds: int) -> None:
    """The headline: the shared real corpus (short chat dialogues), `--corpus-copies` times over."""
    if not args.corpus.is_file():
        print("## Real corpus: not present, skipped")
        return
    copies = max(1, args.corpus_copies)
    path = args.corpus
    if copies > 1:
        path = tmp / "corpus.jsonl"
        repeat_corpus(args.corpus, path, copies)
    n = sum(1 for _ in path.open(encoding="utf-8"))
    size = sum(len(t["text"].encode()) for line in path.open(encoding="utf-8") for t in json.loads(line)["turns"]) / 1e6
    print(f"## Headline: real corpus ({args.corpus.name}{f' × {copies}' if copies > 1 else ''}: {n:,} calls)")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    naives, naive_cpus, walls, cpus, kids, defaults = [], [], [], [], [], []
    for _ in range(rounds):  # in turn, as `best_of`
        naive_wall, naive_cpu = naive_baseline(path, cpu=True)
        naives.append(naive_wall)
        naive_cpus.append(naive_cpu)
        wall, cpu_s, children_s = time_audit([path], ROOT / "qa_rules", tmp / "oc", jobs=1, cpu=True)
        walls.append(wall)
        cpus.append(cpu_s)
        kids.append(children_s)
        if cores > 1:  # what a user gets without --jobs: every core
            defaults.append(time_audit([path], ROOT / "qa_rules", tmp / "od", jobs=cores))
    naive_c, audit_c = min(naives), min(walls)
    row("naive baseline", n / naive_c, size / naive_c)
    row("qa-check audit --jobs 1", n / audit_c, size / audit_c)
    if defaults:
        row(f"qa-check audit (default: --jobs {cores})", n / min(defaults), size / min(defaults))
    print(
        f"  audit: {audit_c:.2f} s wall, {min(cpus):.2f} s CPU in the audit's process and {min(kids):.2f} s in the "
        f"workbook's (best of {rounds}; every run, wall/CPU/workbook CPU: "
        f"{', '.join(f'{w:.2f}/{c:.2f}/{k:.2f}' for w, c, k in zip(walls, cpus, kids))})"
    )
    naive_cpu = min(naive_cpus)
    print(
        f"  ratio audit / naive: {naive_c / audit_c:.2f}× by wall time; by CPU time (baseline {naive_cpu:.2f} s) "
        f"{naive_cpu / min(cpus):.2f}× against the audit's process, {naive_cpu / (min(cpus) + min(kids)):.2f}× "
        "against both (wall time is the figure users see; CPU time the one a loaded machine disturbs least)"
    )
    if defaults:
        print(
            f"  default --jobs {cores}: {min(defaults):.2f} s wall, {naive_c / min(defaults):.2f}× the baseline "
            f"(every run: {', '.join(f'{w:.2f}' for w in defaults)})"
        )
    # Each round runs the sides in turn: a ratio within a round shares that minute's speed.
    within = sorted(b / a for a, b in zip(walls, naives))
    line = f"  the ratios within each round: --jobs 1 median {statistics.median(within):.2f}× ({', '.join(f'{r:.2f}' for r in within)})"
    if defaults:
        by_default = sorted(b / a for a, b in zip(defaults, naives))
        line += f"; default --jobs {cores} median {statistics.median(by_default):.2f}× ({', '.join(f'{r:.2f}' for r in by_default)})"
    print(line)


RUNS = 3


def best_of(*measures, runs: int | None = None) -> list[Any]:
    """The fastest of `runs` measurements (seconds) of each of `measures`, the least disturbed by
    the machine; the measures taken in turn round after round, so that a slow minute weighs on
    every side of a ratio rather than on one."""
    runs = runs or RUNS
    times: list[list[Any]] = [[] for _ in measures]  # seconds, or (seconds, findings) for a counted audit
    for _ in range(runs):
        for measure, seen in zip(measures, times):
            seen.append(measure())
    return [min(seen) for seen in times]


def row(label: str, calls_s: float, mb_s: float) -> None:
    print(f"  {label:<45} {calls_s:>9.0f} calls/s  {mb_s:>7.2f} MB/s")


def naive_baseline(path: Path, cpu: bool = False):
    """Seconds for jieba.lcut over every turn of the file (dictionary loaded beforehand); with
    `cpu`, (wall, CPU) seconds."""
    code = (
        "import json, sys, time, jieba\n"
        "jieba.setLogLevel(60); jieba.initialize()\n"
        "t, c = time.perf_counter(), time.process_time()\n"
        f"for line in open({str(path)!r}, encoding='utf-8'):\n"
        "    for turn in json.loads(line)['turns']:\n"
        "        jieba.lcut(turn['text'])\n"
        "print(time.perf_counter() - t, time.process_time() - c)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    wall, cpu_s = map(float, out.split())
    return (wall, cpu_s) if cpu else wall


def time_audit(paths: list[Path], rules: Path, out: Path, jobs: int, count: bool = False, cpu: bool = False):
    """Seconds for the whole audit (read, evaluate, score, write every report), in a fresh
    process after its one-time loading (scheme, dictionaries, tables: one warm-up call, as the
    baseline loads jieba's dictionary first). With `count`, also the number of findings; with
    `cpu`, also the CPU seconds of the auditing process and of its children (with --jobs 1, the
    workbook's process: figures less disturbed than wall time when other processes share the
    cores)."""
    code = (
        "import io, resource, sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from pathlib import Path\n"
        "from checker.audit import _preload, run_audit\n"
        "from checker.scheme import load_scheme\n"
        f"scheme = load_scheme(Path({str(rules)!r}))\n"
        "_preload(scheme, None)\n"
        "kids = lambda: (lambda r: r.ru_utime + r.ru_stime)(resource.getrusage(resource.RUSAGE_CHILDREN))\n"
        "t, c, k = time.perf_counter(), time.process_time(), kids()\n"
        f"s = run_audit([Path(p) for p in {[str(p) for p in paths]!r}], Path({str(rules)!r}), Path({str(out)!r}),"
        f" jobs={jobs}, scheme=scheme, log=io.StringIO())\n"
        "print(time.perf_counter() - t, s.findings, time.process_time() - c, kids() - k)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if res.returncode != 0:
        raise SystemExit(res.stderr)
    seconds, findings, cpu_s, children_s = res.stdout.strip().splitlines()[-1].split()
    if cpu:
        return float(seconds), float(cpu_s), float(children_s)
    return (float(seconds), int(findings)) if count else float(seconds)


def median_wall(cmd: list[str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, cwd=ROOT, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_compile(rules: Path) -> float:
    code = (
        "import sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from checker.scheme import load_scheme\n"
        "from checker.normalise import normalise\n"
        "normalise('预热')\n"  # the character tables are built once per process, not per scheme
        f"t = time.perf_counter(); load_scheme({str(rules)!r}); print(time.perf_counter() - t)\n"
    )
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def peak_rss(paths: list[Path], out: Path) -> float:
    """Peak RSS in MB of a `qa-check audit --jobs 1` process."""
    code = (
        "import resource, subprocess, sys\n"
        f"subprocess.run({QA + ['audit', *map(str, paths), '--jobs', '1', '--out', str(out)]!r},"
        " stderr=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return int(res.stdout) / 1024


def _dictionary() -> list[tuple[str, int]]:
    """jieba's dictionary: 2–4 character Han words with their frequencies."""
    import jieba

    dict_path = Path(jieba.__file__).parent / "dict.txt"
    out = []
    with dict_path.open(encoding="utf-8") as fh:
        for line in fh:
            word, freq = line.split()[:2]
            if 2 <= len(word) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in word):
                out.append((word, int(freq)))
    return out


def dictionary_words(n: int) -> list[str]:
    """`n` distinct 2–4 character words drawn (seeded) from jieba's dictionary, common ones
    among them (问题, 时间…): a worst case, since every one of them found is a finding."""
    rng = random.Random(3)
    return rng.sample([w for w, _ in _dictionary()], n)


def rare_dictionary_words(n: int) -> list[str]:
    """`n` distinct dictionary words of low frequency (below 20 in jieba's counts), as a big
    list of forbidden or sensitive terms is: long, and rarely said in a clean call."""
    rng = random.Random(5)
    return rng.sample([w for w, f in _dictionary() if f < 20], n)


def write_scheme(path: Path, phrases: list[str]) -> None:
    rules = [
        {
            "id": "phrases",
            "kind": "forbidden",
            "section": "词表",
            "message": "命中词表",
            "deduct": 1,
            "per": "occurrence",
            "phrases": phrases,
        }
    ]
    path.write_text(json.dumps({"scheme": path.stem, "rules": rules}, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
