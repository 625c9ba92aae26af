"""Load YAML into plain data while remembering where every value stood in the file.

Scheme errors must point at file:line:col, and PyYAML's plain loader forgets positions and lets a
duplicate key silently overwrite the first. Composing the node tree ourselves keeps both.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

__all__ = ["Located", "SchemeError", "load_located", "Position", "validation_problems"]

Path_ = tuple  # a path into the data: mapping keys and list indexes


@dataclass(frozen=True)
class Position:
    file: str
    line: int  # 1-based
    col: int  # 1-based
    # A scalar value's YAML style (None: plain, "'" or '"': quoted, "|" or ">": block), so that a
    # position inside the value (a token of `fires_when`) can be worked out from its start.
    style: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class SchemeError(Exception):
    """One or more problems in a scheme, each already formatted as `file:line:col: message`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Located:
    """Parsed YAML data plus the position of every path inside it."""

    data: Any
    positions: dict[Path_, Position]
    file: str

    def where(self, path: Path_) -> Position:
        """The position of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, Position(self.file, 1, 1))


def load_located(path: Path | str, text: str | None = None) -> Located:
    """Parse one YAML file; duplicate keys and syntax errors raise SchemeError with a position."""
    name = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SchemeError([f"{name}:1:1: cannot read scheme file: {exc}"]) from exc
    try:
        node = yaml.compose(text, Loader=_COMPOSER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise SchemeError([f"{name}:{line}:{col}: YAML syntax error: {exc.problem}"]) from exc
    shared = False
    if node is not None:
        shared = _check_expansion(node, name)
    positions: dict[Path_, Position] = _Positions(name)
    problems: list[str] = []
    # Without aliases no node is built twice: `_build` lets go of each one once built, so the
    # document is not held twice over (nodes and values) at its end.
    data = _build(node, (), name, positions, problems, release=not shared) if node is not None else None
    if problems:
        raise SchemeError(problems)
    return Located(data, positions, name)


# Aliases (`*name`) are kept, but what they add is bounded: nine levels of nine aliases (a
# "billion laughs" bomb) compose in microseconds, as shared nodes, and would be built into
# hundreds of millions of values. No scheme's aliases come near this; a big scheme written out
# (without aliases) is not bounded here.
MAX_VALUES = 200_000


def _check_expansion(root: yaml.Node, name: str) -> bool:
    """Raise SchemeError when `root`'s aliases, expanded, add more than MAX_VALUES values;
    counted over the shared nodes (each counted once, then its size reused), so in linear time."""
    sizes: dict[int, int] = {}
    reused: list[yaml.Node] = []
    cycles: list[yaml.Node] = []
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        if id(node) in active:  # a node that holds itself (`&a [*a]`)
            cycles.append(node)
            return 1
        known = sizes.get(id(node))
        if known is not None:
            reused.append(node)
            return known
        active.add(id(node))
        n = 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                n += size(key) + size(value)
        elif isinstance(node, yaml.SequenceNode):
            for child in node.value:
                n += size(child)
        active.discard(id(node))
        sizes[id(node)] = n
        return n

    try:
        total = size(root)
    except RecursionError:
        raise SchemeError([f"{name}:1:1: the YAML is nested too deeply"]) from None
    if cycles:
        node = cycles[0]
        raise SchemeError(
            [
                f"{name}:{node.start_mark.line + 1}:{node.start_mark.column + 1}: the YAML value "
                "anchored here holds itself through an alias (`&anchor` … `*anchor`)"
            ]
        )
    if total - len(sizes) > MAX_VALUES:  # the values aliases add: none in a file without them
        anchor = max(reused, key=lambda n: sizes[id(n)], default=root)
        where = f"{name}:{anchor.start_mark.line + 1}:{anchor.start_mark.column + 1}"
        raise SchemeError(
            [
                f"{where}: the YAML expands to {total:,} values, {total - len(sizes):,} of them (more than "
                f"{MAX_VALUES:,}) through its aliases (`&anchor` / `*alias`, the one "
                "anchored here repeats most); write the values out or use `lexicons:`"
            ]
        )
    return bool(reused)


def _build(node: yaml.Node, path: Path_, name: str, positions: dict, problems: list[str], release: bool = False) -> Any:
    positions[path] = Position(name, node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        pairs = node.value
        if release:
            node.value = []
        for key_node, value_node in pairs:
            key = _scalar(key_node)
            if key in out:
                first = positions[path + (key,)]
                problems.append(
                    f"{name}:{key_node.start_mark.line + 1}:{key_node.start_mark.column + 1}: "
                    f"duplicate key {key!r} (first at line {first.line})"
                )
                continue
            out[key] = _build(value_node, path + (key,), name, positions, problems, release)
            # Point key errors (unknown key) at the key itself, value errors at the value.
            positions[path + (key,)] = Position(name, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            positions[path + (key, "__value__")] = Position(
                name,
                value_node.start_mark.line + 1,
                value_node.start_mark.column + 1,
                value_node.style if isinstance(value_node, yaml.ScalarNode) else None,
            )
        return out
    if isinstance(node, yaml.SequenceNode):
        children = node.value
        if release:
            node.value = []
        if isinstance(positions, _Positions) and all(isinstance(c, yaml.ScalarNode) for c in children):
            positions.pack(path, children)  # a phrase list: 8 bytes an item, not a Position and a path
            return [_scalar(child) for child in children]
        out_list = []
        for i, child in enumerate(children):
            out_list.append(_build(child, path + (i,), name, positions, problems, release))
            if release:
                children[i] = None  # built: let it go now (a big scheme's rules, one by one)
        return out_list
    return _scalar(node)


class _Positions(dict):
    """`Located.positions`, with the items of a list of scalars (a phrase list: most of a big
    scheme's values) kept packed, one 64-bit line and column each, instead of a Position and a
    path tuple each (~300 bytes: a 10 MB scheme of 1.5 million phrases held ~450 MB of them).
    Looking one up makes its Position."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.packed: dict[Path_, array] = {}

    def pack(self, path: Path_, nodes: list) -> None:
        self.packed[path] = array("q", [(n.start_mark.line + 1) << 32 | (n.start_mark.column + 1) for n in nodes])

    def _item(self, key):
        if key and isinstance(key[-1], int):
            packed = self.packed.get(key[:-1])
            if packed is not None and 0 <= key[-1] < len(packed):
                v = packed[key[-1]]
                return Position(self.name, v >> 32, v & 0xFFFFFFFF)
        return None

    def __missing__(self, key):
        found = self._item(key)
        if found is None:
            raise KeyError(key)
        return found

    def get(self, key, default=None):
        found = dict.get(self, key)
        if found is None:
            found = self._item(key)
        return default if found is None else found

    def __contains__(self, key) -> bool:
        return dict.__contains__(self, key) or self._item(key) is not None


def _scalar(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value = _CONSTRUCTOR.construct_object(node, deep=True)
        _CONSTRUCTOR.constructed_objects.pop(node, None)  # it would keep every node of every file alive
        return value
    # A mapping or list used as a key is unusual; keep it printable for the error message.
    return yaml.serialize(node).strip()


# Constructing a scalar needs no loader state beyond the resolver tables, so one serves all.
_CONSTRUCTOR = yaml.SafeLoader("")
# libyaml composes the same nodes with the same marks (columns in characters) ~15x faster, which
# matters for `qa-check lint` in a pre-commit hook; the pure-Python parser is the fallback.
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def validation_problems(exc: ValidationError, located: Located, prefix: tuple = ()) -> list[str]:
    problems = []
    for err in exc.errors():
        loc = prefix + tuple(p for p in err["loc"] if not _is_union_tag(p))
        if loc and loc[-1] == 0 and loc not in located.positions and loc[:-1] + ("__value__",) in located.positions:
            loc = loc[:-1]  # a single value written where a list is taken (`regex: '(a'`): the value itself
        if err["type"] == "extra_forbidden":
            pos = located.where(loc)
            msg = f"unknown key {loc[-1]!r}"
        else:
            pos = located.positions.get(loc + ("__value__",)) or located.where(loc)
            field = ".".join(str(p) for p in loc[len(prefix) :]) or "value"
            msg = f"{field}: {_clean(err['msg'])}"
        problems.append(f"{pos}: {msg}")
    return problems


def _is_union_tag(part) -> bool:
    # pydantic names the union member it tried ("str", "PhraseSpec"); that is not a data path.
    return isinstance(part, str) and (part[:1].isupper() or part in {"str", "int", "float", "bool", "list[str]"})


def _clean(msg: str) -> str:
    return msg.removeprefix("Value error, ")
