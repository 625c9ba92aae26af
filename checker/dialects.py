"""Dialect lexicons: weighted markers per dialect, shipped in qa_rules/lexicons/ and extendable.

A lexicon file names a dialect and lists its markers, each with a weight (1.0 decides alone, 0.5
needs company), an optional Mandarin suggestion and exceptions that hide it. Markers are matched
on normalised (simplified) text, so a traditional marker whose simplified form is plain Mandarin
(係 → 系) must not be listed as strong: the files say which survive conversion and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .yamlpos import Located, SchemeError, load_located, validation_problems

__all__ = ["Marker", "DialectLexicon", "DialectLibrary", "SHIPPED_LEXICONS", "LexiconFile"]

SHIPPED_LEXICONS = Path(__file__).resolve().parent.parent / "qa_rules" / "lexicons"


class MarkerSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    marker: str = Field(min_length=1)
    weight: float = Field(1.0, gt=0, le=1)
    suggest: str | None = None
    exceptions: list[str] = Field(default_factory=list)
    note: str | None = None


class LexiconFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    dialect: str = Field(pattern=r"^[a-z][a-z0-9_\-]*$")
    title: str | None = None
    markers: list[MarkerSpec] = Field(min_length=1)


class LexiconExtension(BaseModel):
    """`dialect_lexicons:` in a scheme: add markers to a dialect, or define a new one."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str | None = None
    markers: list[MarkerSpec] = Field(default_factory=list)
    replace: bool = False  # true: use only these markers, not the shipped ones


@dataclass(frozen=True)
class Marker:
    text: str
    weight: float = 1.0
    suggest: str | None = None
    exceptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class DialectLexicon:
    name: str
    title: str
    markers: tuple[Marker, ...]
    source: str = ""


class DialectLibrary:
    """Finds lexicons by dialect name: the scheme's own folder first, then the shipped ones."""

    def __init__(self, dirs: list[Path], extensions: dict[str, LexiconExtension] | None = None):
        self.dirs = [d for d in dirs if d.is_dir()]
        self.extensions = extensions or {}
        self._cache: dict[str, DialectLexicon] = {}

    def names(self) -> list[str]:
        found = {p.stem for d in self.dirs for p in d.glob("*.yaml")}
        return sorted(found | set(self.extensions))

    def get(self, name: str) -> DialectLexicon:
        """The lexicon; KeyError when no file or extension defines it, SchemeError when invalid."""
        if name not in self._cache:
            self._cache[name] = self._load(name)
        return self._cache[name]

    def _load(self, name: str) -> DialectLexicon:
        ext = self.extensions.get(name)
        base: DialectLexicon | None = None
        for d in self.dirs:
            path = d / f"{name}.yaml"
            if path.is_file():
                base = load_lexicon(path)
                break
        if base is None and ext is None:
            raise KeyError(name)
        extra = tuple(_marker(m) for m in ext.markers) if ext else ()
        if base is None or (ext is not None and ext.replace):
            return DialectLexicon(name, (ext.title if ext else None) or name, extra, "scheme")
        title = (ext.title if ext else None) or base.title
        return DialectLexicon(name, title, base.markers + extra, base.source)


def load_lexicon(path: Path) -> DialectLexicon:
    located: Located = load_located(path)
    try:
        spec = LexiconFile.model_validate(located.data)
    except ValidationError as exc:
        raise SchemeError(validation_problems(exc, located)) from None
    if spec.dialect != path.stem:
        pos = located.where(("dialect", "__value__"))
        raise SchemeError([f"{pos}: dialect {spec.dialect!r} does not match the file name {path.name!r}"])
    return DialectLexicon(spec.dialect, spec.title or spec.dialect, tuple(_marker(m) for m in spec.markers), str(path))


def _marker(spec: MarkerSpec) -> Marker:
    return Marker(spec.marker, spec.weight, spec.suggest, tuple(spec.exceptions))


def flag_dialect(
    texts: list[str], dialect: str, min_markers: float = 1.0, lexicon_dirs: list[Path] | None = None
) -> list[list[str]]:
    """For each text, the markers (as written) of a `dialect` rule with mode any that fires on it
    as one turn; an empty list where it does not fire. What benchmarks and tests measure."""
    from .engine import evaluate_call
    from .model import Call, Turn, Turns
    from .scheme import load_scheme_text

    scheme = load_scheme_text(
        "rules:\n"
        f"  - {{id: dialect, kind: dialect, section: 方言, message: 方言, speaker: any,"
        f" mode: any, dialects: [{dialect}], min_markers: {min_markers}}}\n",
        name=f"<{dialect}>",
        lexicon_dirs=lexicon_dirs,
    )
    out = []
    for i, text in enumerate(texts):
        findings, _, _ = evaluate_call(Call(f"t{i}", Turns.of((Turn("agent", text),))), scheme)
        out.append([m for f in findings for m in f.details["markers"]])
    return out
