"""Native JSON (one call or a list of calls) and JSON Lines (one call a line).

A record that is an ASR vendor result (Alibaba, Tencent, iFlytek) rather than a native call is
handed to `asr`; `asr.detect_vendor` is the one place that tells them apart, by content.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import orjson
from pathlib import Path
from typing import NamedTuple

from ..model import Call, InputError
from .asr import asr_call, detect_vendor, sentence_list_vendor
from .decode import (
    SAMPLE,
    UTF8,
    UTF8_BOM,
    bad_byte,
    codec,
    detect_encoding,
    find_bad_byte,
    has_bad_byte,
    log_encoding,
    read_decoded,
)
from .records import build_call
from .roles import RecordError, RoleMap

__all__ = ["read_json", "read_jsonl", "read_jsonl_raw", "RawLine", "parse_raw_line"]

_fast_loads = orjson.loads  # ~1.5x the standard parser on a call record; same values


class RawLine(NamedTuple):
    """One unparsed line of a JSON Lines file: what `audit --jobs N` hands a worker to parse."""

    source: str
    line: int
    text: bytes | str  # the line as in the file (UTF-8), or as text for another encoding; no BOM


def read_jsonl(path: Path, roles: RoleMap) -> Iterator[Call | InputError]:
    for raw in read_jsonl_raw(path, roles):
        yield raw if isinstance(raw, InputError) else parse_raw_line(raw, roles)


def read_jsonl_raw(path: Path, roles: RoleMap) -> Iterator[RawLine | InputError]:
    """The non-blank lines of a JSON Lines file, unparsed; `parse_raw_line` makes each a call.

    A UTF-8 file (nearly all) is read as bytes: orjson parses UTF-8 directly, so a line is never
    decoded twice, and a line that is not UTF-8 is rejected on its own (file and line) while the
    rest of the file is read. The encoding is told from the file's first megabyte (a JSON Lines
    file may be far too big to read twice); a GB18030 or UTF-16 file is read as text, and a line
    holding a byte that encoding cannot decode is rejected on its own (an InputError here)."""
    with path.open("rb") as fh:
        encoding = detect_encoding(fh.read(SAMPLE))
    log_encoding(path, encoding)
    if encoding not in (UTF8, UTF8_BOM):
        yield from _text_lines(path, encoding)
        return
    source = str(path)
    lineno = 0
    with path.open("rb", buffering=1 << 20) as fh:  # records are kilobytes: a big buffer, fewer refills
        for chunk in fh:
            if lineno == 0 and chunk.startswith(_BOM):
                chunk = chunk[len(_BOM) :]
            # Lines end at \n, \r\n or a bare \r, as in a file read as text; binary reading
            # only splits at \n.
            bare_cr = chunk.find(b"\r", 0, len(chunk) - 2) != -1 or chunk.endswith(b"\r")
            pieces = chunk.splitlines(keepends=True) if bare_cr else (chunk,)
            for line in pieces:
                lineno += 1
                if not _blank(line):
                    yield RawLine(source, lineno, line)


_BOM = b"\xef\xbb\xbf"


def _text_lines(path: Path, encoding: str) -> Iterator[RawLine | InputError]:
    source = str(path)
    with path.open(encoding=codec(encoding), errors="surrogateescape", newline=None) as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            if has_bad_byte(line):
                yield InputError(source, lineno, bad_byte(line, encoding) or "undecodable byte")
            else:
                yield RawLine(source, lineno, line)


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _blank(line: bytes) -> bool:
    """Nothing but white space, Unicode's included (U+3000, U+00A0), as `str.strip` sees it."""
    if line[:1] == b"{":  # a record: the common case, decided on its first byte
        return False
    if line.isspace() or not line:
        return True
    try:
        return not line.decode("utf-8").strip()
    except UnicodeDecodeError:
        return False  # not text: reported by the parser, with its line


def parse_raw_line(raw: RawLine, roles: RoleMap) -> Call | InputError:
    try:
        record = _fast_loads(raw.text)
    except ValueError:
        # orjson is stricter (NaN, integers past 64 bits, lone surrogates) and words its errors its
        # own way: the standard parser decides, so what is read and what is said stay the same.
        try:
            text = raw.text.decode("utf-8") if isinstance(raw.text, bytes) else raw.text
        except UnicodeDecodeError as exc:
            return InputError(raw.source, raw.line, f"not UTF-8 text at byte {exc.start + 1} of the line")
        try:
            record = json.loads(text)
        except json.JSONDecodeError as first:
            # Parsed again without its line ending, so that a line cut short breaks at its end.
            error = first
            try:
                json.loads(text.rstrip("\r\n"))
            except json.JSONDecodeError as again:
                error = again
            return InputError(raw.source, raw.line, _broken(error, text.rstrip("\r\n"))[1])
        problem = _unpaired_surrogate(text, record)
        if problem:
            return InputError(raw.source, raw.line, problem)
    return _call(record, roles, raw.source, raw.line)


def _unpaired_surrogate(text: str, record) -> str | None:
    """What the standard parser lets through and no text can hold: a "\\ud800" escape with no
    partner. (orjson refuses it, so only records that came the slow way are looked at; and only
    when the JSON text holds a surrogate escape at all, since nothing else makes one.)"""
    if not _SURROGATE_ESCAPE.search(text):
        return None
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"text holds an unpaired surrogate U+{ord(exc.object[exc.start]):04X} (an escape that is not a character)"
        )
    except (TypeError, ValueError):
        return None
    return None


def read_json(path: Path, roles: RoleMap) -> Iterator[Call | InputError]:
    decoded = read_decoded(path)
    text = decoded.text
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield InputError(str(path), *_broken(exc, text))
        return
    bad = has_bad_byte(text)
    if not bad:
        problem = _unpaired_surrogate(text, data)
        if problem:
            yield InputError(str(path), None, problem)
            return
    if isinstance(data, dict) and "calls" in data and "turns" not in data:
        data = data["calls"]  # {"calls": [...]} wrapper
    if isinstance(data, list) and sentence_list_vendor(data) is None:
        lines = _element_lines(text)
        offsets = _line_offsets(text) if bad else []
        for i, record in enumerate(data):
            line = lines[i] if i < len(lines) else None
            if bad and line is not None:  # a byte the file's encoding cannot decode rejects its record
                end = offsets[lines[i + 1] - 1] if i + 1 < len(lines) else None
                found = find_bad_byte(text, decoded.encoding, offsets[line - 1], end)
                if found is not None:
                    call_id = record.get("call_id") if isinstance(record, dict) else None
                    yield InputError(str(path), found[0], found[1], call_id=None if call_id is None else str(call_id))
                    continue
            yield _call(record, roles, path, line)
    else:
        found = find_bad_byte(text, decoded.encoding) if bad else None
        if found is not None:
            yield InputError(str(path), found[0], found[1], call_id=path.stem)
            return
        yield _call(data, roles, path, 1, default_id=path.stem, text=text)


def _broken(exc: json.JSONDecodeError, text: str) -> tuple[int, str]:
    """(line, message) for JSON that does not parse. When the text ends before the JSON does (a
    file or line cut short), say so at the end of the text rather than past it."""
    end = len(text.rstrip())
    msg = _TRAILING_AT.sub("", exc.msg)  # "Unterminated string starting at" names no place itself
    if exc.pos >= end:
        line = text.count("\n", 0, end) + 1
        column = end - text.rfind("\n", 0, end)
        return line, f"broken JSON at column {column}: {msg}{_CUT_SHORT}"
    cut = _CUT_SHORT if msg == "Unterminated string" and "\n" not in text[exc.pos : end] else ""
    return exc.lineno, f"broken JSON at column {exc.colno}: {msg}{cut}"


_TRAILING_AT = re.compile(r"\s+(?:starting\s+)?at$")
_CUT_SHORT = " (the text ends before the JSON does: cut short?)"


def _line_offsets(text: str) -> list[int]:
    """Where each line of `text` starts (line n at index n - 1)."""
    return [0, *(m.end() for m in re.finditer("\n", text))]


def _call(
    record, roles: RoleMap, path: Path | str, line: int | None, default_id: str | None = None, text: str | None = None
) -> Call | InputError:
    try:
        vendor = detect_vendor(record)
        if vendor is not None:
            return asr_call(record, vendor, roles, str(path), line, default_id, text)
        if isinstance(record, dict) and "turns" not in record and default_id is not None:
            raise RecordError(
                "call record has no turns, and it is not an ASR result this checker reads either "
                "(Alibaba `Sentences`, Tencent `ResultDetail`, iFlytek `orderResult`)",
                line,
            )
        return build_call(record, roles, str(path), line, default_id)
    except RecordError as exc:
        call_id = record.get("call_id") if isinstance(record, dict) else None
        return InputError(str(path), exc.line or line, str(exc), call_id=str(call_id) if call_id is not None else None)


def _element_lines(text: str) -> list[int]:
    """The 1-based line where each element of a top-level JSON array starts."""
    decoder = json.JSONDecoder()
    lines: list[int] = []
    i = text.index("[") + 1
    n = len(text)
    line, counted = 1, 0
    while i < n:
        while i < n and text[i] in " \t\r\n,":
            i += 1
        if i >= n or text[i] == "]":
            break
        line += text.count("\n", counted, i)
        counted = i
        lines.append(line)
        _, i = decoder.raw_decode(text, i)
    return lines
