"""Wall time of `qa-check lint` on one script file: what a pre-commit hook costs per commit.

Runs the installed `qa-check` (a fresh process each time, as the hook does) N times on one file
with the shipped scheme and prints the median; the target is under 1 s. Also lists the heavy
modules the lint path imported (pandas, spaCy, jieba, numpy must stay off it).

Usage::

    python benchmarks/lint_startup.py                       # 10 runs on the demo's bad draft
    python benchmarks/lint_startup.py --runs 20 FILE        # another file

Never a test assertion: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "examples" / "script-library" / "bad-refund-draft.md"
HEAVY = ("pandas", "spacy", "jieba", "numpy", "rich", "openpyxl", "jinja2")

_PROBE = """
import sys
from checker.cli import main
try:
    main(["lint", "--rules", sys.argv[1], sys.argv[2]])
except SystemExit:
    pass
import json
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.argv[3])))
print(json.dumps(heavy), file=sys.stderr)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rules", type=Path, default=ROOT / "qa_rules")
    args = parser.parse_args()

    exe = Path(sys.executable).with_name("qa-check")
    cmd = [str(exe) if exe.exists() else sys.executable, *([] if exe.exists() else ["-m", "checker"])]
    cmd += ["lint", "--rules", str(args.rules), str(args.file)]
    subprocess.run(cmd, capture_output=True, check=False)  # warm the OS file cache once
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    if proc.returncode not in (0, 1):
        sys.exit(f"qa-check lint failed (exit {proc.returncode}):\n{proc.stderr.decode()}")

    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, str(args.rules), str(args.file), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        check=False,
    )
    heavy = json.loads(probe.stderr.strip().splitlines()[-1]) if probe.stderr.strip() else []
    print(
        f"qa-check lint {args.file.name}: median {statistics.median(times):.3f} s over {args.runs} runs "
        f"(min {min(times):.3f}, max {max(times):.3f}); target < 1 s"
    )
    print(f"heavy modules imported: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
