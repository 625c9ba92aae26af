"""Normalise text for matching while keeping the way back to the original characters.

Matching runs on NFKC (full/half width), traditional→simplified, lower-case text, and phrases
ignore spaces and punctuation. Findings must still quote the transcript as written, so every
normalised character remembers which original character it came from.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from .segment import block_table

__all__ = [
    "NormalText",
    "JoinedText",
    "normalise",
    "normalise_joined",
    "normalise_call",
    "normalise_phrase",
    "compact_of",
    "is_ignorable",
    "alnum_counts",
    "joinable",
    "SEPARATOR",
]


@dataclass(frozen=True)
class NormalText:
    """A text in three views: original, normalised (same punctuation), compact (no punctuation).

    The compact view and its offset table are built on first use: most turns are only ever
    scanned (which needs `compact`) and never need an offset mapped back.
    """

    original: str
    text: str  # normalised; segmentation and regexes run on this
    source: tuple[int, ...] | None  # original index of each normalised char; None = identity

    @functools.cached_property
    def compact(self) -> str:
        """`text` without spaces and punctuation; phrases are matched on this."""
        return compact_of(self.text)

    @functools.cached_property
    def compact_pos(self) -> tuple[int, ...]:
        """Index in `text` of each compact character."""
        return tuple(compact_positions(self.text))

    def original_span(self, begin: int, end: int) -> tuple[int, int]:
        """Map a [begin, end) span of `text` to the original string."""
        if self.source is None:
            return begin, end
        return self.source[begin], self.source[end - 1] + 1

    def text_span(self, cbegin: int, cend: int) -> tuple[int, int]:
        """Map a [cbegin, cend) span of `compact` to `text`."""
        return self.compact_pos[cbegin], self.compact_pos[cend - 1] + 1


def normalise(original: str) -> NormalText:
    table = _char_table()
    mapped = _map_chars(original)
    if len(mapped) == len(original):
        source = None
    else:
        # Rare: a character whose NFKC form is several characters (e.g. ㈱ → (株)).
        pieces = [table.get(ord(ch), ch) for ch in original]
        mapped = "".join(pieces)
        source = tuple(i for i, piece in enumerate(pieces) for _ in piece)
    converted = _t2s(mapped)
    if len(converted) != len(mapped):
        # OpenCC converted a phrase to one of another length: convert char by char to keep offsets.
        converted = "".join(_t2s(ch) if len(_t2s(ch)) == 1 else ch for ch in mapped)
    return NormalText(original, converted, source)


# Joins the turns of a call for one conversion pass. A private-use character: never in a
# transcript's text in practice, and OpenCC converts no phrase across it.
_SEPARATOR = "\ue000"


def normalise_joined(texts: list[str]) -> str | None:
    """The texts normalised in one mapping and one OpenCC pass, joined by SEPARATOR, so that a
    whole call is scanned at once; `normalise(t).text` is the matching piece. None when some
    character changes length or a text holds the separator: then each text goes its own way.

    Converting a call's turns together saves the per-call overhead of both passes."""
    joined = _SEPARATOR.join(texts)
    if joined.count(_SEPARATOR) != len(texts) - 1:
        return None
    mapped = _map_chars(joined)
    if len(mapped) != len(joined):
        return None
    converted = _t2s(mapped)
    return converted if len(converted) == len(mapped) else None


@dataclass(frozen=True)
class JoinedText:
    """A call's turns normalised together: `text` is the normalised turns joined by SEPARATOR
    (as long as the original join), `compact` the same without ignorable characters, and
    `positions[i]` the index in `text` of compact character i."""

    text: str
    compact: str
    positions: "Sequence[int]"
    # The vectorised path also keeps `compact` as UTF-16-LE bytes when every character is in the
    # BMP (what the automaton scans: one character = 2 bytes), and the original text's code points
    # (for per-character counts).
    compact_utf16: bytes | None = None
    codes: object = None  # numpy array (uint16 units, or uint32 code points) of SEPARATOR.join(originals)
    blocks: bytes | None = None  # 1 where `text` holds a character of jieba's blocks (`segment.BlockMask`)


def normalise_call(texts: list[str], vectorised: bool = False) -> JoinedText | None:
    """The turns of a call normalised in one pass (see `normalise_joined`); None when some
    character changes length or a text holds the separator.

    `vectorised` does the character mapping and the compaction with numpy table look-ups, ~3x
    faster on a whole call than the regexes; the audit uses it. The script lint leaves it off so
    that a pre-commit hook never imports numpy. Both give the same result (tested)."""
    if vectorised:
        return _normalise_call_numpy(texts)
    text = normalise_joined(texts)
    if text is None:
        return None
    positions = compact_positions(text)
    return JoinedText(text, "".join(text[i] for i in positions), positions)


def compact_positions(text: str) -> list[int]:
    """Index in `text` of each character the compact view keeps (`compact_of`)."""
    ignorable = _ignorable_set()
    if text and max(text) > "\uffff":
        return [i for i, ch in enumerate(text) if ch not in ignorable and not (ch > "\uffff" and _ignorable_astral(ch))]
    return [i for i, ch in enumerate(text) if ch not in ignorable]


def _normalise_call_numpy(texts: list[str]) -> JoinedText | None:
    import numpy as np

    joined = _SEPARATOR.join(texts)
    if joined.count(_SEPARATOR) != len(texts) - 1:
        return None
    mapping16, mapping, ignorable = _numpy_tables()
    # The common case, every character in the BMP and none that NFKC lengthens, in UTF-16 code
    # units (half the memory traffic); a surrogate or a lengthening character maps to 0xFFFF
    # there and sends the call to the general path below.
    units = np.frombuffer(joined.encode("utf-16-le"), dtype=np.uint16)
    mapped_units = mapping16.take(units)
    if not units.size or int(mapped_units.max()) != 0xFFFF:
        mapped = mapped_units.tobytes().decode("utf-16-le")
        converted = _t2s_where_needed(mapped, mapped_units)
        if len(converted) != len(mapped):
            return None
        if converted != mapped:
            mapped_units = np.frombuffer(converted.encode("utf-16-le"), dtype=np.uint16)
            if (
                int(mapped_units.max(initial=0)) >= 0xD800
                and ((mapped_units >= 0xD800) & (mapped_units < 0xE000)).any()
            ):
                return _normalise_call_general(joined, converted)  # OpenCC left the BMP
        keep = ~ignorable.take(mapped_units)
        compact_units = mapped_units[keep].tobytes()
        return JoinedText(
            converted,
            compact_units.decode("utf-16-le"),
            _as_positions(np.flatnonzero(keep)),
            compact_units,
            units,
            block_table().take(mapped_units).tobytes(),
        )
    return _normalise_call_general(joined)


def _as_positions(indices: object) -> Sequence[int]:
    """A numpy array of indices as `JoinedText.positions`: it serves as the sequence (indexing and
    `len`), and `match` also reads it as the array it is on the vectorised paths."""
    return cast("Sequence[int]", indices)


def _normalise_call_general(joined: str, converted: str | None = None) -> JoinedText | None:
    """The vectorised path for a call with characters outside the BMP, or one whose NFKC form is
    longer (then None: the per-text path keeps offsets)."""
    import numpy as np

    _, mapping, ignorable = _numpy_tables()
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    # `mapping` holds NFKC + lower-case for the BMP, and _CHECK for characters that change length
    # and for U+FFFF, where `take(mode="clip")` puts everything outside the BMP.
    mapped_codes = mapping.take(codes, mode="clip")
    if codes.size and int(mapped_codes.max()) == _CHECK:
        outside = codes >= 0xFFFF
        if (mapped_codes[~outside] == _CHECK).any():
            return None  # a character whose NFKC form is longer: the per-text path keeps offsets
        mapped_codes = np.where(outside, codes, mapped_codes)  # outside the BMP nothing is mapped
    mapped = mapped_codes.tobytes().decode("utf-32-le")
    if converted is None:
        converted = _t2s_where_needed(mapped, mapped_codes)
    if len(converted) != len(mapped):
        return None
    if converted != mapped:
        mapped_codes = np.frombuffer(converted.encode("utf-32-le"), dtype=np.uint32)
    # Outside the BMP after mapping and conversion (NFKC and OpenCC may both leave it).
    astral = mapped_codes >= 0xFFFF if mapped_codes.size and int(mapped_codes.max()) >= 0xFFFF else False
    drop = ignorable.take(mapped_codes, mode="clip")  # U+FFFF and beyond: looked up below
    if astral is not False:
        for cp in set(mapped_codes[astral].tolist()):
            drop[mapped_codes == cp] = _ignorable_astral(chr(cp))
    keep = ~drop
    kept = mapped_codes[keep]
    if astral is False:
        units = kept.astype(np.uint16).tobytes()
        return JoinedText(converted, units.decode("utf-16-le"), _as_positions(np.flatnonzero(keep)), units, codes)
    return JoinedText(converted, kept.tobytes().decode("utf-32-le"), _as_positions(np.flatnonzero(keep)), None, codes)


def alnum_counts(joined: JoinedText, offsets: list[int], texts: list[str], starts=None) -> list[int] | None:
    """How many letters and digits (`str.isalnum`) each of `texts` holds, the texts being those
    `joined` was made of from `offsets[0]` on (a call's turns, within a call or a batch). None
    when it cannot be told from the vectorised view (no code points kept, a character outside the
    BMP, an empty last text): count them one by one then. `starts`: `offsets` as a numpy array,
    when the caller has it."""
    codes = joined.codes
    if codes is None or not texts:
        return None
    import numpy as np

    lo, hi = offsets[0], offsets[-1] + len(texts[-1])
    codes = codes[lo:hi]  # type: ignore[index]  # a numpy array, typed object to keep numpy off the import path
    starts = np.asarray(offsets) if starts is None else starts
    if lo:
        starts = starts - lo
    if starts[-1] >= codes.size or (codes.dtype != np.uint16 and int(codes.max()) > 0xFFFF):
        return None
    # Each text's range runs to the next one's start; the separator between them is not alnum,
    # and the ranges are never empty, as `reduceat` needs.
    return np.add.reduceat(_alnum_table().take(codes), starts, dtype=np.int32).tolist()


@functools.lru_cache(maxsize=1)
def _alnum_table():
    import numpy as np

    return np.fromiter((chr(cp).isalnum() for cp in range(0x10000)), dtype=np.uint8, count=0x10000)


_CHECK = 0x110000  # above every code point: "look closer" in the numpy mapping table


@functools.lru_cache(maxsize=1)
def _numpy_tables():
    """BMP tables: NFKC+lower code point (_CHECK where the length changes, or 0xFFFF in the
    UTF-16 one), and ignorable."""
    import numpy as np

    mapping = np.arange(0x10000, dtype=np.uint32)
    mapping[0xD800:0xE000] = _CHECK  # lone surrogates: never on the fast path
    for cp, mapped in _char_table().items():
        mapping[cp] = ord(mapped) if len(mapped) == 1 else _CHECK
    mapping[0xFFFF] = _CHECK
    ignorable = np.zeros(0x10000, dtype=bool)
    ignorable[np.fromiter((ord(ch) for ch in _ignorable_set()), dtype=np.uint32)] = True
    ignorable[0xFFFF] = False  # a noncharacter (not ignorable), and where the clip puts the astral ones
    # A character mapped outside the BMP (seven CJK compatibility ideographs, U+FAD0 → U+22844)
    # does not fit a UTF-16 unit either: "look closer" too.
    mapping16 = np.where(mapping > 0xFFFE, 0xFFFF, mapping).astype(np.uint16)
    return mapping16, mapping, ignorable


def compact_of(text: str) -> str:
    """`text` without spaces, punctuation, symbols and format characters."""
    if text and max(text) > "\uffff":
        return "".join(ch for ch in text if not is_ignorable(ch))
    return _ignorable_regex().sub("", text)


SEPARATOR = _SEPARATOR


def joinable(texts: Sequence[str]) -> bool:
    """Whether `normalise_call` can take `texts` in one piece as far as their characters tell: no
    character whose normalised form is longer (… → ..., ℃ → °c), no lone surrogate, no separator.
    (OpenCC may still convert a phrase to one of another length: rare, and `normalise_call` says.)"""
    search = _unjoinable_regex().search
    return not any(search(t) for t in texts)


@functools.lru_cache(maxsize=1)
def _unjoinable_regex() -> re.Pattern:
    lengthening = [chr(cp) for cp, mapped in _char_table().items() if len(mapped) != 1]
    surrogates = map(chr, range(0xD800, 0xE000))
    return re.compile(_char_class([*lengthening, *surrogates, _SEPARATOR]))


def _map_chars(text: str) -> str:
    """NFKC + lower-case. A regex finds the few characters that change (full-width punctuation,
    capitals); `str.translate` would look up every character."""
    table = _char_table()
    return _mapped_regex().sub(lambda m: table[ord(m.group())], text)


@functools.lru_cache(maxsize=1)
def _mapped_regex() -> re.Pattern:
    return re.compile(_char_class(chr(cp) for cp in _char_table()))


@functools.lru_cache(maxsize=1)
def _ignorable_regex() -> re.Pattern:
    return re.compile(_char_class(_ignorable_set()) + "+")


def _char_class(chars) -> str:
    """A regex character class of `chars`, folded into ranges."""
    cps = sorted(ord(c) for c in chars)
    parts, i = [], 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        first, last = re.escape(chr(cps[i])), re.escape(chr(cps[j]))
        parts.append(first if i == j else f"{first}-{last}")
        i = j + 1
    return "[" + "".join(parts) + "]"


@functools.lru_cache(maxsize=65536)
def normalise_phrase(phrase: str) -> str:
    """The compact normalised form of a phrase or marker, as it is looked up in `compact`."""
    return normalise(phrase).compact


def is_ignorable(ch: str) -> bool:
    return ch in _ignorable_set() or (ch > "\uffff" and _ignorable_astral(ch))


def _ignorable_category(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "PZS" or cat in ("Cc", "Cf")


def _ignorable_astral(ch: str) -> bool:
    # Emoji and other symbols outside the BMP are rare; look them up instead of tabling them.
    return _ignorable_category(ch)


@functools.lru_cache(maxsize=1)
def _char_table() -> dict[int, str]:
    """NFKC + lower-case for every BMP character where that changes it (built once, ~50 ms)."""
    table: dict[int, str] = {}
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        mapped = unicodedata.normalize("NFKC", ch).lower()
        if mapped != ch:
            table[cp] = mapped
    return table


@functools.lru_cache(maxsize=1)
def _ignorable_set() -> frozenset[str]:
    """Characters a phrase match skips: white space, punctuation, symbols, format characters."""
    out = set()
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        if _ignorable_category(ch):
            out.add(ch)
    return frozenset(out)


@functools.lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def _t2s_where_needed(joined: str, units) -> str:
    """`_t2s(joined)` for SEPARATOR-joined text (`units`, numpy: its UTF-16 code units when it is
    all in the BMP, else its code points), converting only the texts that hold a character some
    conversion needs (`t2s_triggers`): the others cannot change, and in simplified Chinese they
    are nearly all of them."""
    table = _trigger_table()
    if table is None:
        return _t2s(joined)
    import numpy as np

    found = table.take(units, mode="clip")  # past the BMP: clipped to U+FFFF, no trigger; looked up below
    if units.size and int(units.max()) > 0xFFFF:
        found |= np.isin(units, _astral_triggers())
    hits = np.flatnonzero(found)
    if not hits.size:
        return joined
    pieces = []
    pos = 0
    i = 0
    while i < hits.size:
        h = int(hits[i])
        start = joined.rfind(_SEPARATOR, 0, h) + 1
        end = joined.find(_SEPARATOR, h)
        end = len(joined) if end < 0 else end
        pieces.append(joined[pos:start])
        pieces.append(_t2s(joined[start:end]))  # no conversion crosses the separator: one text at a time
        pos = end
        i = int(np.searchsorted(hits, end))
    pieces.append(joined[pos:])
    return "".join(pieces)


@functools.lru_cache(maxsize=1)
def _trigger_table():
    """Bool per BMP code point: in `t2s_triggers.trigger_chars()`; None when that is unknown."""
    from .t2s_triggers import trigger_chars

    chars = trigger_chars()
    if chars is None:
        return None
    import numpy as np

    table = np.zeros(0x10000, dtype=bool)
    table[[ord(ch) for ch in chars if ord(ch) < 0x10000]] = True
    return table


@functools.lru_cache(maxsize=1)
def _astral_triggers():
    """The code points of `t2s_triggers.trigger_chars()` past the BMP (rare CJK characters), for
    texts `_trigger_table` cannot look up alone."""
    from .t2s_triggers import trigger_chars

    import numpy as np

    return np.array(sorted(ord(ch) for ch in trigger_chars() or () if ord(ch) > 0xFFFF), dtype=np.uint32)


def _t2s(text: str) -> str:
    if text.isascii():
        return text
    return _converter().convert(text)
