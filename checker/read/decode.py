"""Text encodings of transcript files: which one a file is in, and its text.

Call-centre exports come in UTF-8 (with or without a byte-order mark), in GB18030/GBK (what Excel
and most desktop tools on Chinese Windows write) and now and then in UTF-16 with a BOM (Excel's
"Unicode text"). Each file is decided on its own bytes:

1. a byte-order mark says UTF-8 or UTF-16 outright;
2. otherwise a file that is valid UTF-8 is UTF-8;
3. otherwise a file whose undecodable bytes, read as UTF-8, are fewer than a quarter of the
   characters it decodes to beyond ASCII is UTF-8 with a few damaged bytes (GBK read as UTF-8 is
   mostly damage: its lead bytes are followed by bytes UTF-8 forbids there);
4. otherwise whichever of UTF-8 and GB18030 leaves fewer bytes it cannot decode wins, UTF-8 on a
   tie (UTF-8 Chinese read as GB18030 breaks wherever a character's three bytes fall out of step
   with a comma or a line end).

The alternative measured, charset-normalizer, guesses among ~90 encodings from character
statistics; on short GBK files it names the Korean cp949 or Big5 about as often as GB18030, and
one bad byte in a UTF-8 or GBK file makes it give up or pick a code page that garbles the whole
file (`benchmarks/text_encodings.py`, docs/design.md).

A byte the chosen encoding cannot decode is kept in the text as a lone surrogate (U+DC80–U+DCFF,
Python's "surrogateescape"), so that the reader can reject just the record it falls in
(`bad_byte`) and read the rest.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

__all__ = [
    "Decoded",
    "decode_bytes",
    "read_decoded",
    "open_decoded",
    "bad_byte",
    "find_bad_byte",
    "has_bad_byte",
    "detect_encoding",
    "LOG",
]

LOG = logging.getLogger("checker.read")  # "x.csv: read as GB18030" (the CLI shows these on stderr)

UTF8, UTF8_BOM, GB18030, UTF16_BOM = "UTF-8", "UTF-8 (BOM)", "GB18030", "UTF-16 (BOM)"
_CODECS = {UTF8: "utf-8", UTF8_BOM: "utf-8-sig", GB18030: "gb18030", UTF16_BOM: "utf-16"}
_ESCAPE = "surrogateescape"


@dataclass(frozen=True)
class Decoded:
    text: str  # undecodable bytes kept as U+DC80–U+DCFF (see `bad_byte`)
    encoding: str  # UTF8, UTF8_BOM, GB18030 or UTF16_BOM: what messages and the log say


def detect_encoding(data: bytes) -> str:
    """The encoding of `data` (one of UTF8, UTF8_BOM, GB18030, UTF16_BOM); see the module doc."""
    if data.startswith(codecs.BOM_UTF8):
        return UTF8_BOM
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return UTF16_BOM
    try:
        data.decode("utf-8")
        return UTF8
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            return UTF8  # a sample cut inside a character (`read_decoded` reads a prefix of big files)
    as_utf8 = data.decode("utf-8", _ESCAPE)
    utf8_bad = len(_BAD.findall(as_utf8))
    if utf8_bad * 4 <= len(_WIDE.findall(as_utf8)):
        return UTF8  # a few damaged bytes among many good characters (GBK read as UTF-8 is mostly damage)
    return GB18030 if _undecodable(data, "gb18030") < utf8_bad else UTF8


def decode_bytes(data: bytes, encoding: str | None = None) -> Decoded:
    encoding = encoding or detect_encoding(data)
    return Decoded(data.decode(_CODECS[encoding], _ESCAPE), encoding)


def read_decoded(path: Path) -> Decoded:
    """The text of a whole file, in the encoding its bytes say; the choice is logged."""
    decoded = decode_bytes(path.read_bytes())
    log_encoding(path, decoded.encoding)
    return decoded


def open_decoded(path: Path) -> tuple[TextIO, str]:
    """The file open as text (undecodable bytes kept as in `decode_bytes`), and its encoding,
    told from its first megabyte and logged: for files read as a stream, never whole."""
    with path.open("rb") as fh:
        encoding = detect_encoding(fh.read(SAMPLE))
    log_encoding(path, encoding)
    return path.open(encoding=_CODECS[encoding], errors=_ESCAPE, newline=""), encoding


SAMPLE = 1 << 20  # what `open_decoded` looks at: enough text for the counts to be clear


def log_encoding(path: Path | str, encoding: str) -> None:
    # Plain UTF-8 is what nearly every file is: said only when asked for (DEBUG).
    LOG.log(logging.DEBUG if encoding == UTF8 else logging.INFO, "%s: read as %s", path, encoding)


def codec(encoding: str) -> str:
    """Python's codec name for one of our encoding names."""
    return _CODECS[encoding]


def bad_byte(text: str, encoding: str) -> str | None:
    """Why `text` cannot be used when it holds a byte its file's encoding could not decode (None
    when it holds none): "undecodable byte 0xCD at column 7 (the file reads as GB18030)"."""
    found = find_bad_byte(text, encoding)
    return found[1] if found else None


def find_bad_byte(text: str, encoding: str, start: int = 0, end: int | None = None) -> tuple[int, str] | None:
    """The first undecodable byte in `text[start:end]`: its 1-based line in `text`, and why."""
    m = _BAD.search(text, start, len(text) if end is None else end)
    if m is None:
        return None
    i = m.start()
    line = text.count("\n", 0, i) + 1
    column = i - text.rfind("\n", 0, i)
    return line, f"undecodable byte 0x{ord(text[i]) - 0xDC00:02X} at column {column} (the file reads as {encoding})"


def has_bad_byte(text: str) -> bool:
    """Quick test before `bad_byte`: any lone surrogate at all (encoding to UTF-8 fails on one)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _undecodable(data: bytes, name: str) -> int:
    return len(_BAD.findall(data.decode(name, _ESCAPE)))


_BAD = re.compile("[\udc80-\udcff]")  # what "surrogateescape" makes of an undecodable byte
_WIDE = re.compile("[\u0080-\udc7f\udd00-\U0010ffff]")  # a character of 2 or more UTF-8 bytes
