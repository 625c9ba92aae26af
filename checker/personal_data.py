"""Detectors of personal data: mobile and landline numbers, ID card numbers, bank card numbers and
e-mail addresses. One definition for two uses: the reports mask what these find
(`report.mask`), and `entities: [phone, id_card, bank_card, email]` in a rule finds the same spans
(`entities`). Kept outside `report` so that a rule can use them without loading the report writers.

What counts (see `report.mask` for how each is masked):

* mobile numbers — `1[3-9]` + 9 digits (mainland numbering plan), optionally `+86`/`0086`/`86`
  in front and spaces or dashes between groups, not part of a longer digit run; also a mobile
  number glued to the start or end of a run of 12–15 digits (`6887` + `13107686887`).
* landline numbers with an area code — `0` + 2–3 digit area code + 7–8 digits.
* ID card numbers — 18 characters: region, a real birth date 18xx–20xx, 3 sequence digits and the
  GB 11643 check character, which must be right.
* bank card numbers — 16–19 digits, optionally in groups of four, that pass the Luhn check.
* e-mail addresses.
"""
from __future__ import annotations

import re
from datetime import date

__all__ = ["luhn_ok", "id_checksum_ok", "valid_birth", "personal_data_spans"]

# Anything that could hold personal data has seven digits with at most separators between them
# (the shortest: a landline's local number), or an @: a cheap test before the regexes.
ANY = re.compile(r"[0-9０-９@＠]")
MAYBE = re.compile(r"\d(?:[ \t\-\u00a0+]?\d){6}|@|＠")
ASCII = {0xFF10 + i: 0x30 + i for i in range(10)} | {ord("＠"): "@", ord("＋"): "+", ord("Ｘ"): "X", ord("ｘ"): "x"}

_SEP = r"[ \t\-\u00a0]?"
MOBILE = re.compile(
    r"(?<![\d])(?P<prefix>(?:\+\s?|00)?86[ \-]?)?(?P<num>1[3-9]\d(?:" + _SEP + r"\d{4}){2}|1[3-9]\d{9})(?!\d)"
)
LANDLINE = re.compile(r"(?<![\d+])(?P<area>0\d{2,3})(?P<sep>[ \-]?)(?P<num>[2-9]\d{6,7})(?!\d)")
ID = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
CARD = re.compile(r"(?<!\d)\d{4}(?:[ \-]?\d{4}){3}(?:[ \-]?\d{1,3})?(?!\d)")
LONG_RUN = re.compile(r"(?<!\d)\d{12,15}(?!\d)")
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
MOBILE_PLAIN = re.compile(r"1[3-9]\d{9}")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


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
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return True


def personal_data_spans(text: str) -> list[tuple[str, int, int]]:
    """(kind, begin, end) of each piece of personal data in `text`, kind one of phone, id_card,
    bank_card, email; spans as the masking sees them (a mobile number glued to other digits is
    the 11 digits only). In text order; a span may overlap another kind's."""
    if not text or not ANY.search(text):
        return []
    text = text.translate(ASCII)  # same length: full-width digits, ＠ and ＋ read as ASCII
    if not MAYBE.search(text):
        return []
    out: list[tuple[str, int, int]] = []
    if "@" in text:
        out.extend(("email", m.start(), m.end()) for m in EMAIL.finditer(text))
    if any(c.isdigit() for c in text):
        out.extend(("id_card", m.start(), m.end()) for m in ID.finditer(text)
                   if id_checksum_ok(m.group()) and valid_birth(m.group()))
        for m in CARD.finditer(text):
            digits = "".join(c for c in m.group() if c.isdigit())
            if 16 <= len(digits) <= 19 and luhn_ok(digits):
                out.append(("bank_card", m.start(), m.end()))
        out.extend(("phone", m.start(), m.end("num")) for m in MOBILE.finditer(text))
        for m in LONG_RUN.finditer(text):
            run = m.group()
            if MOBILE_PLAIN.fullmatch(run[-11:]):
                out.append(("phone", m.end() - 11, m.end()))
            if MOBILE_PLAIN.fullmatch(run[:11]):
                out.append(("phone", m.start(), m.start() + 11))
        out.extend(("phone", m.start(), m.end()) for m in LANDLINE.finditer(text))
    out.sort(key=lambda s: (s[1], s[2]))
    return out
