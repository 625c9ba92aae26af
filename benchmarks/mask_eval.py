"""How often masking hides what is not personal data: the false-mask rate on real dialogues.

The shared corpus (real customer-service dialogues) was anonymised by its publishers: names,
addresses, phone and order numbers stand as placeholders ([姓名x], [地址x], [数字x]). So whatever
the masking hides there is, but for the rare real number left in, a false mask; the sample calls
(transcripts/) hold made-up personal data on purpose. For each, the script prints the turns read,
the turns and characters masked, the masked spans by kind (number, name, address) and every span
(or the first --show) in context, to be judged by eye.

    .venv/bin/python benchmarks/mask_eval.py [--corpus PATH] [--show N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.read import read_paths  # noqa: E402
from checker.report import people  # noqa: E402
from checker.report.mask import mask_text  # noqa: E402
from checker.scheme import load_scheme  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "real_cs_dialogues.jsonl"


def corpus_turns(path: Path) -> list[str]:
    texts: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            texts.extend(t["text"] for t in json.loads(line)["turns"] if t.get("text"))
    return texts


def sample_turns() -> list[str]:
    scheme = load_scheme(ROOT / "qa_rules")
    return [
        t.text
        for item in read_paths([ROOT / "transcripts"], scheme.roles)
        if hasattr(item, "turns")
        for t in item.turns
    ]


def evaluate(name: str, texts: list[str], show: int) -> None:
    t0 = time.perf_counter()
    kinds: Counter = Counter()
    masked_turns = masked_chars = chars = 0
    shown: list[tuple[str, str]] = []
    for text in texts:
        chars += len(text)
        out = mask_text(text)
        if out == text:
            continue
        masked_turns += 1
        masked_chars += sum(a != b for a, b in zip(text, out))
        found = people.spans(text) if people.may_hold_people(text) else ()
        for b, e, kind in found:
            kinds[kind] += 1
        people_chars = {i for b, e, _ in found for i in range(b, e)}
        if any(a != b and i not in people_chars for i, (a, b) in enumerate(zip(text, out))):
            kinds["number"] += 1
        if len(shown) < show:
            shown.append((text, out))
    elapsed = time.perf_counter() - t0
    print(f"== {name}: {len(texts):,} turns, {chars:,} characters, masked in {elapsed:.2f} s")
    print(
        f"   turns with a mask: {masked_turns:,} ({masked_turns / max(1, len(texts)):.2%}); "
        f"characters masked: {masked_chars:,} ({masked_chars / max(1, chars):.3%})"
    )
    print(f"   turns by kind of span: {dict(kinds)}")
    for text, out in shown:
        print(f"   - {text[:120]}\n     {out[:120]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--show", type=int, default=40)
    args = ap.parse_args()
    if args.corpus.is_file():
        evaluate(f"corpus {args.corpus.name}", corpus_turns(args.corpus), args.show)
    else:
        print(f"(no corpus at {args.corpus}: skipped)")
    evaluate("sample calls transcripts/", sample_turns(), args.show)


if __name__ == "__main__":
    main()
