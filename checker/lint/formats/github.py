"""`--format github`: GitHub Actions workflow commands, shown as annotations on the changed lines.

`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=rule-id::message (→ suggestion)`;
`warning` and `info` findings become `::warning` and `::notice`. Suppressed findings are left out.
"""

from __future__ import annotations

from ..findings import LintFinding, LintReport
from .base import Formatter

__all__ = ["GithubFormatter", "annotation"]

_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(f: LintFinding) -> str:
    props = {
        "file": f.path,
        "line": f.line,
        "col": f.col,
        "endLine": f.end_line,
        "endColumn": f.end_col,
        "title": f.rule_id,
    }
    head = ",".join(f"{k}={_property(str(v))}" for k, v in props.items())
    suggestion = f" (→ {f.suggest})" if f.suggest else ""
    return f"::{_COMMAND.get(f.severity, 'warning')} {head}::{_data(f.message + suggestion)}"


class GithubFormatter(Formatter):
    name = "github"

    def render(self, report: LintReport) -> str:
        lines = [annotation(f) for f in report.active]
        lines += [f"::error title=qa-check::{_data(e)}" for e in report.errors]
        return "".join(line + "\n" for line in lines)
