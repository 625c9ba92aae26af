"""Load a scheme (one YAML file, or a folder of them), check all of it, compile it once.

Every problem is collected and reported as `file:line:col: message` before any transcript is
read: unknown keys and kinds, wrong types, duplicate ids, bad regexes, unknown lexicons and
dialects, phrases with nothing left to match.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union

from pydantic import Field, ValidationError

from .dialects import SHIPPED_LEXICONS, DialectLibrary, LexiconExtension
from .match import PhraseBook
from .plan import Plan
from .read.roles import RoleMap
from .rules import KINDS, CompileContext, Rule
from .rules.schema import PhraseItem, RuleConfig, Strict
from .rules.dialect import compile_dialect
from .segment import SEGMENTERS
from .yamlpos import validation_problems, Located, SchemeError, load_located

__all__ = ["Scheme", "Scoring", "load_scheme", "load_scheme_text"]


class SectionScoring(Strict):
    max_deduct: float | None = Field(None, ge=0)


class Scoring(Strict):
    full: float = Field(default=100, gt=0)
    pass_: float = Field(default=85, alias="pass", ge=0)
    sections: dict[str, SectionScoring] = Field(default_factory=dict)


class AsrOptions(Strict):
    """How ASR vendor results map to roles: the 0-based channel/speaker index of the agent."""

    agent_channel: int = Field(default=0, ge=0)


# The columns a table transcript (CSV, xlsx, Parquet) can map from its own headers (`columns:`).
ColumnName = Literal[
    "call_id", "agent_id", "agent_name", "team", "started_at", "direction", "speaker", "text", "start", "end", "turns"
]


class SchemeFile(Strict):
    scheme: str | None = None
    title: str | None = None
    description: str | None = None
    scoring: Scoring | None = None
    roles: dict[str, list[str]] = Field(default_factory=dict)
    lexicons: dict[str, list[PhraseItem]] = Field(default_factory=dict)
    dialect_lexicons: dict[str, LexiconExtension] = Field(default_factory=dict)
    segmenter: str | None = None
    asr: AsrOptions | None = None
    # Table headers for our columns, beyond the Chinese ones known already: {call_id: 录音编号}
    # (or a list of headers, when several exports are read).
    columns: dict[ColumnName, Union[str, list[str]]] = Field(default_factory=dict)
    rules: list[dict[str, Any]] = Field(default_factory=list)


@dataclass
class Scheme:
    """A compiled scheme: rules ready to run, scoring, and the speaker-label table."""

    name: str
    title: str
    scoring: Scoring
    rules: list[Rule]
    book: PhraseBook
    roles: RoleMap
    segmenter: str = "rjieba"
    dialects: list = field(default_factory=list)  # every known dialect, for `customer_dialect`
    files: list[str] = field(default_factory=list)
    rule_positions: dict[str, str] = field(default_factory=dict)  # rule id -> file:line:col
    lexicons: dict[str, list] = field(default_factory=dict)  # named lists as written (for `rules docs`)

    @functools.cached_property
    def dialect_keys(self) -> frozenset[str]:
        """Every marker key of every known dialect: a call with none of them speaks Mandarin."""
        return frozenset(k for d in self.dialects for k in d.markers.by_key)

    def rule_table(self) -> dict[str, tuple[int, RuleConfig]]:
        """Rule id -> (position in the scheme, config): what ordering and scoring look up for
        every finding."""
        return self._per_rules("_rule_table", lambda: {r.id: (i, r.config) for i, r in enumerate(self.rules)})

    def plan(self) -> Plan:
        """What `engine.evaluate_call` walks for every call (`plan.Plan`), worked out once: the
        enabled rules with their gates, and the dialect markers' gate (`customer_dialect`)."""
        return self._per_rules("_plan", lambda: Plan.build(self.rules, self.dialect_keys))

    def _per_rules(self, name: str, build: Callable[[], Any]) -> Any:
        """`build()`, made once and again only if `rules` is replaced or grows."""
        key = (id(self.rules), len(self.rules))
        cached = self.__dict__.get(name)
        if cached is None or cached[0] != key:
            cached = self.__dict__[name] = (key, build())
        return cached[1]

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def load_scheme(
    path: Union[str, Path], lexicon_dirs: list[Path] | None = None, book: PhraseBook | None = None
) -> Scheme:
    """Load, validate and compile a scheme file or folder; raises SchemeError listing every problem.

    `book`: compile its phrases into this phrase book, which another scheme may share, so that
    one scan of a call serves both (`qa-check diff`); by default a book of its own."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        if not files:
            raise SchemeError([f"{path}:1:1: no scheme files (*.yaml) in this folder"])
        dirs = [path / "lexicons"]
    elif path.is_file():
        files = [path]
        dirs = [path.parent / "lexicons"]
    else:
        raise SchemeError([f"{path}:1:1: no such scheme file or folder"])
    located = []
    problems: list[str] = []
    for f in files:
        try:
            located.append(load_located(f))
        except SchemeError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SchemeError(problems)
    return _compile(located, (lexicon_dirs or []) + dirs + [SHIPPED_LEXICONS], default_name=path.stem, book=book)


def load_scheme_text(text: str, name: str = "<scheme>", lexicon_dirs: list[Path] | None = None) -> Scheme:
    """A scheme from a YAML string (tests, examples)."""
    return _compile([load_located(name, text)], (lexicon_dirs or []) + [SHIPPED_LEXICONS], default_name=name)


def _compile(
    files: list[Located], lexicon_dirs: list[Path], default_name: str, book: PhraseBook | None = None
) -> Scheme:
    problems: list[str] = []
    parsed: list[tuple[Located, SchemeFile]] = []
    for loc in files:
        if loc.data is None:
            continue
        if not isinstance(loc.data, dict):
            problems.append(f"{loc.where(())}: a scheme file is a mapping with `rules:` and other keys")
            continue
        try:
            parsed.append((loc, SchemeFile.model_validate(loc.data)))
        except ValidationError as exc:
            problems.extend(validation_problems(exc, loc))
    if problems:
        raise SchemeError(problems)

    name = title = segmenter = None
    scoring: Scoring | None = None
    asr: AsrOptions | None = None
    roles: dict[str, list[str]] = {}
    columns: dict[str, list[str]] = {}
    headers: dict[str, str] = {}  # header -> column, to catch one header given for two columns
    lexicons: dict[str, list[Any]] = {}
    extensions: dict[str, LexiconExtension] = {}
    for loc, spec in parsed:
        name, title, segmenter = name or spec.scheme, title or spec.title, segmenter or spec.segmenter
        if spec.scoring is not None:
            if scoring is not None and spec.scoring != scoring:
                problems.append(f"{loc.where(('scoring',))}: `scoring` is set in more than one file, differently")
            scoring = spec.scoring
        if spec.asr is not None:
            if asr is not None and spec.asr != asr:
                problems.append(f"{loc.where(('asr',))}: `asr` is set in more than one file, differently")
            asr = spec.asr
        for role, labels in spec.roles.items():
            roles.setdefault(role, []).extend(str(label) for label in labels)
        for column, written in spec.columns.items():
            for header in [written] if isinstance(written, str) else written:
                if headers.setdefault(header.strip(), column) != column:
                    problems.append(
                        f"{loc.where(('columns', column))}: header {header!r} is given for both "
                        f"{headers[header.strip()]} and {column}"
                    )
                columns.setdefault(column, []).append(header.strip())
        for key, items in spec.lexicons.items():
            if key in lexicons:
                problems.append(f"{loc.where(('lexicons', key))}: lexicon {key!r} is defined twice")
            lexicons[key] = items
        for key, ext in spec.dialect_lexicons.items():
            if key in extensions:
                problems.append(f"{loc.where(('dialect_lexicons', key))}: dialect lexicon {key!r} is extended twice")
            extensions[key] = ext
    if segmenter is not None and segmenter not in SEGMENTERS:
        problems.append(f"{files[0].file}:1:1: unknown segmenter {segmenter!r}; use one of {', '.join(SEGMENTERS)}")

    library = DialectLibrary(lexicon_dirs, extensions)
    book = book if book is not None else PhraseBook()
    ctx = CompileContext(book, lexicons, library)
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for loc, spec in parsed:
        for i, raw in enumerate(spec.rules):
            path = ("rules", i)
            rule = _compile_rule(raw, loc, path, ctx, seen, problems)
            if rule is not None:
                seen[rule.id] = str(loc.where(path + ("id",)))
                rules.append(rule)
    if problems:
        raise SchemeError(problems)
    # Every known dialect, for calls.csv `customer_dialect`; a broken lexicon file raises here.
    dialects = [compile_dialect(library.get(n), ctx) for n in library.names()]
    # The text automaton is built on first use, not here: an audit of calls without characters
    # outside the BMP only ever scans with the UTF-16 one (`PhraseBook._matches_utf16`), and each
    # holds ~180 bytes a phrase (a 10 MB scheme: ~270 MB for an automaton never used).
    return Scheme(
        name=name or default_name,
        title=title or name or default_name,
        scoring=scoring or Scoring(),
        rules=rules,
        book=book,
        dialects=dialects,
        roles=RoleMap.build(roles, agent_channel=(asr or AsrOptions()).agent_channel, columns=columns),
        segmenter=segmenter or "rjieba",
        files=[loc.file for loc in files],
        rule_positions=seen,
        lexicons=lexicons,
    )


def _compile_rule(
    raw: dict[str, Any], loc: Located, path: tuple, ctx: CompileContext, seen: dict[str, str], problems: list[str]
) -> Rule | None:
    kind = raw.get("kind")
    if kind not in KINDS:
        where = loc.positions.get(path + ("kind", "__value__")) or loc.where(path)
        what = f"unknown rule kind {kind!r}" if kind is not None else "rule has no `kind`"
        problems.append(f"{where}: {what}; valid kinds: {', '.join(sorted(KINDS))}")
        return None
    cls = KINDS[kind]
    try:
        config = cls.Config.model_validate(raw)
    except ValidationError as exc:
        problems.extend(validation_problems(exc, loc, prefix=path))
        problems.extend(_kind_problems(cls, raw, loc, path))
        return None
    if config.id in seen:
        problems.append(
            f"{loc.where(path + ('id', '__value__'))}: duplicate rule id {config.id!r} (first at {seen[config.id]})"
        )
        return None
    before = len(problems)
    _check_references(raw, loc, path, ctx, problems)
    problems.extend(_kind_problems(cls, raw, loc, path))
    if len(problems) > before:
        return None
    try:
        return cls(config, ctx)
    except ValueError as exc:  # a phrase with nothing to match
        problems.append(f"{loc.where(path)}: rule {config.id!r}: {exc}")
        return None


def _kind_problems(cls: type[Rule], raw: dict[str, Any], loc: Located, path: tuple) -> list[str]:
    """A kind's own checks that need positions inside values (a composite's `fires_when` and
    anchors): `located_problems(raw, loc, path)` when the kind has one."""
    check = getattr(cls, "located_problems", None)
    return check(raw, loc, path) if check is not None else []


def _check_references(raw: dict[str, Any], loc: Located, path: tuple, ctx: CompileContext, problems: list[str]) -> None:
    """Unknown `@lexicon` names and unknown dialects, each at its own position."""
    _check_lexicon_names(raw, loc, path, (), ctx, problems)
    for j, name in enumerate(raw.get("dialects") or []):
        try:
            ctx.dialects.get(name)
        except KeyError:
            problems.append(
                f"{loc.where(path + ('dialects', j))}: unknown dialect {name!r} "
                f"(known: {', '.join(ctx.dialects.names()) or 'none'})"
            )
        except SchemeError as exc:
            problems.extend(exc.problems)


def _check_lexicon_names(
    node: dict[str, Any], loc: Located, path: tuple, inner: tuple, ctx: CompileContext, problems: list[str]
) -> None:
    """`@name` items of every phrase list of a rule, nested ones too (`when`, `expect`, `steps`,
    `except_after`); a nested one is named by its key path, e.g. `steps[1].phrases[0]`."""
    for key, value in node.items():
        here = inner + (key,)
        if key in ("phrases", "exceptions", "markers") and isinstance(value, list):
            for j, item in enumerate(value):
                if isinstance(item, str) and item.startswith("@") and item[1:] not in ctx.lexicons:
                    known = ", ".join(sorted(ctx.lexicons)) or "none defined"
                    name = f"{_key_path(here)}[{j}]: " if inner else ""
                    problems.append(f"{loc.where(path + here + (j,))}: {name}unknown lexicon {item!r} (known: {known})")
        elif isinstance(value, dict):
            _check_lexicon_names(value, loc, path, here, ctx, problems)
        elif isinstance(value, list):
            for j, item in enumerate(value):
                if isinstance(item, dict):
                    _check_lexicon_names(item, loc, path, here + (j,), ctx, problems)


def _key_path(parts: tuple) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
