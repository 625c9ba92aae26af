"""What the v2 matching keys of the shipped scheme cost on the real corpus: the audit with the
shipped scheme as it was at a base revision (phrases only) against the scheme as it is now
(`tolerance: homophone`, `similar`, `entities`), same code, same calls, in one process each.

    python benchmarks/matching_v2.py [--base REV] [--runs 5]    # ~1 minute

Prints the best CPU and wall seconds of each side over `--runs` alternating runs (this machine's
speed drifts from one minute to the next: the sides are taken in turn and the best counts), the
ratio, and the findings of each. The one-time loading (scheme, dictionaries, pypinyin) happens
before the clock starts, as in `run.py`. Skipped when the shared corpus is absent. Never a test
assertion: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus" / "real_cs_dialogues.jsonl"
V1_SCHEME = "a9338e6"  # the shipped scheme before rule language v2 (similar, homophone, entities, composite)
SCHEME = "qa_rules/hotline-standard.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--base",
        default=V1_SCHEME,
        help=f"git revision whose shipped scheme is the 'before' side (default: {V1_SCHEME}, the last "
        "phrases-only scheme)",
    )
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    if not CORPUS.is_file():
        print("real corpus not present: skipped")
        return
    from checker.audit import _preload, run_audit
    from checker.scheme import load_scheme

    with tempfile.TemporaryDirectory(prefix="qa-v2-") as tmp:
        before = Path(tmp) / "before"
        before.mkdir()
        text = subprocess.run(
            ["git", "show", f"{args.base}:{SCHEME}"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        (before / "hotline-standard.yaml").write_text(text, encoding="utf-8")
        sides = {"before": before, "after": ROOT / "qa_rules"}
        schemes = {name: load_scheme(path) for name, path in sides.items()}
        for scheme in schemes.values():
            _preload(scheme, None)
        cpu: dict[str, list[float]] = {n: [] for n in sides}
        wall: dict[str, list[float]] = {n: [] for n in sides}
        found: dict[str, int] = {}
        for _ in range(args.runs):
            for name, path in sides.items():
                c, w = time.process_time(), time.perf_counter()
                summary = run_audit(
                    [CORPUS], path, Path(tmp) / f"out-{name}", jobs=1, scheme=schemes[name], log=io.StringIO()
                )
                cpu[name].append(time.process_time() - c)
                wall[name].append(time.perf_counter() - w)
                found[name] = summary.findings
    print(
        f"# shipped scheme at {args.base} (before) against the working tree (after), real corpus, {args.runs} runs each"
    )
    for name in sides:
        print(f"{name:>6}: best CPU {min(cpu[name]):.3f} s, best wall {min(wall[name]):.3f} s, {found[name]} findings")
    print(
        f"after/before: CPU {min(cpu['after']) / min(cpu['before']):.2f}x, wall {min(wall['after']) / min(wall['before']):.2f}x"
    )


if __name__ == "__main__":
    main()
