"""Which encoding detection reads real transcripts right: ours (`checker/read/decode.py`: BOM,
strict UTF-8, else whichever of UTF-8 and GB18030 leaves fewer undecodable bytes) against
charset-normalizer's best guess.

    python benchmarks/text_encodings.py [--dialogues 400]

Each dialogue of the shared real corpus (skipped when absent) is written as a CSV transcript
(`call_id,speaker,text`, CRLF as Excel writes it) in UTF-8, UTF-8 with BOM, GBK, GB18030 and
UTF-16, plus UTF-8 and GBK copies with one byte damaged in the middle. A detection is right when
decoding the bytes with it gives what decoding them in their true encoding gives (for a damaged
copy: the text with that one byte replaced). Prints, per variant, how many each detector got right and its time a
file; and the same for single-turn files (short text, where statistics have least to go on).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus" / "real_cs_dialogues.jsonl"

from checker.read.decode import codec, detect_encoding  # noqa: E402


def ours(data: bytes) -> str | None:
    return codec(detect_encoding(data))


def charset_normalizer(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return None if best is None else best.encoding


def csv_text(call_id: str, turns: list[dict]) -> str:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(["call_id", "speaker", "text"])
    for t in turns:
        out.writerow([call_id, "坐席" if t["speaker"] == "agent" else "客户", t["text"]])
    return buf.getvalue()


def damaged(data: bytes) -> bytes:
    """One byte in the middle replaced by 0xFF (never valid in UTF-8 or as a GB18030 lead byte)."""
    at = len(data) // 2
    return data[:at] + b"\xff" + data[at + 1 :]


def right(text: str, data: bytes, name: str | None, truth: str) -> bool:
    """Decoding with the guess gives what decoding with the true encoding gives (the damaged
    byte replaced the same way), BOM aside."""
    if name is None:
        return False
    try:
        got = data.decode(name, "replace").lstrip("\ufeff")
    except LookupError:
        return False
    return got == data.decode(truth, "replace").lstrip("\ufeff")


def variants(text: str):
    for label, enc in (
        ("UTF-8", "utf-8"),
        ("UTF-8 BOM", "utf-8-sig"),
        ("GBK", "gbk"),
        ("GB18030", "gb18030"),
        ("UTF-16 BOM", "utf-16"),
    ):
        truth = "gb18030" if enc == "gbk" else enc  # GBK text is GB18030 text
        try:
            yield label, text.encode(enc), truth
        except UnicodeEncodeError:  # a character GBK lacks (emoji): that file cannot exist in GBK
            continue
        if label in ("UTF-8", "GBK"):
            yield label + ", 1 bad byte", damaged(text.encode(enc)), truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dialogues", type=int, default=400)
    args = ap.parse_args()
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} is absent")
        return
    dialogues = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()[: args.dialogues]]
    for scope in ("whole call", "single turn"):
        tally: dict[str, dict[str, list]] = {}
        for d in dialogues:
            turns = d["turns"] if scope == "whole call" else d["turns"][:1]
            text = csv_text(d["call_id"], turns)
            for label, data, truth in variants(text):
                for name, detect in (("ours", ours), ("charset-normalizer", charset_normalizer)):
                    t0 = time.perf_counter()
                    guess = detect(data)
                    spent = time.perf_counter() - t0
                    row = tally.setdefault(label, {}).setdefault(name, [0, 0, 0.0])
                    row[0] += right(text, data, guess, truth)
                    row[1] += 1
                    row[2] += spent
        print(f"\n{scope} CSV files ({len(dialogues)} dialogues of the real corpus)")
        print(f"{'variant':22} {'ours: right':>14} {'ms/file':>8} {'charset-normalizer: right':>27} {'ms/file':>8}")
        for label, by in tally.items():
            a, b = by["ours"], by["charset-normalizer"]
            print(
                f"{label:22} {a[0]:>7}/{a[1]:<6} {a[2] / a[1] * 1000:8.2f} {b[0]:>20}/{b[1]:<6} {b[2] / b[1] * 1000:8.2f}"
            )


if __name__ == "__main__":
    main()
