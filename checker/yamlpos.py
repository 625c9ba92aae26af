"""Load YAML into plain data while remembering where every value stood in the file.

Scheme errors must point at file:line:col, and PyYAML's plain loader forgets positions and lets a
duplicate key silently overwrite the first. Composing the node tree ourselves keeps both.
"""
from __future__ import annotations

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
    positions: dict[Path_, Position] = {}
    problems: list[str] = []
    data = _build(node, (), name, positions, problems) if node is not None else None
    if problems:
        raise SchemeError(problems)
    return Located(data, positions, name)


def _build(node: yaml.Node, path: Path_, name: str, positions: dict, problems: list[str]) -> Any:
    positions[path] = Position(name, node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if key in out:
                first = positions[path + (key,)]
                problems.append(
                    f"{name}:{key_node.start_mark.line + 1}:{key_node.start_mark.column + 1}: "
                    f"duplicate key {key!r} (first at line {first.line})"
                )
                continue
            out[key] = _build(value_node, path + (key,), name, positions, problems)
            # Point key errors (unknown key) at the key itself, value errors at the value.
            positions[path + (key,)] = Position(
                name, key_node.start_mark.line + 1, key_node.start_mark.column + 1
            )
            positions[path + (key, "__value__")] = Position(
                name, value_node.start_mark.line + 1, value_node.start_mark.column + 1,
                value_node.style if isinstance(value_node, yaml.ScalarNode) else None,
            )
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, path + (i,), name, positions, problems) for i, child in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return _CONSTRUCTOR.construct_object(node, deep=True)
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
        if err["type"] == "extra_forbidden":
            pos = located.where(loc)
            msg = f"unknown key {loc[-1]!r}"
        else:
            pos = located.positions.get(loc + ("__value__",)) or located.where(loc)
            field = ".".join(str(p) for p in loc[len(prefix):]) or "value"
            msg = f"{field}: {_clean(err['msg'])}"
        problems.append(f"{pos}: {msg}")
    return problems


def _is_union_tag(part) -> bool:
    # pydantic names the union member it tried ("str", "PhraseSpec"); that is not a data path.
    return isinstance(part, str) and (part[:1].isupper() or part in {"str", "int", "float", "bool", "list[str]"})


def _clean(msg: str) -> str:
    return msg.removeprefix("Value error, ")
