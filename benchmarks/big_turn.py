"""Peak memory of auditing one file whose single turn is 50 MB (issue: it took 2 GB).

    python benchmarks/big_turn.py [--mb 50] [--code DIR]

Writes the file as .jsonl, .txt and .csv in a temporary folder, audits each in a fresh process
(`--jobs 1`) and prints the process's peak RSS (/usr/bin/time -v), the wall time, the exit code
and what was said about the file. `--code DIR` runs the checker from another checkout (e.g. an
export of an older commit) with this script's Python, for a before/after comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=50, help="size of the turn in MB of UTF-8 (default 50)")
    ap.add_argument("--code", type=Path, default=ROOT, help="the checkout whose checker runs (default: this one)")
    args = ap.parse_args()
    chars = int(args.mb * 1_000_000 / 3)  # CJK: 3 bytes a character in UTF-8
    phrase = "您好请问有什么可以帮您我想查一下这个月的话费"
    text = (phrase * (chars // len(phrase) + 1))[:chars]
    env = {**os.environ, "PYTHONPATH": str(args.code.resolve())}
    print(
        f"checker from {args.code.resolve()}; one turn of {len(text):,} characters ({len(text.encode()) / 1e6:.0f} MB)"
    )
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        files = {
            "big.jsonl": json.dumps(
                {"call_id": "big", "turns": [{"speaker": "agent", "text": text}]}, ensure_ascii=False
            )
            + "\n",
            "big.txt": f"# call_id: big\n坐席: {text}\n",
            "big.csv": f"call_id,speaker,text\nbig,坐席,{text}\n",
        }
        for name, body in files.items():
            path = tmp / name
            path.write_text(body, encoding="utf-8")
            cmd = [
                "/usr/bin/time",
                "-v",
                sys.executable,
                "-c",
                "import sys, checker.cli; print('checker:', checker.cli.__file__, file=sys.stderr); "
                "sys.argv[0] = 'qa-check'; checker.cli.main()",
                "audit",
                str(path),
                "--rules",
                str(ROOT / "qa_rules"),
                "--out",
                str(tmp / "out"),
                "--jobs",
                "1",
            ]
            t0 = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp)
            wall = time.perf_counter() - t0
            rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
            said = [line for line in done.stderr.splitlines() if line.startswith(("error:", str(path)))]
            print(
                f"{name:10} peak RSS {int(rss.group(1)) / 1024 if rss else float('nan'):8.0f} MB   {wall:6.1f} s   exit {done.returncode}   "
                f"{(said[0][:110] if said else '(no error)')}"
            )


if __name__ == "__main__":
    main()
