"""Read a call-script file (Markdown, plain text, YAML) into the lines the lint checks.

Every piece of text an agent would read becomes a `ScriptLine`: its text and where its first
character stands in the file (1-based line and character column), so a finding in it maps back
to `path:line:col`.

* **Markdown / plain text**: every non-blank line. HTML comments (`<!-- … -->`) are not shown to
  a reader and are not linted; fenced code blocks are (an agent reads them too). Optional front
  matter between `---` lines at the top is YAML: its `stage:` opts the file into required rules,
  its other keys are the script's fields (e.g. `direction: outbound` for `when_meta`), and its
  string values are linted like any YAML value.
* **YAML**: only string values are linted, each with its own line and column (keys, numbers and
  booleans are not). A block scalar (`|`, `>`) gives one line per content line; a quoted string
  maps every character back to the file, escapes included. A mapping with a `stage:` key is one
  script that required rules judge as a whole; its scalar keys are its fields.

Directives (`qa-check: disable=…`, see `suppress`) are masked out of the linted text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .suppress import mask_directives

__all__ = [
    "ScriptLine",
    "Script",
    "ScriptFile",
    "ScriptError",
    "read_script",
    "parse_script",
    "script_format",
    "SCRIPT_SUFFIXES",
    "STAGE_KEY",
]

STAGE_KEY = "stage"
_FORMATS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdown": "markdown",
    ".mkd": "markdown",
    ".txt": "text",
    ".text": "text",
    ".yaml": "yaml",
    ".yml": "yaml",
}
SCRIPT_SUFFIXES = frozenset(_FORMATS)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_YAML_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # what PyYAML counts as a new line
_STR_TAG = "tag:yaml.org,2002:str"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: same marks, ~15x faster


class ScriptError(ValueError):
    """A script file that cannot be read (bad encoding, YAML syntax, a malformed `stage:`)."""

    def __init__(self, reason: str, line: int = 1, col: int = 1):
        super().__init__(reason)
        self.line = line
        self.col = col


@dataclass(frozen=True)
class ScriptLine:
    """A piece of script text and where it stands: `line` and `col` are 1-based, in characters."""

    text: str
    line: int
    col: int = 1
    cols: tuple[int, ...] | None = None  # the column of each character, when not contiguous

    def column(self, offset: int) -> int:
        """The file column of `text[offset]` (offset == len(text): just after the last one)."""
        if self.cols is None:
            return self.col + offset
        if offset < len(self.cols):
            return self.cols[offset]
        return self.cols[-1] + 1 if self.cols else self.col


@dataclass(frozen=True)
class Script:
    """What a required rule judges as a whole: a Markdown/text file, or a YAML mapping with `stage:`."""

    lines: tuple[ScriptLine, ...]
    stages: tuple[str, ...] = ()
    fields: dict[str, Any] = field(default_factory=dict)
    anchor: tuple[int, int] = (1, 1)  # where the script opts in (its `stage:` key): missing-phrase findings point here


@dataclass(frozen=True)
class ScriptFile:
    path: str
    format: str  # "markdown" | "text" | "yaml"
    scripts: tuple[Script, ...]
    source_lines: tuple[str, ...]  # the file's lines as written, for suppression directives

    @property
    def lines(self) -> list[ScriptLine]:
        return [line for s in self.scripts for line in s.lines]


def script_format(path: Path | str) -> str:
    """`markdown`, `yaml` or `text` by suffix; anything else is read as plain text."""
    return _FORMATS.get(Path(path).suffix.lower(), "text")


def read_script(path: Path | str, display: str | None = None) -> ScriptFile:
    """Read one script file; raises OSError when it cannot be opened, ScriptError when it cannot be parsed."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScriptError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", line) from None
    return parse_script(text, display or str(path), script_format(path))


def parse_script(text: str, path: str = "<script>", fmt: str = "markdown") -> ScriptFile:
    """A script file from its text."""
    if fmt == "yaml":
        lines = _YAML_LINE_BREAK.split(text)
        scripts = _YamlScripts(lines, 0).read(text)
        return ScriptFile(path, fmt, tuple(s for s in scripts if s.lines or s.stages), tuple(lines))
    lines = _LINE_BREAK.split(text)
    top = Script(lines=())
    body_from = 0
    if lines and lines[0].rstrip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
        if end is None:
            raise ScriptError("front matter opened with `---` is never closed", 1)
        # Front matter describes the file as a whole: its stage, fields and strings are the file's.
        front = _YamlScripts(lines[1:end], line_offset=1).read("\n".join(lines[1:end]))
        staged = [s for s in front if s.stages]
        top = Script(
            lines=tuple(line for s in front for line in s.lines),
            stages=tuple(dict.fromkeys(stage for s in staged for stage in s.stages)),
            fields={k: v for s in front for k, v in s.fields.items()},
            anchor=staged[0].anchor if staged else (1, 1),
        )
        body_from = end + 1
    body = _markdown_lines(lines, body_from) if fmt == "markdown" else _text_lines(lines, body_from)
    script = Script(lines=top.lines + tuple(body), stages=top.stages, fields=top.fields, anchor=top.anchor)
    return ScriptFile(path, fmt, (script,) if script.lines or script.stages else (), tuple(lines))


def _text_lines(lines: list[str], start: int) -> list[ScriptLine]:
    out = []
    for i in range(start, len(lines)):
        text = mask_directives(lines[i]).rstrip()
        if text.strip():
            out.append(ScriptLine(text, i + 1))
    return out


_COMMENT_OPEN, _COMMENT_CLOSE = "<!--", "-->"


def _markdown_lines(lines: list[str], start: int) -> list[ScriptLine]:
    """Like plain text, with HTML comments blanked (same length, so columns hold)."""
    out = []
    in_comment = False
    for i in range(start, len(lines)):
        text, pos, chars = lines[i], 0, list(lines[i])
        while pos < len(text):
            if in_comment:
                close = text.find(_COMMENT_CLOSE, pos)
                stop = len(text) if close < 0 else close + len(_COMMENT_CLOSE)
                chars[pos:stop] = " " * (stop - pos)
                in_comment = close < 0
                pos = stop
            else:
                opened = text.find(_COMMENT_OPEN, pos)
                if opened < 0:
                    break
                in_comment, pos = True, opened
        masked = mask_directives("".join(chars)).rstrip()
        if masked.strip():
            out.append(ScriptLine(masked, i + 1))
    return out


@dataclass
class _Unit:
    stages: tuple[str, ...] = ()
    fields: dict[str, Any] = field(default_factory=dict)
    anchor: tuple[int, int] = (1, 1)
    lines: list[ScriptLine] = field(default_factory=list)

    def freeze(self) -> Script:
        return Script(tuple(self.lines), self.stages, dict(self.fields), self.anchor)


class _YamlScripts:
    """Walk a composed YAML node tree: every string value to ScriptLines, `stage:` mappings to Scripts."""

    def __init__(self, lines: list[str], line_offset: int):
        self.lines = lines
        self.offset = line_offset  # file line of the YAML text's first line, minus one
        self.units: list[_Unit] = []
        self._seen: set[int] = set()  # aliases point at nodes already read

    def read(self, text: str) -> list[Script]:
        """The scripts: first the file-level one (root fields and strings outside any `stage:`)."""
        try:
            documents = list(yaml.compose_all(text, Loader=_Loader))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1 + self.offset, mark.column + 1) if mark else (1 + self.offset, 1)
            raise ScriptError(f"YAML syntax error: {exc.problem or exc.context}", line, col) from None
        except yaml.YAMLError as exc:
            raise ScriptError(f"YAML error: {exc}", 1 + self.offset) from None
        top = _Unit()
        self.units = [top]
        for root in documents:
            if root is None:
                continue
            if isinstance(root, yaml.MappingNode):
                top.fields.update(self._fields(root))
            self._walk(root, top)
        return [u.freeze() for u in self.units]

    def _walk(self, node: yaml.Node, unit: _Unit) -> None:
        if id(node) in self._seen:
            return
        self._seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stage = next((v for k, v in node.value if self._is_stage_key(k)), None)
            if stage is not None:
                key = next(k for k, v in node.value if v is stage)
                unit = _Unit(
                    stages=self._stages(stage),
                    fields={**unit.fields, **self._fields(node)},
                    anchor=(key.start_mark.line + 1 + self.offset, key.start_mark.column + 1),
                )
                self.units.append(unit)
            for key, value in node.value:
                if value is not stage:
                    self._walk(value, unit)  # keys are not linted
        elif isinstance(node, yaml.SequenceNode):
            for child in node.value:
                self._walk(child, unit)
        elif isinstance(node, yaml.ScalarNode) and node.tag == _STR_TAG:
            unit.lines.extend(self._scalar_lines(node))

    @staticmethod
    def _is_stage_key(node: yaml.Node) -> bool:
        return isinstance(node, yaml.ScalarNode) and node.value == STAGE_KEY

    def _stages(self, node: yaml.Node) -> tuple[str, ...]:
        if isinstance(node, yaml.ScalarNode) and node.value.strip():
            return (node.value.strip(),)
        if (
            isinstance(node, yaml.SequenceNode)
            and node.value
            and all(isinstance(c, yaml.ScalarNode) and c.value.strip() for c in node.value)
        ):
            return tuple(c.value.strip() for c in node.value)
        raise ScriptError(
            "`stage` must be a stage name or a list of them, e.g. `stage: opening`",
            node.start_mark.line + 1 + self.offset,
            node.start_mark.column + 1,
        )

    @staticmethod
    def _fields(node: yaml.MappingNode) -> dict[str, Any]:
        """A mapping's scalar keys other than `stage`: what `when_meta` compares."""
        return {
            k.value: v.value
            for k, v in node.value
            if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode) and k.value != STAGE_KEY
        }

    def _line(self, index: int) -> str:
        return self.lines[index] if 0 <= index < len(self.lines) else ""

    def _scalar_lines(self, node: yaml.ScalarNode) -> list[ScriptLine]:
        style = node.style or ""
        start, end = node.start_mark, node.end_mark
        if style in ("|", ">"):
            return self._block_lines(start.line, end.line if end.column > 0 else end.line - 1)
        first_col, last_col = start.column, end.column
        if style in ('"', "'"):
            first_col, last_col = first_col + 1, last_col - 1  # inside the quotes
        out = []
        for index in range(start.line, end.line + 1):
            text = self._line(index)
            a = first_col if index == start.line else 0
            b = last_col if index == end.line else len(text)
            piece = text[a:b]
            lead = len(piece) - len(piece.lstrip())
            piece = piece.strip()
            if not piece:
                continue
            col = a + lead + 1
            cols = None
            if style == '"' and "\\" in piece:
                piece, cols = _decode_escapes(piece, col)
            piece = mask_directives(piece)
            if piece.strip():
                out.append(ScriptLine(piece, index + 1 + self.offset, col, cols))
        return out

    def _block_lines(self, header: int, last: int) -> list[ScriptLine]:
        """Content lines of a `|` or `>` block whose indicator stands on line `header`."""
        out = []
        indent = None
        for index in range(header + 1, last + 1):
            text = self._line(index)
            body = text.lstrip(" ")
            if not body.strip():
                continue
            lead = len(text) - len(body)
            if indent is None:
                indent = lead
            elif lead < indent:
                break  # past the block (defensive: the end mark already stops there)
            masked = mask_directives(body).rstrip()
            if masked.strip():
                out.append(ScriptLine(masked, index + 1 + self.offset, lead + 1))
        return out


_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


def _decode_escapes(piece: str, col: int) -> tuple[str, tuple[int, ...]]:
    """A double-quoted piece with its escapes decoded, and the file column of every character."""
    chars: list[str] = []
    cols: list[int] = []
    i = 0
    while i < len(piece):
        c = piece[i]
        if c == "\\" and i + 1 < len(piece):
            e = piece[i + 1]
            if e in _ESCAPES:
                chars.append(_ESCAPES[e])
                cols.append(col + i)
                i += 2
                continue
            width = _HEX_ESCAPES.get(e)
            if width:
                try:
                    chars.append(chr(int(piece[i + 2 : i + 2 + width], 16)))
                except ValueError:
                    pass
                else:
                    cols.append(col + i)
                    i += 2 + width
                    continue
        elif c == "\\":
            break  # an escaped line break: the string goes on on the next line
        chars.append(c)
        cols.append(col + i)
        i += 1
    return "".join(chars), tuple(cols)
