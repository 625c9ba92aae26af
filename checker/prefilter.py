"""Literal factors of a regex: strings one of which every match must contain.

A `regex` rule runs on the normalised text of every turn in its scope, which on a 45-turn call is
the most expensive thing a cheap rule does. But most service-standard regexes hold a literal that
any match must contain (`…(?:知道|明白)了…` cannot match a turn without 知道了 or 明白了). Those
factors go into the scheme's automaton with the phrases; a turn whose scan found none of them
cannot match, and the regex is not run on it. This is the prefilter RE2 and Hyperscan use, kept
small: literals, alternations, groups and repeats; anything else (classes of ranges, `.`,
case-insensitive groups, look-arounds, anchors) is "no factor" there, and a regex with no factor
at all runs on every turn as before.

The pattern is read by a small parser of our own (`_Parser`) rather than by the standard library's
private `re._parser`, whose tree changes between Python versions. It reads only what the
prefilter needs, conservatively: a pattern with anything it is not sure of (a verbose flag, a
numeric escape that may be octal or a back-reference, a global case-insensitive flag) gets no
factor, which is always correct; `re` checks the syntax first, so the parser only ever sees
patterns Python accepts.

Sound because a match is a contiguous piece of the normalised text: the factor stands in it
contiguously, so its compact form (spaces and punctuation dropped) stands in the compact text the
automaton scans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MAX_STRINGS", "literal_factors"]

MAX_STRINGS = 64  # an alternation of alternations grows as a product; past this, no factor


def literal_factors(pattern: str) -> frozenset[str] | None:
    """Strings one of which every match of `pattern` contains, or None when none can be told.

    The strings are as the pattern spells them; empty ones never come back (a factor set that
    would hold the empty string is no factor)."""
    try:
        re.compile(pattern)
    except (re.error, OverflowError, RecursionError):
        return None
    try:
        tree = _Parser(pattern).parse()
    except _Unsure:
        return None
    found = _required_alt(tree)
    if not found or "" in found:
        return None
    return frozenset(found)


# -- the tree -----------------------------------------------------------------------------------
# An alternation is a tuple of sequences, a sequence a tuple of items.


@dataclass(frozen=True)
class _Chars:
    """One character of a listed few: a literal, or a class of literals (`[不没]`)."""

    chars: frozenset[str]


@dataclass(frozen=True)
class _Opaque:
    """Something that matches what a literal cannot tell: `.`, a class of ranges, `\\d`, an
    anchor, a look-around, a case-insensitive group, a back-reference by name."""


@dataclass(frozen=True)
class _Group:
    """A group (capturing or not); `atomic` for `(?>…)`, whose strings are a subset of its body's."""

    body: tuple[tuple[object, ...], ...]
    atomic: bool = False


@dataclass(frozen=True)
class _Repeat:
    body: object  # one item
    lo: int
    hi: int | None  # None: unbounded
    possessive: bool


_OPAQUE = _Opaque()


class _Unsure(Exception):
    """Something the parser does not read with certainty: the pattern gets no factor."""


# Escapes that stand for one known character, as Python reads them.
_CHAR_ESCAPES = {"a": "\a", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_CLASS_ESCAPES = set("dDwWsS")  # a class of characters
_ZERO_WIDTH_ESCAPES = set("bBAZ")  # outside a class: anchors
_REPEAT = re.compile(r"\{([0-9]*)(?:(,)([0-9]*))?\}")  # `{m}`, `{m,}`, `{,n}`, `{m,n}` (`{}` is a literal)


class _Parser:
    """Python's regex syntax, read for literals only (the pattern already compiles)."""

    def __init__(self, pattern: str):
        self.s = pattern
        self.i = 0

    def parse(self) -> tuple[tuple[object, ...], ...]:
        self._global_flags()
        tree = self._alternation()
        if self.i != len(self.s):  # an unbalanced `)`: `re` would have refused it
            raise _Unsure
        return tree

    def _global_flags(self) -> None:
        """`(?i)`-style flags at the start: case-insensitive (`i`, `L`) gives no factor, and
        verbose (`x`) changes how everything after reads."""
        while True:
            m = re.match(r"\(\?([aiLmsux]+)\)", self.s[self.i :])
            if m is None:
                return
            if set(m.group(1)) & set("iLx"):
                raise _Unsure
            self.i += m.end()

    def _peek(self) -> str | None:
        return self.s[self.i] if self.i < len(self.s) else None

    def _alternation(self) -> tuple[tuple[object, ...], ...]:
        alts = [self._sequence()]
        while self._peek() == "|":
            self.i += 1
            alts.append(self._sequence())
        return tuple(alts)

    def _sequence(self) -> tuple[object, ...]:
        items: list[object] = []
        while True:
            c = self._peek()
            if c is None or c in "|)":
                return tuple(items)
            item = self._atom()
            items.append(self._quantified(item))

    def _quantified(self, item: object) -> object:
        c = self._peek()
        if c is None:
            return item
        lo: int
        hi: int | None
        if c in "*+?":
            lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
            self.i += 1
        elif c == "{":
            m = _REPEAT.match(self.s, self.i)
            if m is None or m.group() == "{}":
                return item  # a literal `{`, read as the next atom
            low, comma, high = m.groups()
            lo = int(low) if low else 0
            hi = (int(high) if high else None) if comma else lo
            self.i = m.end()
        else:
            return item
        possessive = False
        if self._peek() == "?":  # lazy: the same strings
            self.i += 1
        elif self._peek() == "+":
            possessive = True
            self.i += 1
        return _Repeat(item, lo, hi, possessive)

    def _atom(self) -> object:
        c = self.s[self.i]
        if c == "(":
            return self._group()
        if c == "[":
            return self._class()
        if c == "\\":
            return self._escape()
        self.i += 1
        if c in ".^$":
            return _OPAQUE
        return _Chars(frozenset(c))

    def _group(self) -> object:
        s, i = self.s, self.i
        if not s.startswith("(?", i):
            self.i += 1
            return self._close(_Group(self._alternation()))
        rest = s[i + 2 :]
        if rest.startswith(":"):
            self.i += 3
            return self._close(_Group(self._alternation()))
        if rest.startswith(">"):
            self.i += 3
            return self._close(_Group(self._alternation(), atomic=True))
        if rest.startswith(("=", "!", "<=", "<!")):  # look-arounds consume nothing
            self.i += 3 if rest[0] in "=!" else 4
            self._alternation()
            return self._close(_OPAQUE)
        m = re.match(r"P<[^>]+>", rest)
        if m is not None:  # a named group
            self.i += 2 + m.end()
            return self._close(_Group(self._alternation()))
        m = re.match(r"P=[^)]+\)", rest)
        if m is not None:  # a back-reference by name
            self.i += 2 + m.end()
            return _OPAQUE
        m = re.match(r"([aiLmsux]*)(?:-([imsx]+))?:", rest)
        if m is not None:  # scoped flags, `(?i:…)`
            flags = set(m.group(1)) | set(m.group(2) or "")
            if "x" in flags:
                raise _Unsure
            self.i += 2 + m.end()
            body = self._alternation()
            return self._close(_OPAQUE if flags & {"i", "L"} else _Group(body))
        if rest.startswith("#"):  # a comment
            end = s.find(")", i)
            if end < 0:
                raise _Unsure
            self.i = end + 1
            return _Group(((),))
        raise _Unsure  # a conditional `(?(1)…)`, or something newer than this parser

    def _close(self, item: object) -> object:
        if self._peek() != ")":
            raise _Unsure
        self.i += 1
        return item

    def _escape(self) -> object:
        e = self.s[self.i + 1] if self.i + 1 < len(self.s) else ""
        if e in _CLASS_ESCAPES or e in _ZERO_WIDTH_ESCAPES:
            self.i += 2
            return _OPAQUE
        return _Chars(frozenset(self._escaped_char(in_class=False)))

    def _escaped_char(self, in_class: bool) -> str:
        """The one character `\\…` at the cursor stands for; steps past it."""
        s, i = self.s, self.i
        e = s[i + 1] if i + 1 < len(s) else ""
        if e in _CHAR_ESCAPES:
            self.i += 2
            return _CHAR_ESCAPES[e]
        if in_class and e == "b":  # backspace, inside a class
            self.i += 2
            return "\b"
        width = {"x": 2, "u": 4, "U": 8}.get(e)
        if width is not None:
            digits = s[i + 2 : i + 2 + width]
            if len(digits) != width or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise _Unsure
            self.i += 2 + width
            return chr(int(digits, 16))
        if e.isascii() and e.isalnum():  # octal or a back-reference (`\1`), `\N{…}`: not read here
            raise _Unsure
        if not e:
            raise _Unsure
        self.i += 2
        return e  # an escaped symbol stands for itself (`\.`, `\(`, `\\`), as does any non-ASCII

    def _class(self) -> object:
        """`[…]`: the listed characters, or opaque for a negation, a range or a class escape."""
        s = self.s
        self.i += 1
        negated = s.startswith("^", self.i)
        if negated:
            self.i += 1
        chars: set[str] = set()
        opaque = negated
        first = True
        while True:
            if self.i >= len(s):
                raise _Unsure
            c = s[self.i]
            if c == "]" and not first:
                self.i += 1
                break
            first = False
            if c == "\\":
                e = s[self.i + 1] if self.i + 1 < len(s) else ""
                if e in _CLASS_ESCAPES:
                    self.i += 2
                    opaque = True
                    continue
                char = self._escaped_char(in_class=True)
            else:
                char = c
                self.i += 1
            if s.startswith("-", self.i) and not s.startswith("-]", self.i):  # a range `a-z`
                self.i += 1
                if s.startswith("\\", self.i):
                    self._escaped_char(in_class=True)
                else:
                    self.i += 1
                opaque = True
                continue
            chars.add(char)
        if opaque or len(chars) > MAX_STRINGS:
            return _OPAQUE
        return _Chars(frozenset(chars))


# -- factor sets --------------------------------------------------------------------------------


def _required_alt(alts: tuple[tuple[object, ...], ...]) -> set[str] | None:
    """A factor set for an alternation: every alternative must have one; their union."""
    if len(alts) == 1:
        return _required(alts[0])
    out: set[str] = set()
    for alt in alts:
        found = _required(alt)
        if not found or "" in found:
            return None
        out |= found
    return out if len(out) <= MAX_STRINGS else None


def _required(seq: tuple[object, ...]) -> set[str] | None:
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


def _required_item(item: object) -> set[str] | None:
    """A factor set for one item: a group's, or a repeat's body taken at least once."""
    if isinstance(item, _Group):
        return _required_alt(item.body)
    if isinstance(item, _Repeat) and item.lo >= 1:
        return _required_item_or_exact(item.body)
    if isinstance(item, _Chars) and len(item.chars) <= MAX_STRINGS:
        return set(item.chars)
    return None


def _required_item_or_exact(item: object) -> set[str] | None:
    exact = _exact_item(item)
    return exact if exact is not None else _required_item(item)


def _exact_alt(alts: tuple[tuple[object, ...], ...]) -> set[str] | None:
    out: set[str] = set()
    for alt in alts:
        found = _exact(alt)
        if found is None:
            return None
        out |= found
    return out if len(out) <= MAX_STRINGS else None


def _exact(seq: tuple[object, ...]) -> set[str] | None:
    """Every string `seq` can match, when that is a small finite set; else None."""
    out: set[str] | None = {""}
    for item in seq:
        exact = _exact_item(item)
        if exact is None or out is None:
            return None
        out = _product(out, exact)
    return out


def _exact_item(item: object) -> set[str] | None:
    """Every string one item can match: a literal, a class of literals, a plain group, or an
    optional (`?`) part; else None."""
    if isinstance(item, _Chars):
        return set(item.chars)
    if isinstance(item, _Group) and not item.atomic:
        return _exact_alt(item.body)
    if isinstance(item, _Repeat) and not item.possessive:
        hi = item.hi
        if hi is None or hi > 1 or item.lo > hi:
            return None
        body = _exact_item(item.body)
        if body is None:
            return None
        return ({""} if item.lo == 0 else set()) | (body if hi == 1 else set())
    return None


def _product(left: set[str], right: set[str]) -> set[str] | None:
    if len(left) * len(right) > MAX_STRINGS:
        return None
    return {a + b for a in left for b in right}


def _better(a: set[str] | None, b: set[str] | None) -> set[str] | None:
    """The more selective factor set: the longer shortest string, then the fewer strings."""

    def score(s: set[str] | None) -> tuple[int, int]:
        if not s or "" in s:
            return (-1, 0)
        return (min(map(len, s)), -len(s))

    return a if score(a) >= score(b) else b
