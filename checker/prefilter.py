"""Literal factors of a regex: strings one of which every match must contain.

A `regex` rule runs on the normalised text of every turn in its scope, which on a 45-turn call is
the most expensive thing a cheap rule does. But most service-standard regexes hold a literal that
any match must contain (`…(?:知道|明白)了…` cannot match a turn without 知道了 or 明白了). Those
factors go into the scheme's automaton with the phrases; a turn whose scan found none of them
cannot match, and the regex is not run on it. This is the prefilter RE2 and Hyperscan use, kept
small: literals, alternations, groups and repeats; anything else (classes, case-insensitive
flags, look-arounds, back-references) is "no factor" there, and a regex with no factor at all
runs on every turn as before.

Sound because a match is a contiguous piece of the normalised text: the factor stands in it
contiguously, so its compact form (spaces and punctuation dropped) stands in the compact text the
automaton scans.
"""

from __future__ import annotations

import re

try:  # Python 3.11+
    from re import _constants as _c, _parser as _p  # type: ignore[attr-defined]  # private modules: no stubs
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c
    import sre_parse as _p

__all__ = ["literal_factors"]

MAX_STRINGS = 64  # an alternation of alternations grows as a product; past this, no factor


def literal_factors(pattern: str) -> frozenset[str] | None:
    """Strings one of which every match of `pattern` contains, or None when none can be told.

    The strings are as the pattern spells them; empty ones never come back (a factor set that
    would hold the empty string is no factor)."""
    try:
        parsed = _p.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & (re.IGNORECASE | re.LOCALE):
        return None
    found = _required(list(parsed))
    if not found or "" in found:
        return None
    return frozenset(found)


def _required(seq: list) -> set[str] | None:
    """A factor set for a sequence: the best of its runs of exact items and its items' own."""
    best: set[str] | None = None
    run: set[str] | None = {""}
    for item in seq:
        exact = _exact_item(item)
        if exact is not None and run is not None:
            run = _product(run, exact)
            if run is not None:
                continue
        best = _better(best, run)
        run = exact if exact is not None else {""}
        if exact is None:
            best = _better(best, _required_item(item))
    return _better(best, run)


def _required_item(item) -> set[str] | None:
    """A factor set for one item: `_common`, a repeat taken at least once, an atomic group."""
    found = _common(item, _required, required=True)
    if found is not _OTHER:
        return found
    op, av = item
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        lo, _, sub = av
        return _required(list(sub)) if lo >= 1 else None
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _required(list(av))
    return None


def _exact(seq: list) -> set[str] | None:
    """Every string `seq` can match, when that is a small finite set; else None."""
    out: set[str] | None = {""}
    for item in seq:
        exact = _exact_item(item)
        if exact is None or out is None:
            return None
        out = _product(out, exact)
    return out


def _exact_item(item) -> set[str] | None:
    """Every string one item can match: `_common`, or an optional (`?`) part."""
    found = _common(item, _exact, required=False)
    if found is not _OTHER:
        return found
    op, av = item
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
        lo, hi, sub = av
        body = _exact(list(sub))
        if body is None or hi not in (0, 1) or lo > hi:
            return None
        return ({""} if lo == 0 else set()) | (body if hi == 1 else set())
    return None


_OTHER = object()  # `_common` does not know the item: the caller decides


def _common(item, of_seq, required: bool):
    """What factor sets and exact sets agree on: a literal, a class of literals, a group (not
    case-insensitive), an alternation (each alternative through `of_seq`; for a factor set,
    every alternative must have one)."""
    op, av = item
    if op is _c.LITERAL:
        return {chr(av)}
    if op is _c.IN:
        return _literal_class(av)
    if op is _c.SUBPATTERN:
        _, add, remove, sub = av
        return None if (add | remove) & re.IGNORECASE else of_seq(list(sub))
    if op is _c.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            found = of_seq(list(alt))
            if found is None or (required and (not found or "" in found)):
                return None
            out |= found
        return out if len(out) <= MAX_STRINGS else None
    return _OTHER


def _literal_class(items: list) -> set[str] | None:
    """A character class of listed characters only ([不没], or 不|没 as the parser folds it)."""
    if len(items) > MAX_STRINGS or any(op is not _c.LITERAL for op, _ in items):
        return None
    return {chr(av) for _, av in items}


def _product(left: set[str], right: set[str]) -> set[str] | None:
    if len(left) * len(right) > MAX_STRINGS:
        return None
    return {a + b for a in left for b in right}


def _better(a: set[str] | None, b: set[str] | None) -> set[str] | None:
    """The more selective factor set: the longer shortest string, then the fewer strings."""

    def score(s: set[str] | None):
        if not s or "" in s:
            return (-1, 0)
        return (min(map(len, s)), -len(s))

    return a if score(a) >= score(b) else b
