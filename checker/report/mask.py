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

What counts as each, and the spellings read (`checker/personal_data.py`, the one definition that
`entities:` in a rule uses too); customers' names and addresses (`people`): see
`checker/report/people.py`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import overload

from ..personal_data import Detected, detect, id_checksum_ok, luhn_ok, may_hold
from ..rules.base import make_excerpt
from .people import mask_people, may_hold_people

__all__ = ["mask_text", "luhn_ok", "id_checksum_ok", "MASK_CHAR"]

MASK_CHAR = "*"


@overload
def mask_text(text: str) -> str: ...
@overload
def mask_text(text: None) -> None: ...
def mask_text(text: str | None) -> str | None:
    """`text` with personal data replaced by `*`, same length; None and non-strings pass through."""
    if not text or not isinstance(text, str) or not (may_hold(text) or may_hold_people(text)):
        return text
    return _mask(text)


@lru_cache(maxsize=4096)  # the writers mask the same turns one after the other
def _mask(original: str) -> str:
    chars = list(original)
    for found in detect(original):
        _hide(chars, found)
    mask_people(original, chars)  # customers' names and addresses (`people`)
    return "".join(chars)


def _hide(chars: list[str], found: Detected) -> None:
    """Star what a reader must not see of one piece, keeping what identifies its kind: a mobile
    number's first three and last four digits, a landline's area code and last two digits, an ID
    number's first and last characters, a card's last four digits, an e-mail's first character."""
    text, begin, end = found.digits, found.begin, found.end
    if found.form == "email":
        _star(chars, begin + 1, text.index("@", begin, end))
    elif found.form == "id":
        _star(chars, begin + 1, end - 1)
    elif found.form == "card":
        for i in [i for i in range(begin, end) if text[i].isdigit()][:-4]:
            chars[i] = MASK_CHAR
    elif found.form == "mobile":
        for i in [i for i in range(*found.inner) if text[i].isdigit()][3:-4]:
            chars[i] = MASK_CHAR
    elif found.form == "landline":
        _star(chars, found.inner[0], found.inner[1] - 2)


def _star(chars: list[str], begin: int, end: int) -> None:
    for i in range(begin, end):
        if not chars[i].isspace() and chars[i] not in "-":
            chars[i] = MASK_CHAR


def mask_finding_record(finding, call, seen: dict[str, bool] | None = None) -> dict:
    """`finding.to_record()` with its text fields masked.

    `matched` and `excerpt` are cut again from the masked turn text when the excerpt is the
    standard one, so a number that the excerpt's trimming would cut in half (and the regexes
    would then no longer recognise) is masked all the same; any other excerpt is masked as it is.

    `seen`: which texts may hold personal data, for the findings of one call (`finding_records`),
    which mostly quote the same few turns and carry their rule's constant message.
    """
    record = finding.to_record()
    texts = call.turns.texts
    original = texts[finding.turn] if finding.turn is not None and 0 <= finding.turn < len(texts) else None
    if seen is None:
        seen = {}
    # Each text that masking reads, tested alone: one that holds nothing masks to itself, and so
    # does an excerpt or a match cut from such a turn (below). Nothing anywhere: nothing changes.
    # A rule's message and suggestion are the same in every call: remembered for the process.
    if len(_RULE_TEXTS) > 4096:
        _RULE_TEXTS.clear()
    if not (
        any(_may_mask(text, seen) for text in (original, finding.excerpt, finding.matched) if text)
        or any(_may_mask(text, _RULE_TEXTS) for text in (finding.message, finding.suggest) if text)
    ):
        return record
    if original is not None and make_excerpt(original, finding.span) == finding.excerpt:
        text = mask_text(original)
        record["excerpt"] = make_excerpt(text, finding.span)
        if finding.span is not None and original[finding.span[0] : finding.span[1]] == finding.matched:
            record["matched"] = text[finding.span[0] : finding.span[1]]
        else:
            record["matched"] = mask_text(finding.matched)
    else:
        record["excerpt"] = mask_text(finding.excerpt)
        record["matched"] = mask_text(finding.matched)
    record["message"] = mask_text(finding.message)
    record["suggest"] = mask_text(finding.suggest)
    return record


_RULE_TEXTS: dict[str, bool] = {}  # `_may_mask` of rules' messages and suggestions, for every call


def _may_mask(text: str, seen: dict[str, bool]) -> bool:
    """Whether `mask_text(text)` may differ from `text` (its own test), remembered in `seen`."""
    found = seen.get(text)
    if found is None:
        found = seen[text] = may_hold(text) or may_hold_people(text)
    return found


def masked_result(result):
    """A copy of a CallResult as a person reading it should see it (`qa-check explain`): every
    turn's text, the call id and each finding's texts masked, lengths (and so spans) kept."""
    from dataclasses import replace

    call = result.call
    turns = tuple(replace(t, text=mask_text(t.text)) for t in call.turns)
    findings = []
    for f in result.findings:
        record = mask_finding_record(f, call)
        findings.append(
            replace(
                f,
                call_id=mask_text(f.call_id),
                matched=record["matched"],
                excerpt=record["excerpt"],
                message=record["message"],
                suggest=record["suggest"],
            )
        )
    return replace(result, call=replace(call, call_id=mask_text(call.call_id), turns=turns), findings=tuple(findings))
