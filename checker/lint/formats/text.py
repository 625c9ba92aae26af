"""`--format text`: `path:line:col: rule-id message (→ suggestion)`, one finding a line (SPEC)."""

from __future__ import annotations

from ..findings import LintFinding, LintReport
from .base import Formatter, summary_line

__all__ = ["TextFormatter", "text_line"]


def text_line(f: LintFinding) -> str:
    suggestion = f" (→ {f.suggest})" if f.suggest else ""
    return f"{f.path}:{f.line}:{f.col}: {f.rule_id} {f.message}{suggestion}"


class TextFormatter(Formatter):
    """For people and pre-commit: suppressed findings are left out, a summary goes to stderr."""

    name = "text"

    def render(self, report: LintReport) -> str:
        return "".join(text_line(f) + "\n" for f in report.active)

    def summary(self, report: LintReport) -> str:
        return summary_line(report)
