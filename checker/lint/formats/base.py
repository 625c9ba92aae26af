"""What every lint output format provides."""

from __future__ import annotations

from ..findings import LintReport

__all__ = ["Formatter", "summary_line"]


class Formatter:
    """Renders a lint report for stdout; machine formats keep suppressed findings, flagged."""

    name = ""

    def render(self, report: LintReport) -> str:
        raise NotImplementedError

    def summary(self, report: LintReport) -> str | None:
        """A line for stderr, or None (machine formats keep stderr quiet)."""
        return None


def summary_line(report: LintReport) -> str:
    c = report.counts()
    parts = [f"{c['error']} error(s)", f"{c['warning']} warning(s)"]
    if c["info"]:
        parts.append(f"{c['info']} info")
    tail = f"; {c['suppressed']} suppressed" if c["suppressed"] else ""
    return f"{', '.join(parts)} in {len(report.files)} file(s){tail}"
