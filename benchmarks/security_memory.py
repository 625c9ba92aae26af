"""Peak memory of the two hostile inputs of issue 18: a 10 MB scheme auditing 5 calls, and a call
with one 100 MB turn.

    .venv/bin/python benchmarks/security_memory.py [--scheme-mb 10] [--turn-mb 100] [--limit-gb 8]

Each case runs `qa-check audit --jobs 1` in a fresh process and prints its peak RSS, wall time,
exit code and the last line it wrote, against the target (the scheme case: under 1.5 GB). The
audit runs under an address-space limit (`--limit-gb`, RLIMIT_AS), so that a case that would take
the machine's memory fails in its own process (MemoryError, a non-zero exit) and is reported as
such instead of starving everything else. A turn over the readers' length cap is rejected with its
line: the 100 MB case then reports exit 2 and the reader's message.

The scheme: forbidden rules of 1,000 random Han phrases (2–6 characters) each, up to the size
asked; the 5 calls: the sample calls of transcripts/ (the first five). The big turn is audited
with the shipped scheme (qa_rules/). `--cases scheme` or `--cases turn` runs one of them.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEME_TARGET_MB = 1500


def write_scheme(path: Path, megabytes: float, seed: int = 1) -> int:
    rng = random.Random(seed)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    target = int(megabytes * 1024 * 1024)
    size, rule, phrases_total = 0, 0, 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write("scheme: big\nrules:\n")
        while size < target:
            phrases = ["".join(rng.choice(chars) for _ in range(rng.randint(2, 6))) for _ in range(1000)]
            line = f"  - {{id: r{rule}, kind: forbidden, section: s, message: m, phrases: [{', '.join(phrases)}]}}\n"
            fh.write(line)
            size += len(line.encode("utf-8"))
            rule += 1
            phrases_total += len(phrases)
    return phrases_total


def write_big_turn(path: Path, megabytes: float) -> None:
    unit = "您好请问有什么可以帮您我们的服务热线为您服务谢谢"  # 3 bytes a character in UTF-8
    text = unit * (int(megabytes * 1024 * 1024) // (3 * len(unit)) + 1)
    call = {"call_id": "big-turn", "agent_id": "A1", "turns": [{"speaker": "agent", "text": text}]}
    with path.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(call, ensure_ascii=False) + "\n")


def run_audit(calls: Path, rules: Path, out: Path, limit_gb: float) -> dict:
    """One audit in a fresh process, measured by a small parent that reads its children's peak RSS."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "limit = int(float(sys.argv[1]) * 2**30)\n"
        "def cap():\n"
        "    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[2:], preexec_fn=cap, capture_output=True, text=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode, time.perf_counter() - t)\n"
        "lines = [l for l in (r.stderr or '').splitlines() if l.strip()]\n"
        "print(lines[-1] if lines else '')\n"
    )
    cmd = [
        sys.executable,
        "-m",
        "checker",
        "audit",
        str(calls),
        "--rules",
        str(rules),
        "--out",
        str(out),
        "--jobs",
        "1",
    ]
    done = subprocess.run([sys.executable, "-c", probe, str(limit_gb), *cmd], capture_output=True, text=True, cwd=ROOT)
    first, _, last = done.stdout.partition("\n")
    rss_kb, code, seconds = first.split()
    return {"peak_mb": int(rss_kb) / 1024, "exit": int(code), "seconds": float(seconds), "last": last.strip()[:200]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scheme-mb", type=float, default=10)
    ap.add_argument("--turn-mb", type=float, default=100)
    ap.add_argument("--limit-gb", type=float, default=8, help="address-space limit of each audit (RLIMIT_AS)")
    ap.add_argument("--cases", default="scheme,turn", help="which to run: scheme, turn or both (default)")
    args = ap.parse_args()
    cases = set(args.cases.split(","))
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        calls = tmp / "calls"
        calls.mkdir()
        for p in sorted((ROOT / "transcripts").glob("*.txt"))[:5]:
            (calls / p.name).write_bytes(p.read_bytes())
        scheme = tmp / "big.yaml"
        phrases = write_scheme(scheme, args.scheme_mb) if "scheme" in cases else 0
        small = tmp / "small.yaml"
        small.write_text(
            "scheme: small\nrules:\n  - {id: r, kind: forbidden, section: s, message: m, phrases: [说吧]}\n",
            encoding="utf-8",
        )
        base = run_audit(calls, small, tmp / "out0", args.limit_gb)
        print(
            f"baseline (1-phrase scheme, 5 calls): peak {base['peak_mb']:.0f} MB, {base['seconds']:.1f} s, exit {base['exit']}"
        )
        if "scheme" in cases:
            scheme_case(args, calls, scheme, phrases, base, tmp)
        if "turn" in cases:
            turn_case(args, tmp)


def scheme_case(args, calls: Path, scheme: Path, phrases: int, base: dict, tmp: Path) -> None:
    big = run_audit(calls, scheme, tmp / "out1", args.limit_gb)
    verdict = "under" if big["peak_mb"] < SCHEME_TARGET_MB and big["exit"] == 0 else "NOT under"
    print(
        f"{args.scheme_mb:g} MB scheme ({phrases:,} phrases), 5 calls: peak {big['peak_mb']:.0f} MB "
        f"({big['peak_mb'] / max(base['peak_mb'], 1):.1f}x the baseline), {big['seconds']:.1f} s, exit {big['exit']}: "
        f"{verdict} the {SCHEME_TARGET_MB} MB target"
    )
    if big["exit"]:
        print(f"   last line: {big['last']}")


def turn_case(args, tmp: Path) -> None:
    """One call of one huge turn, audited with the shipped scheme (qa_rules/)."""
    turn_calls = tmp / "turn"
    turn_calls.mkdir()
    write_big_turn(turn_calls / "big.jsonl", args.turn_mb)
    one = run_audit(turn_calls, ROOT / "qa_rules", tmp / "out2", args.limit_gb)
    print(
        f"one {args.turn_mb:g} MB turn (shipped scheme): peak {one['peak_mb']:.0f} MB, {one['seconds']:.1f} s, exit {one['exit']}"
    )
    print(f"   last line: {one['last']}")


if __name__ == "__main__":
    main()
