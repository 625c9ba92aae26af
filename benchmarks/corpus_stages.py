"""Where a real call's time goes: the shared real corpus, stage by stage, in this one process.

    python benchmarks/corpus_stages.py [--copies 10] [--rounds 3]

Prints the CPU time of each stage of `--jobs 1` on the corpus × `--copies` (call ids made
unique), the best of `--rounds`, in total and per call: reading (parse and build the calls),
auditing (normalise, scan, every rule, score: `engine.audit_calls` in batches of the audit's
CHUNK), rendering (every writer's rows: `report.base.render_run` in runs of RUN), then the time
of each rule of the shipped scheme (evaluations, findings). The workbook's own process and the
end-of-run summaries are not in it (`benchmarks/run.py --only corpus` times the whole run).

Needs the real corpus (../shared/corpus).
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from checker.audit import CHUNK, _preload  # noqa: E402
from checker.engine import audit_calls  # noqa: E402
from checker.model import Call  # noqa: E402
from checker.read import read_paths  # noqa: E402
from checker.report.base import RUN, ReportOptions, render_run  # noqa: E402
from checker.scheme import load_scheme  # noqa: E402
from synth import repeat_corpus  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "real_cs_dialogues.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if not CORPUS.is_file():
        sys.exit(f"{CORPUS}: not present")
    with tempfile.TemporaryDirectory(prefix="qa-stages-") as tmp:
        path = Path(tmp) / "corpus.jsonl"
        repeat_corpus(CORPUS, path, args.copies)
        stages(path, args.rounds, args.copies)


def best(fn, rounds: int):
    """(the least CPU seconds of `rounds` runs of `fn`, its last result)."""
    least, out = float("inf"), None
    for _ in range(rounds):
        start = time.process_time()
        out = fn()
        least = min(least, time.process_time() - start)
    return least, out


def stages(path: Path, rounds: int, copies: int) -> None:
    scheme = load_scheme(ROOT / "qa_rules")
    _preload(scheme, None)
    read_s, items = best(lambda: list(read_paths([path], scheme.roles)), rounds)
    calls = [c for c in items if isinstance(c, Call)]
    n = len(calls)

    def audit():
        return [r for k in range(0, n, CHUNK) for r in audit_calls(calls[k : k + CHUNK], scheme)]

    audit_s, results = best(audit, rounds)
    options = ReportOptions()

    def render():
        memo: dict = {}
        return [render_run(results[k : k + RUN], scheme, options, memo) for k in range(0, n, RUN)]

    render_s, _ = best(render, rounds)
    findings = sum(len(r.findings) for r in results)
    print(f"# real corpus × {copies}: {n:,} calls, {findings:,} findings (CPU time, best of {rounds})")
    print(f"{'stage':<10} {'CPU s':>7} {'µs/call':>8}")
    for name, s in (("read", read_s), ("audit", audit_s), ("render", render_s)):
        print(f"{name:<10} {s:7.2f} {s / n * 1e6:8.0f}")
    total = read_s + audit_s + render_s
    print(f"{'total':<10} {total:7.2f} {total / n * 1e6:8.0f}")
    per_rule(scheme, calls)


def per_rule(scheme, calls: list[Call]) -> None:
    spent: collections.Counter[str] = collections.Counter()
    runs: collections.Counter[str] = collections.Counter()
    found: collections.Counter[str] = collections.Counter()
    for step in scheme.plan().steps:
        rule = step.rule
        inner = rule.findings

        def timed(ctx, inner=inner, rid=rule.id):
            start = time.perf_counter()
            out = inner(ctx)
            spent[rid] += time.perf_counter() - start
            runs[rid] += 1
            found[rid] += len(out)
            return out

        rule.findings = timed  # this process only: the scheme is thrown away after
    for k in range(0, len(calls), CHUNK):
        audit_calls(calls[k : k + CHUNK], scheme)
    print(f"\n{'rule':<28} {'s':>6} {'µs/call':>8} {'evaluated':>9} {'findings':>8}")
    for rid, s in spent.most_common():
        print(f"{rid:<28} {s:6.3f} {s / len(calls) * 1e6:8.0f} {runs[rid]:9,} {found[rid]:8,}")
    print(f"{'all rules':<28} {sum(spent.values()):6.3f}")


if __name__ == "__main__":
    main()
