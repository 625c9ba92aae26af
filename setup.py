"""Build step beyond pyproject.toml: compile the audit's hot modules with Cython.

Which modules and why: `checker/_compiled.py`. Compiling is optional all the way down: without
Cython, with QA_CHECK_COMPILE=0, when Cython refuses a module or gcc fails on one, the install
goes on and those modules run as Python; nothing behaves differently, it is only slower.
"""
import os
import runpy
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
compiled = runpy.run_path(os.path.join(HERE, "checker", "_compiled.py"))
BUILT = os.path.join(HERE, "checker", "_built.py")


def extensions() -> list:
    """The extensions to build, with checker/_built.py recording what they were built from."""
    built, hashes = _cythonized()
    _record(hashes)
    return built


def _cythonized() -> tuple[list, dict]:
    """The modules translated to C, and each one's source hash; nothing when they cannot be."""
    if os.environ.get("QA_CHECK_COMPILE", "1") == "0":
        return [], {}
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("qa-check: Cython is not installed; every module stays Python", file=sys.stderr)
        return [], {}
    modules = compiled["MODULES"]
    sources = {m: compiled["source_path"](m, "") for m in modules}  # relative to HERE, as setuptools wants
    try:
        built = cythonize(
            [Extension(m, [sources[m]], optional=True) for m in modules],  # see OptionalBuildExt
            build_dir="build/cython",
            nthreads=os.cpu_count() or 1,
            quiet=True,
            compiler_directives={
                "language_level": 3,
                # Annotations are documentation here, as in Python: Cython would otherwise
                # enforce `-> tuple` on a tuple subclass, for one.
                "annotation_typing": False,
                "binding": True,  # functions keep their Python signatures and names
            },
        )
    except Exception as exc:  # a module Cython cannot translate: all stay Python, the install goes on
        print(f"qa-check: not compiled ({exc}); every module stays Python", file=sys.stderr)
        return [], {}
    return built, {m: compiled["source_hash"](os.path.join(HERE, sources[m])) for m in modules}


def _record(hashes: dict) -> None:
    """checker/_built.py: the hash of each source compiled (what `_compiled` compares at start-up)."""
    text = (
        '"""Written by setup.py: the sources compiled by the last build, by hash (not in Git)."""\n'
        f"HASHES = {hashes!r}\n"
    )
    old = open(BUILT, encoding="utf-8").read() if os.path.exists(BUILT) else None
    if old != text:
        with open(BUILT + ".tmp", "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(BUILT + ".tmp", BUILT)


class OptionalBuildExt(build_ext):
    """A module the C compiler fails on (or no compiler at all) stays Python; the install goes on.
    (`Extension(optional=True)` alone does not hold once the modules build in parallel.)"""

    def build_extension(self, ext) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:  # CompileError, LinkError, a missing compiler…
            print(f"qa-check: {ext.name} not compiled ({exc}); it runs as Python", file=sys.stderr)
            if self.inplace:  # an editable install: a module compiled by an earlier build would shadow the source
                stale = os.path.join(HERE, self.get_ext_filename(ext.name))
                if os.path.exists(stale):
                    os.remove(stale)


setup(
    ext_modules=extensions(),
    cmdclass={"build_ext": OptionalBuildExt},
    options={"build_ext": {"parallel": os.cpu_count() or 1}},
)
