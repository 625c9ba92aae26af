"""Output formats of `qa-check lint`, one module each behind one table (like ruff's `render/`).

A formatter turns a `LintReport` into the text written on stdout; `summary` is an optional line
for stderr. A new format is one module and one line in `FORMATTERS`.
"""

from __future__ import annotations

from .base import Formatter
from .github import GithubFormatter
from .json import JsonFormatter
from .sarif import SarifFormatter
from .text import TextFormatter

__all__ = ["Formatter", "FORMATTERS", "FORMAT_NAMES", "get_formatter"]

FORMATTERS: dict[str, type[Formatter]] = {
    "text": TextFormatter,
    "json": JsonFormatter,
    "sarif": SarifFormatter,
    "github": GithubFormatter,
}
FORMAT_NAMES = tuple(FORMATTERS)


def get_formatter(name: str) -> Formatter:
    try:
        return FORMATTERS[name]()
    except KeyError:
        raise ValueError(f"unknown format {name!r}; choose one of {', '.join(FORMATTERS)}") from None
