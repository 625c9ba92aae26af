"""What a scheme costs on the real corpus: the audit of ../shared/corpus (1,384 chat dialogues,
--jobs 1, every report) timed with the shipped scheme of this tree and, with `--before DIR`,
with the code and scheme of another tree (e.g. `git archive <rev> | tar -x -C DIR`), the two
alternated `--runs` times; prints the best and median CPU seconds, findings and the ratios.

    python benchmarks/corpus_scheme.py --before /tmp/qa-before
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "real_cs_dialogues.jsonl"


def time_tree(root: Path, out: Path, corpus: Path = CORPUS) -> tuple[float, int]:
    """CPU seconds of the audit (this process's: `--jobs 1` runs in it) with `root`'s code and
    `root/qa_rules`, after loading, and findings. CPU time, not wall time: on a machine shared
    with other work, wall time measures the neighbours."""
    code = (
        "import io, sys, time\n"
        f"sys.path.insert(0, {str(root)!r})\n"
        "from pathlib import Path\n"
        "from checker.audit import _preload, run_audit\n"
        "from checker.scheme import load_scheme\n"
        f"rules = Path({str(root / 'qa_rules')!r})\n"
        "scheme = load_scheme(rules)\n"
        "_preload(scheme, None)\n"
        "t = time.process_time()\n"
        f"s = run_audit([Path({str(corpus)!r})], rules, Path({str(out)!r}), jobs=1, scheme=scheme, log=io.StringIO())\n"
        "print(time.process_time() - t, s.findings)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    if res.returncode != 0:
        raise SystemExit(res.stderr)
    seconds, findings = res.stdout.strip().splitlines()[-1].split()
    return float(seconds), int(findings)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", type=Path, help="another tree (code + qa_rules) to compare with")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="the corpus file (default: ../shared/corpus)")
    args = ap.parse_args()
    if not args.corpus.is_file():
        print("real corpus not present: nothing to measure")
        return
    trees = [("this tree", ROOT)] + ([(f"before ({args.before})", args.before.resolve())] if args.before else [])
    times: dict[str, list[float]] = {name: [] for name, _ in trees}
    found: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        # Alternated, run by run, so that a busy moment of the machine falls on both trees alike.
        for i in range(args.runs):
            for name, root in trees:
                seconds, found[name] = time_tree(root, tmp / f"out{i}-{len(times[name])}-{name[:4]}", args.corpus)
                times[name].append(seconds)
    for name, _ in trees:
        ts = sorted(times[name])
        print(f"{name}: best {ts[0]:.3f} s, median {ts[len(ts) // 2]:.3f} s, {found[name]} findings")
    if args.before:
        this, before = sorted(times["this tree"]), sorted(times[trees[1][0]])
        print(
            f"ratio this / before: best {this[0] / before[0]:.3f}, median {this[len(this) // 2] / before[len(before) // 2]:.3f}"
        )


if __name__ == "__main__":
    main()
