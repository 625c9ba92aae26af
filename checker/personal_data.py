"""Detectors of personal data: mobile and landline numbers, ID card numbers, bank card numbers and
e-mail addresses. One definition for two uses: the reports mask what these find (`report.mask`,
which decides what of each piece stays visible), and `entities: [phone, id_card, bank_card,
email]` in a rule finds the same pieces (`entities`). Kept outside `report` so that a rule can use
them without loading the report writers.

What counts:

* mobile numbers — `1[3-9]` + 9 digits (mainland numbering plan), optionally `+86`/`0086`/`86`
  in front and separators between groups (`138 1234 5678`, `138-1234-5678`), not part of a
  longer digit run; also a mobile number glued to the start or end of a run of 12–15 digits
  (`6887` + `13107686887`, as customers type them).
* landline numbers with an area code — `0` + 2–3 digit area code (in brackets or not) + 7–8
  digits (`010-63923300`, `(021)87654321`, `0755 2345 6789`, `07522813137`).
* ID card numbers — 18 characters: region (6 digits, not starting with 0), a birth date
  18xx–20xx with a real month and day, 3 sequence digits and the GB 11643 check character (digit
  or X), which must be right; and the old 15-digit number (region, a real birth date 19YYMMDD, 3
  digits, no check character).
* bank card numbers — 16–19 digits, optionally in groups of four, that pass the Luhn check.
* e-mail addresses.

Digits may be full width (`１３８…`), spoken as Chinese digits (`一三八…`, `幺三八…`, with 两 for
2 and 〇/零 for 0), written as financial digits (`壹叁捌…`), or mixed (`138一二三四5678`): each such
character is read as its digit, one for one, so spans land on the characters as written. Groups of
a number may be split by spaces, dashes, dots, commas (`,` `，`), `、` or `/` (`137，2345，6789`,
`135.1234.5678`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import NamedTuple

__all__ = ["ANY", "Detected", "detect", "may_hold", "luhn_ok", "id_checksum_ok", "valid_birth", "personal_data_spans"]

# Spoken and financial digits, read as the digits they stand for (one character for one).
_CN_DIGITS = {
    "〇": "0",
    "零": "0",
    "一": "1",
    "幺": "1",
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
    "壹": "1",
    "贰": "2",
    "貳": "2",
    "叁": "3",
    "參": "3",
    "肆": "4",
    "伍": "5",
    "陆": "6",
    "陸": "6",
    "柒": "7",
    "捌": "8",
    "玖": "9",
}
# A character every piece of personal data holds: a cheap test before anything else.
ANY = re.compile("[0-9０-９@＠" + "".join(_CN_DIGITS) + "]")
_SEPS = " \\t\\-\u00a0,，.。、/"  # between groups of a number (a class in the patterns)
# Anything that could hold personal data has seven digits with at most separators between them
# (the shortest: a landline's local number), or an @.
_MAYBE = re.compile(r"\d(?:[" + _SEPS + r"+()（）]?\d){6}|@|＠")
_ASCII = {0xFF10 + i: 0x30 + i for i in range(10)} | {ord("＠"): "@", ord("＋"): "+", ord("Ｘ"): "X", ord("ｘ"): "x"}
_ASCII_CN = _ASCII | {ord(k): v for k, v in _CN_DIGITS.items()}
_HAS_CN_DIGIT = re.compile("[" + "".join(_CN_DIGITS) + "]")

_SEP = "[" + _SEPS + "]?"
_MOBILE = re.compile(
    r"(?<![\d])(?P<prefix>(?:\+\s?|00)?86[ \-]?)?(?P<num>1[3-9]\d(?:"
    + _SEP
    + r"\d{4}){2}|1[3-9]\d{2}"
    + _SEP
    + r"\d{3}"
    + _SEP
    + r"\d{4}|1[3-9]\d{9})(?!\d)"
)
_LANDLINE = re.compile(
    r"(?<![\d+])(?P<area>0\d{2,3}|[(（]0\d{2,3}[)）])(?P<sep>[ \-]?)(?P<num>[1-9]\d{2,3}[ \-]?\d{4})(?!\d)"
)
_ID = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
_ID15 = re.compile(
    r"(?<![0-9A-Za-z])[1-8]\d{5}(?P<birth>\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))\d{3}(?![0-9A-Za-z])"
)
_CARD = re.compile(r"(?<!\d)\d{4}(?:[ \-]?\d{4}){3}(?:[ \-]?\d{1,3})?(?!\d)")
_LONG_RUN = re.compile(r"(?<!\d)\d{12,15}(?!\d)")
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)
_MOBILE_PLAIN = re.compile(r"1[3-9]\d{9}")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_KINDS = {"mobile": "phone", "landline": "phone", "id": "id_card", "card": "bank_card", "email": "email"}


class Detected(NamedTuple):
    """One piece of personal data: its kind (phone, id_card, bank_card, email), its form (mobile,
    landline, id, card, email), where it stands, the part that is the number itself (a mobile
    number without +86, a landline's local number) and the text as searched, digits read as ASCII
    (same length as the original)."""

    kind: str
    form: str
    begin: int
    end: int
    inner: tuple[int, int]
    digits: str


def may_hold(text: str) -> bool:
    """False when `detect(text)` finds nothing, told by the tests it begins with (`_readings`):
    seven digits (written, full width, spoken or financial) with at most separators between them,
    or an @. A digit or a 一 alone (in a fifth of real turns) is not enough."""
    return next(_readings(text), None) is not None


def _readings(original: str) -> Iterator[tuple[str, bool]]:
    """The readings of `original` (same length) that may hold personal data, with whether it is
    the spoken one: full-width digits, ＠ and ＋ read as ASCII; then, for a text holding spoken or
    financial digits, those read as digits too. A reading is given only when it holds seven digits
    with at most separators between them, or an @: what every piece of personal data holds."""
    if not original or not ANY.search(original):
        return
    text = original.translate(_ASCII)
    if _MAYBE.search(text):
        yield text, False
    if _HAS_CN_DIGIT.search(original):
        spoken = original.translate(_ASCII_CN)
        if _MAYBE.search(spoken):
            yield spoken, True


def detect(original: str) -> list[Detected]:
    """Every piece of personal data in `original`, in text order (a piece may overlap another)."""
    out: list[Detected] = []
    for text, spoken in _readings(original):
        if not spoken:
            _detect(text, out, emails=True)
            continue
        # Again with spoken and financial digits read as digits: a second pass, so that a Chinese
        # digit beside a number written in figures (一张卡6222…) cannot hide it from the first.
        seen = {(d.form, d.begin, d.end) for d in out}
        more: list[Detected] = []
        _detect(text, more, emails=False)
        out.extend(d for d in more if (d.form, d.begin, d.end) not in seen)
    out.sort(key=lambda d: (d.begin, d.end))
    return out


def _detect(text: str, out: list[Detected], emails: bool) -> None:
    def add(form: str, begin: int, end: int, inner: tuple[int, int] | None = None) -> None:
        out.append(Detected(_KINDS[form], form, begin, end, inner or (begin, end), text))

    if emails and "@" in text:
        for m in _EMAIL.finditer(text):
            add("email", m.start(), m.end())
    if not any(c.isdigit() for c in text):
        return
    for m in _ID.finditer(text):
        if id_checksum_ok(m.group()) and valid_birth(m.group()):
            add("id", m.start(), m.end())
    for m in _ID15.finditer(text):
        if valid_birth("000000" + "19" + m.group("birth") + "0000"):
            add("id", m.start(), m.end())
    for m in _CARD.finditer(text):
        digits = "".join(c for c in m.group() if c.isdigit())
        if 16 <= len(digits) <= 19 and luhn_ok(digits):
            add("card", m.start(), m.end())
    for m in _MOBILE.finditer(text):
        add("mobile", m.start(), m.end("num"), m.span("num"))
    for m in _LONG_RUN.finditer(text):  # a mobile number glued to other digits
        run = m.group()
        if _MOBILE_PLAIN.fullmatch(run[-11:]):
            add("mobile", m.end() - 11, m.end())
        if _MOBILE_PLAIN.fullmatch(run[:11]):
            add("mobile", m.start(), m.start() + 11)
    for m in _LANDLINE.finditer(text):
        add("landline", m.start(), m.end(), m.span("num"))


def personal_data_spans(text: str) -> list[tuple[str, int, int]]:
    """(kind, begin, end) of each piece of personal data in `text`, kind one of phone, id_card,
    bank_card, email; in text order."""
    return [(d.kind, d.begin, d.end) for d in detect(text)]


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check that every bank card number passes."""
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def id_checksum_ok(number: str) -> bool:
    """GB 11643-1999 check character of an 18-character resident ID number."""
    if len(number) != 18:
        return False
    try:
        total = sum(int(c) * w for c, w in zip(number[:17], _ID_WEIGHTS))
    except ValueError:
        return False
    return _ID_CHECK[total % 11] == number[17].upper()


def valid_birth(number: str) -> bool:
    """Whether characters 7–14 of an ID number are a real date."""
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return True
