"""File names made from ids (an agent's coaching page): bounded, and safe on Linux, macOS and
Windows whatever the id holds.

An id is kept as the name when it is already a safe one: letters (Han included), digits, `_`,
`-` and `.`, not starting with `-` (a command would take it for an option) or `.` (hidden), not
ending with `.` or a space (Windows drops them), not a reserved device name of Windows (CON,
PRN, AUX, NUL, COM1–9, LPT1–9, also with an extension: `con.txt`), and at most `MAX_NAME_BYTES`
bytes in UTF-8 (file systems count bytes: 255 on ext4 and APFS; 84 Han characters are 252).
Any other id becomes a readable stand-in, the characters that are not safe replaced by `_` and
cut to fit, plus `-` and 10 hex digits of the id's SHA-256: different ids, different names.

macOS and Windows do not tell `A1.html` from `a1.html`: `unique_filenames` gives the ids of one
report names that differ however letters are cased.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

__all__ = ["MAX_NAME_BYTES", "safe_filename", "hashed_filename", "unique_filenames"]

MAX_NAME_BYTES = 120  # the name without its extension (`.html`, `.md`): far below 255 with any
_UNSAFE = re.compile(r"[^\w.\-]")  # `\w`: letters and digits of any script, and _
_RESERVED = re.compile(r"(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(?:\..*)?", re.IGNORECASE)
_HASH = 10


def safe_filename(ident: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name (without extension) for `ident` (see the module's docstring)."""
    ident = "" if ident is None else str(ident)
    if _is_safe(ident, max_bytes):
        return ident
    readable = _UNSAFE.sub("_", unicodedata.normalize("NFC", ident)).lstrip("-._").rstrip("._")
    return _with_hash(readable, ident, max_bytes)


def hashed_filename(ident: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A safe id's name with its hash: for an id whose plain name another page has taken."""
    return _with_hash(ident, ident, max_bytes)


def unique_filenames(ids: Iterable[str], max_bytes: int = MAX_NAME_BYTES) -> dict[str, str]:
    """`safe_filename` of each id, with a hash added to every name that another id's name
    equals once letters are cased alike (case-insensitive file systems)."""
    names = {i: safe_filename(i, max_bytes) for i in dict.fromkeys(ids)}
    groups: dict[str, list[str]] = {}
    for i, name in names.items():
        groups.setdefault(name.casefold(), []).append(i)
    for members in groups.values():
        if len(members) > 1:
            for i in members:
                if names[i] == i:  # a hashed name is already unique
                    names[i] = _with_hash(i, i, max_bytes)
    return names


def _is_safe(name: str, max_bytes: int) -> bool:
    return (
        bool(name)
        and not _UNSAFE.search(name)
        and name[0] not in "-."
        and name[-1] != "."
        and not _RESERVED.fullmatch(name)
        and unicodedata.is_normalized("NFC", name)  # macOS would store another spelling
        and len(name.encode("utf-8")) <= max_bytes
    )


def _with_hash(readable: str, ident: str, max_bytes: int) -> str:
    digest = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH]
    room = max_bytes - _HASH - 1
    encoded = readable.encode("utf-8")
    if len(encoded) > room:
        readable = encoded[:room].decode("utf-8", "ignore")  # never half a character
    readable = readable.replace(".", "_").rstrip("_ ")  # no `con.` stem (Windows), no extension-like part
    return f"{readable}-{digest}" if readable else f"_{digest}"
