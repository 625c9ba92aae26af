"""Personal data masking for every report: mobile and landline numbers, ID card numbers, bank
card numbers, e-mail addresses, and customers' names and addresses (`people`).

Masking is length-preserving: every masked character becomes one `*` and separators stay, so a
finding's `span` (offsets into its turn) still points at the same words in the masked text and
the highlighted match in a coaching example lands where it did in the original.

What is masked, and how we keep false positives down:

* mobile numbers — `1[3-9]` + 9 digits (mainland numbering plan), optionally `+86`/`0086`/`86`
  in front and spaces or dashes between groups (`138 1234 5678`, `138-1234-5678`), not part of
  a longer digit run; also a mobile number glued to the start or end of a run of 12–15 digits
  (`6887` + `13107686887`, as customers type them). Shown as `138****5678`.
* landline numbers with an area code — `0` + 2–3 digit area code + 7–8 digits (`010-63923300`,
  `07522813137`). Area code kept.
* ID card numbers — 18 characters: region (6 digits, not starting with 0), a birth date
  19xx/20xx with a real month and day, 3 sequence digits and the GB 11643 check character
  (digit or X), which must be right. Only the first and last characters are kept.
* bank card numbers — 16–19 digits, optionally in groups of four, that pass the Luhn check.
  Only the last four digits are kept.
* e-mail addresses — only the first character of the local part is kept.

Digits may be full width (`１３８…`), spoken as Chinese digits (`一三八…`, `幺三八…`, with 两 for
2 and 〇/零 for 0), written as financial digits (`壹叁捌…`), or mixed (`138一二三四5678`): each such
character is read as its digit, one for one, before the patterns run, so the masks land on the
characters as written. Groups of a number may be split by spaces, dashes, dots, commas (`,` `，`),
`、` or `/` (`137，2345，6789`, `135.1234.5678`); a landline's area code may stand in brackets
(`(021)87654321`, `（0755）…`) and its local number may be split (`0755 2345 6789`). The old
15-digit ID number (region, a real birth date 19YYMMDD, 3 digits; no check character) is
masked as the 18-digit one is.

Customers' names and addresses (`people`): see `checker/report/people.py`.
"""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from ..rules.base import make_excerpt
from .people import mask_people, may_hold_people

__all__ = ["mask_text", "luhn_ok", "id_checksum_ok", "MASK_CHAR"]

MASK_CHAR = "*"

# Anything that could hold personal data has seven digits with at most separators between them
# (the shortest: a landline's local number), or an @: a cheap test before the regexes.
# Spoken and financial digits, read as the digits they stand for (one character for one).
_CN_DIGITS = {"〇": "0", "零": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5",
              "六": "6", "七": "7", "八": "8", "九": "9", "壹": "1", "贰": "2", "貳": "2", "叁": "3", "參": "3",
              "肆": "4", "伍": "5", "陆": "6", "陸": "6", "柒": "7", "捌": "8", "玖": "9"}
_ANY = re.compile("[0-9０-９@＠" + "".join(_CN_DIGITS) + "]")
_SEPS = " \\t\\-\u00a0,，.。、/"  # between groups of a number (a class in the patterns)
_MAYBE = re.compile(r"\d(?:[" + _SEPS + r"+()（）]?\d){6}|@|＠")
_ASCII = {0xFF10 + i: 0x30 + i for i in range(10)} | {ord("＠"): "@", ord("＋"): "+", ord("Ｘ"): "X", ord("ｘ"): "x"}
_ASCII_CN = _ASCII | {ord(k): v for k, v in _CN_DIGITS.items()}
_HAS_CN_DIGIT = re.compile("[" + "".join(_CN_DIGITS) + "]")

_SEP = "[" + _SEPS + "]?"
_MOBILE = re.compile(
    r"(?<![\d])(?P<prefix>(?:\+\s?|00)?86[ \-]?)?(?P<num>1[3-9]\d(?:" + _SEP + r"\d{4}){2}|1[3-9]\d{2}" + _SEP
    + r"\d{3}" + _SEP + r"\d{4}|1[3-9]\d{9})(?!\d)"
)
_LANDLINE = re.compile(
    r"(?<![\d+])(?P<area>0\d{2,3}|[(（]0\d{2,3}[)）])(?P<sep>[ \-]?)(?P<num>[1-9]\d{2,3}[ \-]?\d{4})(?!\d)")
_ID = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
_ID15 = re.compile(r"(?<![0-9A-Za-z])[1-8]\d{5}(?P<birth>\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))\d{3}(?![0-9A-Za-z])")
_CARD = re.compile(r"(?<!\d)\d{4}(?:[ \-]?\d{4}){3}(?:[ \-]?\d{1,3})?(?!\d)")
_LONG_RUN = re.compile(r"(?<!\d)\d{12,15}(?!\d)")
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_MOBILE_PLAIN = re.compile(r"1[3-9]\d{9}")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def mask_text(text: str | None) -> str | None:
    """`text` with personal data replaced by `*`, same length; None and non-strings pass through."""
    if not text or not isinstance(text, str) or not (_ANY.search(text) or may_hold_people(text)):
        return text
    return _mask(text)


@lru_cache(maxsize=4096)  # the writers mask the same turns one after the other
def _mask(original: str) -> str:
    chars = list(original)
    text = original.translate(_ASCII)  # same length: full-width digits, ＠ and ＋ read as ASCII
    if _MAYBE.search(text):
        if "@" in text:
            for m in _EMAIL.finditer(text):
                local_end = m.group().index("@")
                _star(chars, m.start() + 1, m.start() + local_end)
        _mask_numbers(chars, text)
    if _HAS_CN_DIGIT.search(original):
        # Again with spoken and financial digits read as digits: a second pass, so that a Chinese
        # digit beside a number written in figures (一张卡6222…) cannot hide it from the first.
        spoken = original.translate(_ASCII_CN)
        if _MAYBE.search(spoken):
            _mask_numbers(chars, spoken)
    mask_people(original, chars)  # customers' names and addresses (`people`)
    return "".join(chars)


def _mask_numbers(chars: list[str], text: str) -> None:
    """Mask in `chars` the numbers `text` (the same text, digits read as ASCII) holds."""
    if not any(c.isdigit() for c in text):
        return
    for m in _ID.finditer(text):
        if id_checksum_ok(m.group()) and _valid_birth(m.group()):
            _star(chars, m.start() + 1, m.end() - 1)
    for m in _ID15.finditer(text):
        if _valid_birth("000000" + "19" + m.group("birth") + "0000"):
            _star(chars, m.start() + 1, m.end() - 1)
    for m in _CARD.finditer(text):
        digits = [i for i in range(m.start(), m.end()) if text[i].isdigit()]
        if 16 <= len(digits) <= 19 and luhn_ok("".join(text[i] for i in digits)):
            for i in digits[:-4]:
                chars[i] = MASK_CHAR
    for m in _MOBILE.finditer(text):
        _mask_mobile(chars, text, m.start("num"), m.end("num"))
    for m in _LONG_RUN.finditer(text):  # a mobile number glued to other digits
        run = m.group()
        if _MOBILE_PLAIN.fullmatch(run[-11:]):
            _mask_mobile(chars, text, m.end() - 11, m.end())
        if _MOBILE_PLAIN.fullmatch(run[:11]):
            _mask_mobile(chars, text, m.start(), m.start() + 11)
    for m in _LANDLINE.finditer(text):
        b, e = m.span("num")
        _star(chars, b, e - 2)


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


def _valid_birth(number: str) -> bool:
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return True


def _mask_mobile(chars: list[str], text: str, begin: int, end: int) -> None:
    """Keep the first three and the last four digits of the number in text[begin:end]."""
    digits = [i for i in range(begin, end) if text[i].isdigit()]
    for i in digits[3:-4]:
        chars[i] = MASK_CHAR


def _star(chars: list[str], begin: int, end: int) -> None:
    for i in range(begin, end):
        if not chars[i].isspace() and chars[i] not in "-":
            chars[i] = MASK_CHAR


def mask_finding_record(finding, call) -> dict:
    """`finding.to_record()` with its text fields masked.

    `matched` and `excerpt` are cut again from the masked turn text when the excerpt is the
    standard one, so a number that the excerpt's trimming would cut in half (and the regexes
    would then no longer recognise) is masked all the same; any other excerpt is masked as it is.
    """
    record = finding.to_record()
    texts = call.turns.texts
    original = texts[finding.turn] if finding.turn is not None and 0 <= finding.turn < len(texts) else None
    every = "\n".join((original or "", finding.excerpt, finding.matched, finding.message, finding.suggest or ""))
    if not (_ANY.search(every) or may_hold_people(every)):
        return record  # nothing that could be personal data anywhere: masking would change nothing
    if original is not None and make_excerpt(original, finding.span) == finding.excerpt:
        text = mask_text(original)
        record["excerpt"] = make_excerpt(text, finding.span)
        if finding.span is not None and original[finding.span[0]:finding.span[1]] == finding.matched:
            record["matched"] = text[finding.span[0]:finding.span[1]]
        else:
            record["matched"] = mask_text(finding.matched)
    else:
        record["excerpt"] = mask_text(finding.excerpt)
        record["matched"] = mask_text(finding.matched)
    record["message"] = mask_text(finding.message)
    record["suggest"] = mask_text(finding.suggest)
    return record


def masked_result(result):
    """A copy of a CallResult as a person reading it should see it (`qa-check explain`): every
    turn's text, the call id and each finding's texts masked, lengths (and so spans) kept."""
    from dataclasses import replace

    call = result.call
    turns = tuple(replace(t, text=mask_text(t.text)) for t in call.turns)
    findings = []
    for f in result.findings:
        record = mask_finding_record(f, call)
        findings.append(replace(f, call_id=mask_text(f.call_id), matched=record["matched"], excerpt=record["excerpt"],
                                message=record["message"], suggest=record["suggest"]))
    return replace(result, call=replace(call, call_id=mask_text(call.call_id), turns=turns), findings=tuple(findings))
