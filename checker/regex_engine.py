"""Scheme regexes on an engine that a hostile pattern or transcript cannot hang.

Schemes come from many hands, and Python's `re` backtracks: `(a+)+$` against a 5,000-character
turn never finishes. Every scheme regex is compiled here (`compile_regex`), never by `re`:

* **RE2** (google-re2), linear in the text whatever the pattern, for every pattern it can run
  with Python's meaning. Python's shorthand classes are Unicode-wide where RE2's are ASCII, so
  they are spelt out first: `\\d` → `\\p{Nd}` (exactly Python's `\\d`), `\\w` → `[\\p{L}\\p{N}_]`,
  `\\s` → the characters `str.isspace()` accepts, `\\Z` → `\\z`.
* **The `regex` module, under a time budget**, for what RE2 cannot run or cannot run the same:
  look-arounds, back-references, atomic groups and possessive repeats, `\\b`/`\\B`, `\\W`, `\\S` or
  `\\D` inside a class, `{,n}`, and anything RE2 refuses (e.g. a program over its size limit).
  `regex` (VERSION0) reads patterns as `re` does and stops a search that runs past `BUDGET_SECONDS`
  on one turn: `finditer` then raises `RegexBudgetExceeded`, which the engine reports as a
  finding-free rule error for that call in errors.csv, and the batch goes on.

Syntax is checked by `re` (`regex_problem`): a scheme says what Python's `re` accepts, whichever
engine runs it. `MAX_PATTERN` bounds a pattern's length.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from functools import lru_cache

import regex as _regex
import re2 as _re2

__all__ = ["BUDGET_SECONDS", "MAX_PATTERN", "SchemeRegex", "RegexBudgetExceeded", "compile_regex", "regex_problem"]

BUDGET_SECONDS = 1.0  # one regex on one turn (fallback engine only; RE2 needs none)
MAX_PATTERN = 10_000  # characters in one scheme regex


class RegexBudgetExceeded(Exception):
    """A fallback-engine regex ran past BUDGET_SECONDS on one text."""

    def __init__(self, pattern: str, seconds: float):
        self.pattern, self.seconds = pattern, seconds
        shown = pattern if len(pattern) <= 60 else pattern[:57] + "…"
        super().__init__(f"regex {shown!r} ran past its {seconds:g} s budget")


def regex_problem(pattern: str) -> str | None:
    """Why `pattern` is not a valid scheme regex (with the position in it), or None."""
    if len(pattern) > MAX_PATTERN:
        return f"bad regex: {len(pattern):,} characters, more than {MAX_PATTERN:,}"
    try:
        re.compile(pattern)
    except re.error as exc:
        at = f" at position {exc.pos}" if exc.pos is not None else ""
        return f"bad regex {pattern!r}: {exc.msg}{at}"
    except (OverflowError, RecursionError) as exc:  # e.g. a repeat count past the limit, deep nesting
        return f"bad regex {pattern!r}: {exc}"
    return None


class SchemeRegex:
    """A compiled scheme regex: `finditer(text)` yields (begin, end) spans in characters."""

    __slots__ = ("pattern", "engine", "_compiled")

    def __init__(self, pattern: str):
        self.pattern = pattern
        translated = _for_re2(pattern)
        compiled = None
        if translated is not None:
            try:
                compiled = _re2.compile(translated, options=_RE2_OPTIONS)
            except _re2.error:
                compiled = None
        if compiled is not None:
            self.engine, self._compiled = "re2", compiled
        else:
            self.engine, self._compiled = "regex", _regex.compile(pattern, flags=_regex.VERSION0)

    def spans(self, text: str, budget: float | None = None) -> Iterator[tuple[int, int]]:
        """The (begin, end) of every non-overlapping match, as `re.finditer` gives them."""
        if self.engine == "re2":
            for m in self._compiled.finditer(text):
                yield m.span()
            return
        seconds = BUDGET_SECONDS if budget is None else budget
        deadline = time.monotonic() + seconds
        pos = 0
        try:
            for m in self._compiled.finditer(text, pos, timeout=seconds):
                yield m.span()
                if time.monotonic() > deadline:  # many quick matches add up too
                    raise RegexBudgetExceeded(self.pattern, seconds)
        except TimeoutError:
            raise RegexBudgetExceeded(self.pattern, seconds) from None

    def __repr__(self) -> str:
        return f"SchemeRegex({self.pattern!r}, engine={self.engine!r})"


@lru_cache(maxsize=1024)  # a pattern is compiled once however many rules and workers name it
def compile_regex(pattern: str) -> SchemeRegex:
    """The engine-backed regex of a scheme pattern (already checked by `regex_problem`)."""
    return SchemeRegex(pattern)


_RE2_OPTIONS = _re2.Options()
_RE2_OPTIONS.log_errors = False  # a pattern RE2 refuses goes to the fallback, not to stderr

# What `str.isspace()` accepts (Python's `\\s`), as RE2 class items; a test checks it against
# every code point.
SPACE_CODES = (
    0x9,
    0xA,
    0xB,
    0xC,
    0xD,
    0x1C,
    0x1D,
    0x1E,
    0x1F,
    0x20,
    0x85,
    0xA0,
    0x1680,
    *range(0x2000, 0x200B),
    0x2028,
    0x2029,
    0x202F,
    0x205F,
    0x3000,
)
_SPACE = "".join(f"\\x{{{cp:x}}}" for cp in SPACE_CODES)
_WORD = r"\p{L}\p{N}_"
# Python's class escapes as RE2 spells them: outside a class, and inside one (None: cannot).
_OUTSIDE = {
    "d": r"\p{Nd}",
    "D": r"\P{Nd}",
    "w": f"[{_WORD}]",
    "W": f"[^{_WORD}]",
    "s": f"[{_SPACE}]",
    "S": f"[^{_SPACE}]",
    "Z": r"\z",
    "A": r"\A",
}
_INSIDE = {"d": r"\p{Nd}", "D": r"\P{Nd}", "w": _WORD, "s": _SPACE}
_FALLBACK_ESCAPES = set("bBg") | set("123456789")  # word boundaries, back-references
_FALLBACK_GROUPS = ("(?=", "(?!", "(?<=", "(?<!", "(?>", "(?P=", "(?(", "(?#")


def _for_re2(pattern: str) -> str | None:
    """`pattern` as RE2 reads it with Python's meaning, or None when it has something only the
    fallback engine runs the same (see the module's docstring)."""
    if any(g in pattern for g in _FALLBACK_GROUPS) or "{," in pattern:
        return None
    if re.search(r"(?<!\\)(?:\\\\)*(?:[*+?}])[+]", pattern):  # a possessive repeat (`a++`, `a{2}+`)
        return None
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            e = pattern[i + 1]
            if e in _FALLBACK_ESCAPES:
                return None
            if e in "uU":  # \uXXXX, \UXXXXXXXX: RE2 spells them \x{…}
                digits = pattern[i + 2 : i + (6 if e == "u" else 10)]
                if len(digits) != (4 if e == "u" else 8) or not all(d in "0123456789abcdefABCDEF" for d in digits):
                    return None
                out.append(f"\\x{{{digits}}}")
                i += 2 + len(digits)
                continue
            table = _INSIDE if in_class else _OUTSIDE
            if e in _OUTSIDE:
                if e not in table:
                    return None
                out.append(table[e])
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if not in_class and c == "[":
            in_class = True
            out.append(c)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":  # a leading ] is a literal in Python
                out.append(r"\]")
                i += 1
            continue
        if in_class and c == "[":  # a literal [ inside a class (Python warns of nested sets)
            out.append(r"\[")
            i += 1
            continue
        if in_class and c == "]":
            in_class = False
        out.append(c)
        i += 1
    return "".join(out)
