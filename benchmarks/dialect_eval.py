"""Measure the shipped dialect lexicons on real text.

For the Cantonese lexicon, used as one `dialect` rule with mode any and min_markers 1 on every
turn, this prints:

* recall on HKCanCor utterances (pycantonese's copy of the Hong Kong Cantonese Corpus), on the
  traditional text and on the same text converted to simplified with OpenCC ``t2s``;
* the false-positive rate on every turn of the Mandarin customer-service corpus
  (``/work/shared/corpus/real_cs_dialogues.jsonl``, skipped with a message when absent);
* the same figures for the ``cantonesedetect`` package, side by side;

and, for the other shipped lexicons, their false-positive rate on the same Mandarin corpus.

Matching is a self-contained prototype of the engine's semantics, kept behind one function,
``flag_turns(texts, lexicon_path) -> list[bool]``, so that the real engine can replace it later:
text and markers are normalised (NFKC, OpenCC t2s, lowercase) and markers are looked up with
spaces and punctuation ignored; a marker matches only on jieba word boundaries (both ends on
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
import math
import sys
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
LEXICON_DIR = ROOT / "qa_rules" / "lexicons"
MANDARIN_CORPUS = Path("/work/shared/corpus/real_cs_dialogues.jsonl")
DIALECTS = ("cantonese", "wu", "sichuanese", "northeastern", "minnan")
MIN_CHARS = 6


# --------------------------------------------------------------------------------------------
# The matching step (prototype of the engine; swap flag_turns for the real thing later)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Marker:
    """One normalised lexicon entry."""

    marker: str
    weight: float
    exceptions: tuple[str, ...] = ()
    suggest: str | None = None


@dataclass(frozen=True)
class Lexicon:
    """A dialect lexicon with its markers normalised."""

    dialect: str
    markers: tuple[Marker, ...] = field(default_factory=tuple)


def flag_turns(texts: list[str], lexicon_path: str | Path, min_markers: float = 1.0) -> list[bool]:
    """Return, for each text, whether a mode-any dialect rule with this lexicon fires on it."""
    matcher = _matcher_for(str(lexicon_path))
    return [matcher.score(text) >= min_markers for text in texts]


def explain_turn(text: str, lexicon_path: str | Path) -> list[str]:
    """Markers (normalised) that count towards the score of one text, for diagnostics."""
    return sorted(_matcher_for(str(lexicon_path)).found(text))


@lru_cache(maxsize=None)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """NFKC (full to half width), OpenCC t2s, lowercase."""
    return _converter().convert(unicodedata.normalize("NFKC", text)).lower()


def _compact(phrase: str) -> str:
    """A marker or exception as it is looked up: normalised, spaces and punctuation dropped."""
    return "".join(ch for ch in normalise(phrase) if not _ignorable(ch))


def load_lexicon(path: str | Path) -> Lexicon:
    """Read a lexicon YAML file and normalise its markers and exceptions."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    seen: dict[str, Marker] = {}
    for entry in data["markers"]:
        marker = _compact(str(entry["marker"]))
        if marker in seen:
            raise ValueError(f"{path}: duplicate marker after normalisation: {entry['marker']!r}")
        weight = float(entry.get("weight", 1.0))
        if not 0 < weight <= 1:
            raise ValueError(f"{path}: weight out of range for {entry['marker']!r}")
        exceptions = tuple(_compact(str(x)) for x in entry.get("exceptions", []) or [])
        seen[marker] = Marker(marker, weight, exceptions, entry.get("suggest"))
    return Lexicon(str(data["dialect"]), tuple(seen.values()))


@lru_cache(maxsize=None)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=200_000)
def _inner_boundaries(token: str) -> frozenset[int]:
    """Boundaries of the token's best division into smaller dictionary words.

    Max-probability route over jieba's DAG for the token, with the whole-token edge removed.
    """
    n = len(token)
    if n <= 1:
        return frozenset({0, n})
    dt = _jieba().dt
    dag = dt.get_DAG(token)
    dag[0] = [x for x in dag[0] if x != n - 1] or [0]
    logtotal = math.log(dt.total)
    route: dict[int, tuple[float, int]] = {n: (0.0, 0)}
    for idx in range(n - 1, -1, -1):
        route[idx] = max(
            (math.log(dt.FREQ.get(token[idx : x + 1]) or 1) - logtotal + route[x + 1][0], x)
            for x in dag[idx]
        )
    cuts = {0}
    i = 0
    while i < n:
        i = route[i][1] + 1
        cuts.add(i)
    return frozenset(cuts)


@lru_cache(maxsize=None)
def _matcher_for(lexicon_path: str) -> "_Matcher":
    return _Matcher(load_lexicon(lexicon_path))


class _Matcher:
    """Finds the lexicon's markers in a text under the engine's boundary semantics."""

    def __init__(self, lexicon: Lexicon) -> None:
        import ahocorasick

        self.by_marker = {m.marker: m for m in lexicon.markers}
        self.automaton = ahocorasick.Automaton()
        for key in {m.marker for m in lexicon.markers} | {x for m in lexicon.markers for x in m.exceptions}:
            self.automaton.add_word(key, key)
        self.automaton.make_automaton()

    def found(self, text: str) -> set[str]:
        """Distinct markers (normalised) among the turn's chosen matches."""
        norm = normalise(text)
        keep = [i for i, ch in enumerate(norm) if not _ignorable(ch)]
        compact = "".join(norm[i] for i in keep)
        if not compact:
            return set()
        occurrences: dict[str, list[tuple[int, int]]] = {}
        for end, key in self.automaton.iter(compact):
            begin = end + 1 - len(key)
            occurrences.setdefault(key, []).append((keep[begin], keep[end] + 1))
        if not any(k in self.by_marker for k in occurrences):
            return set()
        tokens = _jieba().lcut(norm)
        bounds = {0}
        spans = []  # (start, end) of each token
        pos = 0
        for tok in tokens:
            spans.append((pos, pos + len(tok)))
            pos += len(tok)
            bounds.add(pos)
        candidates = []
        for key, places in occurrences.items():
            marker = self.by_marker.get(key)
            if marker is None:
                continue  # an exception phrase, not a marker
            hiding = [span for exc in marker.exceptions for span in occurrences.get(exc, ())]
            for begin, end in places:
                if not _on_boundaries(norm, begin, end, bounds, spans):
                    continue
                if any(b < end and begin < e for b, e in hiding):
                    continue
                candidates.append((begin, end, key))
        # Overlapping matches: longest first, then leftmost (the engine's order).
        candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0], c[2]))
        chosen: list[tuple[int, int, str]] = []
        for c in candidates:
            if not any(b < c[1] and c[0] < e for b, e, _ in chosen):
                chosen.append(c)
        return {key for _, _, key in chosen}

    def score(self, text: str) -> float:
        return sum(self.by_marker[m].weight for m in self.found(text))


def _ignorable(ch: str) -> bool:
    """Spaces, punctuation, symbols and control/format characters: skipped inside a phrase."""
    cat = unicodedata.category(ch)
    return cat[0] in "PZS" or cat in ("Cc", "Cf")


def _on_boundaries(
    norm: str, start: int, end: int, bounds: set[int], spans: list[tuple[int, int]]
) -> bool:
    """Both ends on token boundaries, or inside one token on its inner division's boundaries."""
    if start in bounds and end in bounds:
        return True
    for ts, te in spans:
        if ts <= start and end <= te:
            inner = _inner_boundaries(norm[ts:te])
            return (start - ts) in inner and (end - ts) in inner
        if ts >= end:
            break
    return False


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

    utterances = pycantonese.hkcancor().utterances()
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
        "Matching: prototype of the engine (NFKC + OpenCC t2s + lowercase, punctuation and spaces "
        "ignored inside a marker; markers only on jieba word boundaries; exceptions hide overlapping "
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
    n_markers = len(load_lexicon(cantonese).markers)

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
            print(f"  {f'{dialect} ({len(load_lexicon(path).markers)} markers)':34s}{_pct(flags)}")
            if args.show:
                _show(f"{dialect} false positives", turns, flags, True, args.show, path)

    if args.show:
        _show("Cantonese misses (traditional)", hk_trad, ours_trad, False, args.show, cantonese)
        _show("Cantonese misses (t2s)", hk_simp, ours_simp, False, args.show, cantonese)
        if ours_fp is not None:
            _show("Cantonese false positives", turns, ours_fp, True, args.show, cantonese)
    return 0


if __name__ == "__main__":
    sys.exit(main())
