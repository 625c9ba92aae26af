"""`patterns`: spaCy `Matcher` token patterns, run on a turn as jieba's POS tagger tokenises its
normalised text (SPEC "Token patterns").

The tokens and their tags come from `jieba.posseg` (whitespace tokens dropped, punctuation kept);
a spaCy `Doc` is built from them over a blank Chinese vocabulary (`spacy.blank("zh")`: no model),
with each token's Universal POS mapped from its jieba tag, and spaCy's own `Matcher` finds the
matches. Of overlapping matches the longest (in characters), then the leftmost, is kept.

Cost: spaCy (~1 s to import) and jieba's tagger (its dictionary, ~1 s to load) are loaded only
when a pattern first meets a candidate turn, and a turn is a candidate only when it holds every
literal token a pattern requires (a `NORM`/`TEXT`/`ORTH`/`LOWER` value, or one of an `IN` list,
on a token that must occur), found by the scheme's automaton with every other phrase. A pattern
without any such token runs on every turn in its scope.
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = ["UPOS", "upos_of", "pattern_problems", "required_literals", "PatternSet", "tagged_tokens"]

# jieba tag -> Universal POS (SPEC table). Prefixes: n*, v*, a*, u*; nr* (nr, nrt, nrfg: person
# names) is PROPN before n* is NOUN.
_EXACT = {
    "d": "ADV",
    "r": "PRON",
    "m": "NUM",
    "q": "NOUN",
    "p": "ADP",
    "c": "CCONJ",
    "y": "PART",
    "e": "INTJ",
    "x": "PUNCT",
    "w": "PUNCT",
}
_PREFIX = (("nr", "PROPN"), ("n", "NOUN"), ("v", "VERB"), ("a", "ADJ"), ("u", "PART"))
UPOS = frozenset(["NOUN", "PROPN", "VERB", "ADJ", "ADV", "PRON", "NUM", "ADP", "CCONJ", "PART", "INTJ", "PUNCT", "X"])

TEXT_ATTRS = ("TEXT", "ORTH", "NORM", "LOWER")
_ATTRS = frozenset(TEXT_ATTRS + ("LENGTH", "IS_DIGIT", "LIKE_NUM", "IS_PUNCT", "POS", "OP"))
_FLAGS = ("IS_DIGIT", "LIKE_NUM", "IS_PUNCT")
_SET_PREDICATES = frozenset({"IN", "NOT_IN"})
_NUMBER_PREDICATES = frozenset({"==", "!=", ">=", "<=", ">", "<"})
_OP = re.compile(r"[?*+!]|\{\d+\}|\{\d+,\d*\}|\{\d*,\d+\}")


def upos_of(tag: str) -> str:
    """The Universal POS of a jieba tag (SPEC table); anything else is X."""
    found = _EXACT.get(tag)
    if found is not None:
        return found
    for prefix, pos in _PREFIX:
        if tag.startswith(prefix):
            return pos
    return "X"


def pattern_problems(token: Any) -> list[str]:
    """What is wrong with one token dict of a pattern, in words a scheme author can act on
    (the attributes and predicates the SPEC lists; spaCy's own validation after ours)."""
    if not isinstance(token, dict):
        return [f"a pattern token is a mapping such as {{NORM: 退款}}, not {token!r}"]
    problems = []
    for attr, value in token.items():
        if attr not in _ATTRS:
            problems.append(f"unknown token attribute {attr!r}; use one of {', '.join(sorted(_ATTRS))}")
        elif attr == "OP":
            if not isinstance(value, str) or not _OP.fullmatch(value):
                problems.append(f"OP {value!r}: use ?, *, +, !, {{n}}, {{n,m}}, {{n,}} or {{,m}}")
        elif isinstance(value, dict):
            problems.extend(_predicate_problems(attr, value))
        elif attr in _FLAGS:
            if not isinstance(value, bool):
                problems.append(f"{attr} takes true or false, not {value!r}")
        elif attr == "LENGTH":
            if not isinstance(value, int) or isinstance(value, bool):
                problems.append(f"LENGTH takes a whole number, not {value!r}")
        elif not isinstance(value, str):
            problems.append(f"{attr} takes a text or {{IN: [...]}}, not {value!r}")
        elif attr == "POS" and value not in UPOS:
            problems.append(f"POS {value!r} is not one of {', '.join(sorted(UPOS))}")
    if not problems:
        problems = _spacy_problems(token)
    return problems


def _predicate_problems(attr: str, value: dict) -> list[str]:
    problems = []
    allowed = _SET_PREDICATES | ({"REGEX"} if attr in TEXT_ATTRS or attr == "POS" else set())
    if attr == "LENGTH":
        allowed = allowed | _NUMBER_PREDICATES
    for pred, arg in value.items():
        if pred not in allowed:
            problems.append(f"{attr}: predicate {pred!r} not supported; use one of {', '.join(sorted(allowed))}")
        elif pred == "REGEX":
            if not isinstance(arg, str):
                problems.append(f"{attr}: REGEX takes a regular expression, not {arg!r}")
            else:
                try:
                    re.compile(arg)
                except re.error as exc:
                    problems.append(f"{attr}: bad REGEX {arg!r}: {exc}")
        elif pred in _SET_PREDICATES:
            if not isinstance(arg, list) or not arg:
                problems.append(f"{attr}: {pred} takes a non-empty list, not {arg!r}")
            elif attr == "POS":
                problems.extend(f"POS {v!r} is not one of {', '.join(sorted(UPOS))}" for v in arg if v not in UPOS)
        elif not isinstance(arg, (int, float)) or isinstance(arg, bool):
            problems.append(f"{attr}: {pred} takes a number, not {arg!r}")
    return problems


def _spacy_problems(token: dict) -> list[str]:
    from spacy.schemas import validate_token_pattern

    # spaCy's messages read "[pattern -> 0 -> NORM -> …] text": keep the path after the token.
    out = []
    for message in validate_token_pattern([token]):
        where, _, text = message.partition("] ")
        path = where.removeprefix("[pattern -> 0").lstrip(" ->")
        item = f"{path}: {text}" if path else text
        if item not in out:
            out.append(item)
    return out[:1]


def _required(token: dict) -> bool:
    """Whether a token must occur in every match of its pattern."""
    op = token.get("OP")
    if op is None or op == "+":
        return True
    if op in ("?", "*", "!"):
        return False
    low = op[1:-1].split(",")[0]
    return bool(low) and int(low) > 0


def required_literals(pattern: list[dict]) -> list[list[str]]:
    """For each token a match must hold that names its text (a value, or an `IN` list, of TEXT,
    ORTH, NORM or LOWER), those texts: a turn can hold a match only if it holds one of each."""
    out = []
    for token in pattern:
        if not _required(token):
            continue
        for attr in TEXT_ATTRS:
            value = token.get(attr)
            if isinstance(value, str):
                out.append([value])
                break
            if (
                isinstance(value, dict)
                and isinstance(value.get("IN"), list)
                and all(isinstance(v, str) for v in value["IN"])
            ):
                out.append(list(value["IN"]))
                break
    return out


@functools.lru_cache(maxsize=4096)
def tagged_tokens(text: str) -> tuple[tuple[str, str, int, int], ...]:
    """(token, Universal POS, begin, end) of a normalised text as `jieba.posseg` cuts it,
    whitespace tokens dropped."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    out = []
    at = 0
    for pair in jieba.posseg.lcut(text):
        word, flag = pair.word, pair.flag
        begin = text.find(word, at)
        if begin < 0:  # the tagger changed a token (it does not): keep offsets honest
            continue
        at = begin + len(word)
        if word.strip():
            out.append((word, upos_of(flag), begin, at))
    return tuple(out)


@functools.lru_cache(maxsize=1)
def _vocab():
    import spacy

    return spacy.blank("zh").vocab


@functools.lru_cache(maxsize=1024)
def _doc(text: str):
    from spacy.tokens import Doc

    tokens = tagged_tokens(text)
    words = [t[0] for t in tokens]
    doc = Doc(_vocab(), words=words, spaces=[False] * len(words), pos=[t[1] for t in tokens])
    for token, word in zip(doc, words):
        token.norm_ = word  # the normalised token itself, not spaCy's English-minded exceptions
    return doc


class PatternSet:
    """The `patterns` of one rule: spaCy's Matcher made on first use (in the process that
    evaluates; not pickled), run on a turn's normalised text."""

    def __init__(self, patterns: list[list[dict]]):
        self.patterns = [list(p) for p in patterns]
        self._matcher: Any = None  # spacy's Matcher, made on first use (spaCy is imported then)

    def __getstate__(self):
        return {"patterns": self.patterns, "_matcher": None}

    def spans(self, text: str) -> list[tuple[int, int]]:
        """[begin, end) in `text` of the kept matches: longest, then leftmost, no overlaps."""
        if not text.strip():
            return []
        doc = _doc(text)
        if not len(doc):
            return []
        if self._matcher is None:
            from spacy.matcher import Matcher

            matcher = Matcher(_vocab())
            matcher.add("pattern", self.patterns)
            self._matcher = matcher
        tokens = tagged_tokens(text)
        found = {(tokens[s][2], tokens[e - 1][3]) for _, s, e in self._matcher(doc)}
        chosen: list[tuple[int, int]] = []
        for begin, end in sorted(found, key=lambda s: (s[0] - s[1], s[0])):
            if not any(b < end and begin < e for b, e in chosen):
                chosen.append((begin, end))
        return sorted(chosen)
