"""Which modules the install compiles (Cython, see setup.py), and running a changed one as Python.

The modules below are the audit's per-call path: reading, normalising, matching, the rule kinds,
scoring and the per-call report rows. Compiled as they are (no declarations, annotations not
enforced), they run the same code ~1.2x faster as a whole audit; every other module stays Python.
The `.py` files remain the source and the reference: a build that cannot compile leaves them
as they are, and `QA_CHECK_PURE=1` runs them instead of the compiled modules (profilers see
Python lines then; a test checks that both give byte-identical reports).

An editable install keeps each compiled module beside its source, where the interpreter prefers
it. A source edited since the build would then be silently ignored; so the build records a hash
of every source it compiled (`_built.py`, not in Git), and at start-up a module whose source no
longer has that hash is run from its `.py`, with a warning to rebuild (`make install`).

Imports nothing but the standard library: setup.py reads MODULES from here before anything is
installed.
"""
from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import sys

__all__ = ["MODULES", "PURE_ENV", "source_path", "source_hash", "use_sources_where_needed", "compiled_modules"]

MODULES = (
    "checker.engine",
    "checker.match",
    "checker.model",
    "checker.normalise",
    "checker.resume",
    "checker.score",
    "checker.segment",
    "checker.read.native",
    "checker.read.records",
    "checker.report.base",
    "checker.report.mask",
    "checker.report.sheet_rows",
    "checker.report.tables",
    "checker.report.tally",
    "checker.rules.base",
    "checker.rules.dialect",
    "checker.rules.forbidden",
    "checker.rules.metadata",
    "checker.rules.phrases",
    "checker.rules.required",
    "checker.rules.response",
    "checker.rules.sequence",
    "checker.rules.timing",
)

PURE_ENV = "QA_CHECK_PURE"
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the folder holding checker/


def source_path(module: str, root: str = _ROOT) -> str:
    return os.path.join(root, *module.split(".")) + ".py"


def source_hash(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def use_sources_where_needed() -> None:
    """Run from its `.py` every compiled module whose source changed since the build (or that the
    build's record does not vouch for), or all of them with QA_CHECK_PURE=1. Called once, by
    `checker/__init__.py`, before any of them is imported."""
    try:
        from ._built import HASHES  # written by setup.py; {} when it compiled nothing
    except ImportError:
        HASHES = {}
    pure = os.environ.get(PURE_ENV, "") not in ("", "0")
    sources = set()
    for module in MODULES:
        path = source_path(module)
        if not _compiled_beside(path):
            continue  # a pure-Python install: nothing to compare, nothing hashed
        if pure or HASHES.get(module) != source_hash(path):
            sources.add(module)
    if sources and not pure:
        names = ", ".join(sorted(source_path(m, "") for m in sources))
        print(f"qa-check: changed since compiled, run as Python (slower) until `make install` compiles "
              f"them again: {names}", file=sys.stderr)
    if sources:
        sys.meta_path.insert(0, _SourceFirst(sources))


def _compiled_beside(source: str) -> bool:
    stem = source[: -len(".py")]
    return any(os.path.exists(stem + suffix) for suffix in importlib.machinery.EXTENSION_SUFFIXES)


def compiled_modules() -> list[str]:
    """The modules of MODULES that this process runs compiled (imports them all)."""
    import importlib

    return [m for m in MODULES if not importlib.import_module(m).__file__.endswith(".py")]  # type: ignore[union-attr]


class _SourceFirst:
    """A finder that loads the named modules from their `.py`, ahead of a compiled module beside it."""

    def __init__(self, names: set[str]) -> None:
        self.names = names

    def find_spec(self, name, path=None, target=None):
        if name not in self.names:
            return None
        leaf = name.rpartition(".")[2] + ".py"
        for entry in path or ():
            source = os.path.join(entry, leaf)
            if os.path.exists(source):
                return importlib.util.spec_from_file_location(name, source)
        return None
