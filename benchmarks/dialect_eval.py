"""Measure the shipped dialect lexicons on real text.

For the Cantonese lexicon, used as one `dialect` rule with mode any and min_markers 1 on every
turn, this prints:

* recall on HKCanCor utterances (pycantonese's copy of the Hong Kong Cantonese Corpus), on the
  traditional text and on the same text converted to simplified with OpenCC ``t2s``;
* the false-positive rate on every turn of the Mandarin customer-service corpus
  (``/work/shared/corpus/real_cs_dialogues.jsonl``, skipped with a message when absent);
* the same figures for the ``cantonesedetect`` package, side by side;

and, for the other shipped lexicons, their false-positive rate on the same Mandarin corpus.

Matching is the engine's own (``checker.dialects.flag_dialect``): text and markers are normalised
(NFKC, OpenCC t2s, lowercase), a marker never spans spaces or punctuation, and it matches only on jieba word boundaries (both ends on
token boundaries of ``jieba.lcut``, or the match lies inside one token and both ends fall on
boundaries of that token's best division into smaller dictionary words); an occurrence of one of
the marker's ``exceptions`` that overlaps a match hides it; overlapping matches are resolved
longest first, then leftmost; a turn's score is the sum of the weights of the distinct markers
chosen, and the rule fires when the score reaches ``min_markers``.

Usage::

    python benchmarks/dialect_eval.py                 # the figures
    python benchmarks/dialect_eval.py --show 20       # plus up to 20 misses / false positives each
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.dialects import flag_dialect  # noqa: E402

LEXICON_DIR = ROOT / "qa_rules" / "lexicons"
MANDARIN_CORPUS = ROOT.parent / "shared" / "corpus" / "real_cs_dialogues.jsonl"
DIALECTS = ("cantonese", "wu", "sichuanese", "northeastern", "minnan")
MIN_CHARS = 6


# --------------------------------------------------------------------------------------------
# The matching step: the engine itself, one `dialect` rule with mode any on one-turn calls
# --------------------------------------------------------------------------------------------


def flag_turns(texts: list[str], lexicon_path: str | Path, min_markers: float = 1.0) -> list[bool]:
    """Return, for each text, whether a mode-any dialect rule with this lexicon fires on it."""
    return [bool(m) for m in _markers(texts, Path(lexicon_path), min_markers)]


def explain_turn(text: str, lexicon_path: str | Path) -> list[str]:
    """Markers (as written) that a min_markers-0.5 rule finds in one text, for diagnostics."""
    return _markers([text], Path(lexicon_path), 0.5)[0]


def _markers(texts: list[str], lexicon_path: Path, min_markers: float) -> list[list[str]]:
    return flag_dialect(texts, lexicon_path.stem, min_markers, lexicon_dirs=[lexicon_path.parent])


def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def marker_count(path: Path) -> int:
    return len(yaml.safe_load(path.read_text(encoding="utf-8"))["markers"])


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def counted_chars(text: str) -> int:
    """Characters that count towards the length filter: not whitespace, not Unicode punctuation
    (general category P*). Han characters, Latin letters, digits and symbols count."""
    return sum(1 for ch in text if not ch.isspace() and not unicodedata.category(ch).startswith("P"))


def hkcancor_utterances(min_chars: int = MIN_CHARS) -> tuple[list[str], int]:
    """HKCanCor utterances (words joined with no separator) of at least min_chars counted chars.

    Returns the selected utterances and the total number of utterances in the corpus.
    """
    import pycantonese

    utterances: list[Any] = pycantonese.hkcancor().utterances()  # one Utterance an item (not by file)
    texts = ["".join(token.word for token in u.tokens) for u in utterances]
    return [t for t in texts if counted_chars(t) >= min_chars], len(texts)


def mandarin_turns(path: Path = MANDARIN_CORPUS) -> list[str] | None:
    """Every turn's text in the Mandarin customer-service corpus, or None when it is absent."""
    if not path.exists():
        return None
    turns: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                turns.extend(t["text"] for t in json.loads(line)["turns"])
    return turns


def cantonesedetect_flags(texts: list[str]) -> tuple[list[bool], list[bool]] | None:
    """cantonesedetect's default detector: (judged cantonese, judged cantonese or mixed)."""
    try:
        from cantonesedetect import CantoneseDetector
    except ImportError:
        return None
    detector = CantoneseDetector()
    judgements = [str(detector.judge(t)) for t in texts]
    strict = [j == "cantonese" for j in judgements]
    loose = [j in ("cantonese", "mixed", "cantonese_quotes_in_swc", "mixed_quotes_in_swc") for j in judgements]
    return strict, loose


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _pct(flags: list[bool]) -> str:
    n = len(flags)
    k = sum(flags)
    return f"{100 * k / n:6.2f} % ({k}/{n})" if n else "n/a"


def _show(title: str, texts: list[str], flags: list[bool], want: bool, limit: int, lexicon: Path) -> None:
    picked = [t for t, f in zip(texts, flags) if f == want][:limit]
    if not picked:
        return
    print(f"\n  {title} (first {len(picked)}):")
    for t in picked:
        found = explain_turn(t, lexicon)
        print(f"    {t!r}" + (f"  <- {found}" if found else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lexicons", type=Path, default=LEXICON_DIR, help="lexicon folder")
    parser.add_argument("--corpus", type=Path, default=MANDARIN_CORPUS, help="Mandarin corpus (JSONL)")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print up to N misses and false positives")
    args = parser.parse_args(argv)

    cantonese = args.lexicons / "cantonese.yaml"
    t2s = _converter()

    hk_trad, hk_total = hkcancor_utterances()
    hk_simp = [t2s.convert(t) for t in hk_trad]
    turns = mandarin_turns(args.corpus)

    print("Dialect lexicons: one rule `dialect`, mode any, min_markers 1, every turn")
    print(
        f"HKCanCor (pycantonese.hkcancor()): {len(hk_trad)} of {hk_total} utterances kept; an utterance is "
        f"its words joined with no separator, kept when it has >= {MIN_CHARS} characters counting every "
        "character that is neither whitespace nor Unicode punctuation (category P*)."
    )
    if turns is None:
        print(f"Mandarin corpus {args.corpus} is absent: false-positive rates skipped.")
    else:
        print(f"Mandarin corpus: {len(turns)} turns (all speakers) of {args.corpus}.")

    print(
        "Matching: the qa-check engine (NFKC + OpenCC t2s + lowercase; a marker never spans "
        "spaces or punctuation; markers only on jieba word boundaries; exceptions hide overlapping "
        "matches; overlaps resolved longest first, then leftmost; score = sum of the weights of the "
        "distinct markers chosen; fires at score >= 1)."
    )
    print(
        "cantonesedetect: CantoneseDetector() defaults, one judgement per text; 'cantonese' counts "
        "the judgement CANTONESE, 'cantonese|mixed' also MIXED and the *_QUOTES_IN_SWC judgements."
    )

    ours_trad = flag_turns(hk_trad, cantonese)
    ours_simp = flag_turns(hk_simp, cantonese)
    ours_fp = flag_turns(turns, cantonese) if turns is not None else None
    n_markers = marker_count(cantonese)

    print(f"\n{'Cantonese':36s}{'recall (traditional)':24s}{'recall (t2s)':24s}Mandarin FP")
    print(
        f"  {f'qa-check lexicon ({n_markers} markers)':34s}{_pct(ours_trad):24s}{_pct(ours_simp):24s}"
        f"{_pct(ours_fp) if ours_fp is not None else 'skipped'}"
    )
    cd_trad = cantonesedetect_flags(hk_trad)
    if cd_trad is None:
        print("  cantonesedetect: not installed, skipped")
    else:
        cd_simp = cantonesedetect_flags(hk_simp)
        assert cd_simp is not None  # installed: cd_trad was judged
        cd_fp = cantonesedetect_flags(turns) if turns is not None else None
        for i, label in enumerate(("cantonese", "cantonese|mixed")):
            print(
                f"  {f'cantonesedetect ({label})':34s}{_pct(cd_trad[i]):24s}{_pct(cd_simp[i]):24s}"
                f"{_pct(cd_fp[i]) if cd_fp is not None else 'skipped'}"
            )

    if turns is not None:
        print(f"\n{'Other lexicons':36s}Mandarin FP")
        for dialect in DIALECTS[1:]:
            path = args.lexicons / f"{dialect}.yaml"
            if not path.exists():
                print(f"  {dialect:14s} missing ({path})")
                continue
            flags = flag_turns(turns, path)
            print(f"  {f'{dialect} ({marker_count(path)} markers)':34s}{_pct(flags)}")
            if args.show:
                _show(f"{dialect} false positives", turns, flags, True, args.show, path)

    if args.show:
        _show("Cantonese misses (traditional)", hk_trad, ours_trad, False, args.show, cantonese)
        _show("Cantonese misses (t2s)", hk_simp, ours_simp, False, args.show, cantonese)
        if ours_fp is not None and turns is not None:
            _show("Cantonese false positives", turns, ours_fp, True, args.show, cantonese)
    return 0


if __name__ == "__main__":
    sys.exit(main())
