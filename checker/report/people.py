"""Customers' names and addresses in the texts reports show (excerpts, coaching examples,
`qa-check explain`), masked like the numbers of `mask`: one `*` a character, length kept.

Both come from jieba's part-of-speech tagging (rjieba's `tag`: jieba's dictionary, tags and HMM
in Rust; nothing fetched):

* **names** — a token tagged `nr` (person name) of 2–3 characters that begins with one of the
  common surnames below; the given name is masked, the surname kept (张伟 → 张*, 李明华 → 李**).
  jieba's dictionary tags many everyday words `nr` (谢谢, 明白, 祝您, 乔迁), so the token must
  also not be a frequent dictionary word nor hold a pronoun or particle, and must stand after a
  cue (我是, 我叫, 机主, 收件人, 代表 …) or, three characters long, alone as a clause
  (吴晓峰，后六位…). A surname with a form of address (王先生, 张女士) identifies no one: kept.
* **addresses** — a number with an address unit (88号, 3栋, 501室) with a place shortly before it
  in the same stretch of text (a place name tagged `ns`, or a noun ending in a place suffix:
  区 县 镇 村 路 街 巷 里 小区 花园 大厦 …): from that place to the last number of the address
  (北京市朝阳区建国路88号院3号楼2单元501室), the province or city it starts with kept
  (北京市*********). A date (8号) or a place alone (上海) is not an address.

Only texts where a name or an address may stand are tagged (`_GATE`, a regex: a surname after a
cue such as 我是/我叫/机主/收件人/代表, a surname and two characters alone as a clause, a number
with an address unit shortly after a place suffix), and each text once (`mask._mask` caches): most turns cost one regex
search, and a batch without any such text never loads the tagger (rjieba's dictionary, ~0.15 s
once a process; jieba.posseg took ~2 s and was most of an audit of real calls). The false-mask rate is measured by `benchmarks/mask_eval.py`
(README, "What you get").
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["mask_people", "may_hold_people", "preload", "spans", "SURNAMES"]

# 255 of the most common surnames of the mainland (names with a rarer one are not masked).
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍"
    "涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫"
    "费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
HONORIFICS = (
    "先生",
    "女士",
    "小姐",
    "老师",
    "经理",
    "师傅",
    "阿姨",
    "大爷",
    "大姐",
    "大哥",
    "同志",
    "总",
    "姐",
    "哥",
    "老板",
    "主任",
)
_PLACE_SUFFIX = re.compile(
    r"(?:省|自治区|市|区|县|旗|镇|乡|村|街道|路|街|大道|道|巷|胡同|弄|里|小区|花园|公寓|大厦|广场|苑|园|庄|屯|新村|社区)$"
)
_UNIT = r"(?:号院|号楼|号|栋|幢|座|单元|层|楼|室|户|弄)"
_NUMBER = r"[0-9０-９一二三四五六七八九十百零〇幺两]+"
_NUM_UNIT = re.compile(_NUMBER + _UNIT)
_TAIL = re.compile(r"(?:[\u4e00-\u9fffA-Za-z\-]{0,6}?[0-9０-９A-Za-z一二三四五六七八九十百零〇幺两]+" + _UNIT + "?)*")
_BREAK = re.compile(r"[\s，,。.！!？?；;：:、()（）\[\]【】\"“”'‘’~～@#]")
MAX_BEFORE = 16  # characters from the place to the number: "建国路88号", "幸福里小区5栋"
_KEPT_LEAD = re.compile(r"(?:省|自治区|市)$")
_CUES = r"(?:我是|我叫|叫|姓名|名字|机主|户主|本人|收件人|收货人|联系人|登记人|代表|客服|配送员|快递员)"
_CUE = re.compile(_CUES + r"(?:是|叫|为)?[：:\s]*$")
_CLAUSE = set("，,。.！!？?；;：: \t\n、")
_SURNAME_CLASS = "[" + "".join(sorted(SURNAMES)) + "]"
_CLAUSE_CLASS = "[，,。.！!？?；;：: \t\n、]"
# Where a name or an address may stand (a regex, before the tagger is loaded or run): a surname
# after a cue, a surname and two characters alone as a clause, or a number with an address unit
# shortly after a place suffix (not 下个月一号, 工号2411号).
_GATE = re.compile(
    _CUES
    + r"(?:是|叫|为)?[：:\s]*"
    + _SURNAME_CLASS
    + "|(?:^|"
    + _CLAUSE_CLASS
    + ")"
    + _SURNAME_CLASS
    + r"[\u4e00-\u9fff]{2}(?:$|"
    + _CLAUSE_CLASS
    + ")"
    + "|[省市区县旗镇乡村道路街巷弄里园苑厦寓场区]"
    + r"[^\s，,。.！!？?；;]{0,14}?"
    + _NUMBER
    + _UNIT
)


def may_hold_people(text: str) -> bool:
    """Whether `text` may hold a name or an address (a cheap test before tagging)."""
    return bool(_GATE.search(text))


def mask_people(original: str, chars: list[str]) -> None:
    """Mask in `chars` (the characters of `original`, perhaps masked already) the names and
    addresses `original` holds."""
    if not may_hold_people(original):
        return
    for begin, end, _ in spans(original):
        for i in range(begin, end):
            if not chars[i].isspace():
                chars[i] = "*"


def preload() -> None:
    """Load the tagger now (a forked worker then shares it)."""
    spans("张伟住在北京市朝阳区建国路88号")


@lru_cache(maxsize=4096)
def spans(text: str) -> tuple[tuple[int, int, str], ...]:
    """The (begin, end, "name" | "address") of what `mask_people` masks in `text`."""
    tokens = _tokens(text)
    out: list[tuple[int, int, str]] = []
    for begin, word, flag in tokens:
        if flag == "nr" and _is_name(text, begin, word):
            out.append((begin + 1, begin + len(word), "name"))
    out.extend(_addresses(text, tokens))
    return tuple(out)


def _addresses(text: str, tokens) -> list[tuple[int, int, str]]:
    """Each number with its address unit (88号, 12栋, 501室) that a place stands shortly before,
    in the same stretch of text (no punctuation between): from that place to the last number
    of the stretch's address, the province or city it starts with left out."""
    out: list[tuple[int, int, str]] = []
    places = [(b, w, f) for b, w, f in tokens if _is_place(w, f)]
    done = 0
    for m in _NUM_UNIT.finditer(text):
        if m.start() < done:
            continue
        stretch = _BREAK.search(text[: m.start()][::-1])
        lo = max(m.start() - stretch.start() if stretch else 0, m.start() - MAX_BEFORE)
        near = [(b, w, f) for b, w, f in places if lo <= b < m.start()]
        if not near:
            continue
        first = 0
        while first < len(near) - 1 and near[first][2] == "ns" and _KEPT_LEAD.search(near[first][1]):
            first += 1  # the province or city is kept
        begin = near[first][0]
        if _KEPT_LEAD.search(near[first][1]) and near[first][2] == "ns":
            begin += len(near[first][1])
        brk = _BREAK.search(text, m.end())
        tail = _TAIL.match(text, m.end(), brk.start() if brk else len(text))
        end = tail.end() if tail else m.end()
        if end > begin:
            out.append((begin, end, "address"))
        done = end
    return out


def _is_place(word: str, flag: str) -> bool:
    return flag == "ns" or (len(word) >= 2 and flag[:1] == "n" and bool(_PLACE_SUFFIX.search(word)))


def _is_name(text: str, begin: int, word: str) -> bool:
    """A token jieba tagged `nr` that is a person's name (see the module's docstring): jieba's
    dictionary tags many everyday words `nr` (谢谢, 明白, 祝您, 乔迁), so a name must also look
    like one and stand where names are said."""
    if not 2 <= len(word) <= 3 or word[0] not in SURNAMES or word.endswith(HONORIFICS):
        return False
    if _NOT_IN_NAMES.search(word[1:]) or word[1] == word[0] or _common(word):
        return False
    end = begin + len(word)
    if _CUE.search(text[max(0, begin - 6) : begin]):
        return True
    # alone as a clause, three characters (two-character ones alone are mostly brands: 安卓, 高德):
    # "吴晓峰，后六位是…", "郑一鸣。"
    return len(word) == 3 and (begin == 0 or text[begin - 1] in _CLAUSE) and (end == len(text) or text[end] in _CLAUSE)


def _common(word: str) -> bool:
    """An everyday word of jieba's dictionary (its frequency says so), not a name."""
    from ..jieba_data import dictionary

    return dictionary()[0].get(word) >= COMMON_WORD_FREQ


COMMON_WORD_FREQ = 100  # 谢谢 1,089, 明白 10,875; names in the dictionary: 刘建国 3, 李明华 3
# Characters no given name holds: pronouns, particles, common function words.
_NOT_IN_NAMES = re.compile(
    "[您你我他她它们的了吗呢吧啊哦嗯呀么是在有不没这那个和与就都也还又很太再被把给对从向到说要会能可以一]"
)


def _tokens(text: str) -> list[tuple[int, str, str]]:
    # rjieba's tagger: jieba's dictionary, tags and HMM in Rust, loaded in ~0.15 s where
    # jieba.posseg takes ~2 s a process (its dictionary and its own HMM tables), which on real
    # calls, where most batches hold a name somewhere, was most of the audit's time.
    import rjieba

    out, at = [], 0
    for word, flag in rjieba.tag(text):
        out.append((at, word, flag))
        at += len(word)
    return out
