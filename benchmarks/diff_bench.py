"""`qa-check diff` against one audit of the same calls (target: diff ≤ 1.3× the audit).

    python benchmarks/diff_bench.py [--calls 10000] [--runs 3]

The change diffed is a realistic one: the shipped scheme with its pass line raised, 拜拜 taken
as a goodbye (what `transcripts/labels.csv` taught) and one forbidden phrase added. Every side runs in a fresh process with
its one-time loading (schemes, dictionaries, tables; one warm-up call) done before the clock
starts, as `benchmarks/run.py` times the audit; each figure is the best of `--runs` rounds, the
sides taken in turn.

Prints, on the same synthetic calls:
- `qa-check audit --jobs 1` (read, evaluate, score, every report written) and `--jobs 2`;
- `qa-check diff` as the command runs it: calls read, normalised and scanned once, both schemes
  evaluated from that scan, the markdown rendered;
- for scale, the naive diff (two in-memory audits, each reading and scanning the calls) and one
  in-memory audit with no reports (what the diff does once per scheme);
and the ratios, with a check that the shared scan gives every call the same scores and findings
as the two separate audits.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from synth import write_jsonl  # noqa: E402

TARGET = 1.3


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="qa-diff-bench-") as folder:
        run(args, Path(folder))


def changed_scheme(tmp: Path) -> Path:
    """The shipped scheme with a typical pull request applied to it."""
    target = tmp / "rules"
    shutil.copytree(ROOT / "qa_rules", target)
    path = target / "hotline-standard.yaml"
    text = path.read_text(encoding="utf-8")
    edits = [
        ("  pass: 85", "  pass: 90"),
        ("祝您生活愉快, 再见]", "祝您生活愉快, 再见, 拜拜]"),
        (
            "      - {phrase: 自己去查, suggest: 我帮您查询一下}",
            "      - {phrase: 自己去查, suggest: 我帮您查询一下}\n      - {phrase: 你找别人吧, suggest: 我帮您转给负责的同事}",
        ),
    ]
    for old, new in edits:
        if old not in text:
            raise SystemExit(f"the shipped scheme changed: {old!r} not found; update benchmarks/diff_bench.py")
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return target


PRELUDE = f"import io, sys, time\nsys.path.insert(0, {str(ROOT)!r})\nfrom pathlib import Path\n"


def in_process(code: str) -> str:
    res = subprocess.run([sys.executable, "-c", PRELUDE + code], capture_output=True, text=True, cwd=ROOT)
    if res.returncode != 0:
        raise SystemExit(res.stderr)
    return res.stdout.strip().splitlines()[-1]


def time_audit(calls: Path, out: Path, jobs: int) -> tuple[float, float]:
    return _times(
        in_process(
            "from checker.audit import _preload, run_audit\n"
            "from checker.scheme import load_scheme\n"
            "scheme = load_scheme(Path('qa_rules'))\n"
            "_preload(scheme, None)\n"
            "t, u = time.perf_counter(), time.process_time()\n"
            f"run_audit([Path({str(calls)!r})], Path('qa_rules'), Path({str(out)!r}), jobs={jobs}, scheme=scheme,"
            " log=io.StringIO())\n"
            "print(time.perf_counter() - t, time.process_time() - u)\n"
        )
    )


def _times(line: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the timed process), the rest of the line dropped."""
    wall, cpu = line.split()[:2]
    return float(wall), float(cpu)


WARM = "from checker.audit import _preload\n_preload(old, None); _preload(new, None)\n"


def time_diff(calls: Path, new_rules: Path) -> tuple[float, float, str]:
    line = in_process(
        "from checker.diff import load_pair, diff_paths, render_markdown\n"
        f"old, new = load_pair(Path('qa_rules'), Path({str(new_rules)!r}))\n"
        + WARM
        + "t, u = time.perf_counter(), time.process_time()\n"
        f"d = diff_paths([Path({str(calls)!r})], old, new)\n"
        "render_markdown(d)\n"
        "print(time.perf_counter() - t, time.process_time() - u, len(d.changes), len(d.passed_flips), sum(r.added + r.removed for r in d.rules.values()))\n"
    )
    wall, cpu, *rest = line.split()
    return float(wall), float(cpu), " ".join(rest)


def time_naive_diff(calls: Path, new_rules: Path) -> tuple[float, float]:
    """Two separate audits in memory (each reading, normalising and scanning the calls), compared."""
    line = in_process(
        "from checker.audit import _preload, audit_stream\n"
        "from checker.scheme import load_scheme\n"
        "from checker.model import InputError\n"
        f"old, new = load_scheme(Path('qa_rules')), load_scheme(Path({str(new_rules)!r}))\n"
        + WARM
        + "t, u = time.perf_counter(), time.process_time()\n"
        "def results(scheme, path):\n"
        "    return [(r.call.call_id, r.score, r.passed, tuple((f.rule_id, f.turn, f.span, f.matched) for f in r.findings))\n"
        "            for r in audit_stream([Path(path)], scheme, Path(path)) if not isinstance(r, InputError)]\n"
        f"a, b = results(old, {str(calls)!r}), results(new, {str(calls)!r})\n"
        "changed = sum(1 for x, y in zip(a, b) if x[1:3] != y[1:3])\n"
        "print(time.perf_counter() - t, time.process_time() - u, changed)\n"
    )
    return _times(line)


def time_bare_audit(calls: Path) -> tuple[float, float]:
    """Read and audit in memory, no reports: the work the diff does once per scheme."""
    return _times(
        in_process(
            "from checker.audit import _preload, audit_stream\n"
            "from checker.scheme import load_scheme\n"
            "scheme = load_scheme(Path('qa_rules'))\n"
            "_preload(scheme, None)\n"
            "t, u = time.perf_counter(), time.process_time()\n"
            f"n = sum(1 for _ in audit_stream([Path({str(calls)!r})], scheme, Path('qa_rules')))\n"
            "print(time.perf_counter() - t, time.process_time() - u)\n"
        )
    )


def same_results(calls: Path, new_rules: Path) -> bool:
    """Every call's scores and findings from the shared scan equal those of two separate audits."""
    return (
        in_process(
            "from checker.diff import load_pair, diff_paths\n"
            "from checker.audit import audit_stream\n"
            "from checker.scheme import load_scheme\n"
            f"old, new = load_pair(Path('qa_rules'), Path({str(new_rules)!r}))\n"
            f"d = diff_paths([Path({str(calls)!r})], old, new)\n"
            "from collections import Counter\n"
            "def run(path):\n"
            "    return {r.call.call_id: r for r in audit_stream([Path("
            + repr(str(calls))
            + ")], load_scheme(path), path)}\n"
            f"a, b = run(Path('qa_rules')), run(Path({str(new_rules)!r}))\n"
            "changes = [(c.call_id, c.old_score, c.new_score, c.old_passed, c.new_passed) for c in d.changes]\n"
            "expect = [(k, a[k].score, b[k].score, a[k].passed, b[k].passed) for k in a\n"
            "          if (a[k].score, a[k].passed, a[k].fatal) != (b[k].score, b[k].passed, b[k].fatal)]\n"
            "key = lambda f: (f.rule_id, f.turn, f.span, f.matched)\n"
            "added = sum(sum((Counter(map(key, b[k].findings)) - Counter(map(key, a[k].findings))).values()) for k in a)\n"
            "removed = sum(sum((Counter(map(key, a[k].findings)) - Counter(map(key, b[k].findings))).values()) for k in a)\n"
            "print(changes == expect and added == sum(r.added for r in d.rules.values())\n"
            "      and removed == sum(r.removed for r in d.rules.values()) and d.calls == len(a))\n"
        )
        == "True"
    )


def best_of(*measures, runs: int):
    """Each measure's fastest run by wall time and, separately, by CPU time (the least disturbed
    by other processes on the machine), the measures taken in turn round after round."""
    seen: list[list[tuple]] = [[] for _ in measures]
    for _ in range(runs):
        for measure, times in zip(measures, seen):
            times.append(measure())
    return [(min(t[0] for t in times), min(t[1] for t in times), times[0][2:]) for times in seen]


def run(args, tmp: Path) -> None:
    calls = tmp / "calls.jsonl"
    write_jsonl(calls, args.calls, seed=7)
    new_rules = changed_scheme(tmp)
    n = args.calls
    print(
        f"# qa-check diff — {n:,} synthetic calls × 45 turns; the shipped scheme against a change of it "
        f"(pass line 85 → 90, 拜拜 into closing_thanks, one forbidden phrase added); best of {args.runs}\n"
    )
    audit1, audit2, diff, naive, bare = best_of(
        lambda: time_audit(calls, tmp / "a1", 1),
        lambda: time_audit(calls, tmp / "a2", 2),
        lambda: time_diff(calls, new_rules),
        lambda: time_naive_diff(calls, new_rules),
        lambda: time_bare_audit(calls),
        runs=args.runs,
    )
    changed, flips, moved = diff[2][0].split()
    print("  wall s = elapsed; CPU s = the timed process's own CPU time (the workers' not counted for --jobs 2)")
    for label, (wall, cpu, _) in (
        ("qa-check audit --jobs 1 (every report)", audit1),
        ("qa-check audit --jobs 2 (every report)", audit2),
        ("qa-check diff (one process)", diff),
        ("naive diff: two in-memory audits", naive),
        ("one in-memory audit, no reports", bare),
    ):
        print(f"  {label:<42} {wall:7.2f} s wall {cpu:7.2f} s CPU  {n / wall:6.0f} calls/s")
    print(f"  the diff: {changed} calls changed, {flips} flip passed, {moved} findings added or removed\n")
    wall_ratio, cpu_ratio = diff[0] / audit1[0], diff[1] / audit1[1]
    verdict = "met" if max(wall_ratio, cpu_ratio) <= TARGET else "NOT met"
    print(f"  diff / audit --jobs 1: {wall_ratio:.2f}× wall, {cpu_ratio:.2f}× CPU  (target ≤ {TARGET}×: {verdict})")
    print(f"  diff / audit --jobs 2: {diff[0] / audit2[0]:.2f}× wall")
    print(
        f"  diff / naive diff: {diff[0] / naive[0]:.2f}× wall, {diff[1] / naive[1]:.2f}× CPU  "
        "(what reading, scanning and the unchanged rules done once save)"
    )
    print(f"  diff / one in-memory audit: {diff[0] / bare[0]:.2f}× wall, {diff[1] / bare[1]:.2f}× CPU")
    print(f"  shared scan gives the same results as two separate audits: {same_results(calls, new_rules)}")


if __name__ == "__main__":
    main()
