"""Personal data masking for every report: mobile and landline numbers, ID card numbers, bank
card numbers and e-mail addresses.

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

Digits may be full width (`１３８…`): Python's `\\d` matches them and `int()` reads them.
"""
from __future__ import annotations

from functools import lru_cache

from ..personal_data import (  # the detectors, shared with `entities` in rules
    ANY as _ANY, ASCII as _ASCII, CARD as _CARD, EMAIL as _EMAIL, ID as _ID, LANDLINE as _LANDLINE,
    LONG_RUN as _LONG_RUN, MAYBE as _MAYBE, MOBILE as _MOBILE, MOBILE_PLAIN as _MOBILE_PLAIN,
    id_checksum_ok, luhn_ok, valid_birth as _valid_birth,
)
from ..rules.base import make_excerpt

__all__ = ["mask_text", "luhn_ok", "id_checksum_ok", "MASK_CHAR"]

MASK_CHAR = "*"


def mask_text(text: str | None) -> str | None:
    """`text` with personal data replaced by `*`, same length; None and non-strings pass through."""
    if not text or not isinstance(text, str) or not _ANY.search(text):
        return text
    return _mask(text)


@lru_cache(maxsize=4096)  # the writers mask the same turns one after the other
def _mask(original: str) -> str:
    text = original.translate(_ASCII)  # same length: full-width digits, ＠ and ＋ read as ASCII
    if not _MAYBE.search(text):
        return original
    chars = list(original)
    if "@" in text:
        for m in _EMAIL.finditer(text):
            local_end = m.group().index("@")
            _star(chars, m.start() + 1, m.start() + local_end)
    if not any(c.isdigit() for c in text):
        return "".join(chars)
    for m in _ID.finditer(text):
        if id_checksum_ok(m.group()) and _valid_birth(m.group()):
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
    return "".join(chars)


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
    if not _ANY.search("\n".join((original or "", finding.excerpt, finding.matched, finding.message, finding.suggest or ""))):
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
