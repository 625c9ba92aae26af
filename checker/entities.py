"""`entities`: spans of a turn's normalised text that are a phone number, an ID card or bank card
number, an e-mail address (the personal-data detectors the reports mask with), an amount of
money, a date or a clock time. Not held to word boundaries (SPEC "Entities").

Amounts, dates and times are read in Arabic or Chinese numerals: 58元, 58.5块, 五十八元, ￥20,
2万元; 11月2日, 2026-11-02, 下周三, 明天; 9点半, 16:00, 下午三点. The text is normalised first
(NFKC), so full-width digits and ￥ arrive as 0-9 and ¥.
"""

from __future__ import annotations

import re

from .personal_data import personal_data_spans

__all__ = ["ENTITY_KINDS", "entity_spans", "entity_trigger"]

ENTITY_KINDS = ("phone", "id_card", "bank_card", "email", "amount", "date", "time")
PERSONAL = frozenset({"phone", "id_card", "bank_card", "email"})

_CN = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬"
_CN_DIGIT = "零〇一二两三四五六七八九"
# A number: Arabic (thousands separators, a decimal part) or Chinese (点 and digits as decimals).
_NUMBER = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?|[{_CN}]+(?:点[{_CN_DIGIT}]+)?"
_AMOUNT = re.compile(
    # ¥20, ¥ 58.50
    rf"¥\s?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?(?:[万千百亿]?(?:元|块钱|块|圆))?"
    # 58元, 五十八块钱, 2万元, 5块5 (but not 一块儿: together)
    rf"|(?<![这那哪每])(?:{_NUMBER})\s?[万千百亿]?(?:元|块钱|圆|块(?!儿))(?:[{_CN_DIGIT}\d](?![{_CN}\d]))?"
)
_WEEKDAY = "[一二三四五六日天1-7]"
_DATE = re.compile(
    r"(?<!\d)(?:19|20)\d{2}[-/.](?:1[0-2]|0?[1-9])[-/.](?:3[01]|[12]\d|0?[1-9])(?!\d)"  # 2026-11-02
    rf"|(?:(?:\d{{2,4}}|[{_CN_DIGIT}]{{2,4}})年)?(?:\d{{1,2}}|[{_CN}]{{1,3}})月(?:\d{{1,2}}|[{_CN}]{{1,3}})[日号]"  # 11月2日
    rf"|(?:上上|下下|上|下|这|本)?个?(?:周|星期|礼拜){_WEEKDAY}"  # 下周三, 星期五
    r"|大后天|后天|明天|今天|昨天|前天"
)
_PERIOD = "(?:凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜里|今晚|明早)"
_HOUR_CN = "(?:十[一二]?|[二两三四五六七八九]|一)"
_TIME = re.compile(
    r"(?<!\d)(?:[01]?\d|2[0-3])[:：][0-5]\d(?!\d)"  # 16:00, 9:30
    # 9点半, 下午三点, 十点一刻, 8点30分; a bare 一点 (a little) only with a period or minutes
    rf"|{_PERIOD}(?:\d{{1,2}}|{_HOUR_CN})[点时](?:半|[一三]刻|整|(?:\d{{1,2}}|[{_CN}]{{1,3}})分?)?"
    rf"|(?:\d{{1,2}}|十[一二]?|[二两三四五六七八九])[点时](?:半|[一三]刻|整|(?:\d{{1,2}}|[{_CN}]{{1,3}})分)?"
    rf"|一[点时](?:半|[一三]刻|整|(?:\d{{1,2}}|[{_CN}]{{1,3}})分)"
)
# A character each kind's every match holds: one set test before its detector runs.
_OWN = {
    "amount": (frozenset("元块圆¥"), _AMOUNT),
    "date": (frozenset("月周期拜天-/."), _DATE),
    "time": (frozenset("点时:："), _TIME),
}


def entity_trigger(kinds: frozenset[str]) -> frozenset[str]:
    """Characters one of which a text holding an entity of `kinds` holds (a digit or @ for
    personal data): a call without any needs no look at its turns."""
    out: set[str] = set()
    if not kinds.isdisjoint(PERSONAL):
        out |= set("0123456789@")
    for kind, (trigger, _) in _OWN.items():
        if kind in kinds:
            out |= trigger
    return frozenset(out)


def entity_spans(text: str, kinds: frozenset[str]) -> list[tuple[str, int, int]]:
    """(kind, begin, end) of each entity of `kinds` in a normalised text, in text order; where
    spans overlap, the longer (then the earlier) is kept."""
    if not text:
        return []
    found: list[tuple[str, int, int]] = []
    if not kinds.isdisjoint(PERSONAL):
        found.extend(s for s in personal_data_spans(text) if s[0] in kinds)
    for kind, (trigger, regex) in _OWN.items():
        if kind in kinds and not trigger.isdisjoint(text):
            found.extend((kind, m.start(), m.end()) for m in regex.finditer(text) if m.end() > m.start())
    if len(found) <= 1:
        return found
    found.sort(key=lambda s: (-(s[2] - s[1]), s[1]))
    kept: list[tuple[str, int, int]] = []
    for s in found:
        if not any(k[1] < s[2] and s[1] < k[2] for k in kept):
            kept.append(s)
    kept.sort(key=lambda s: (s[1], s[2]))
    return kept
