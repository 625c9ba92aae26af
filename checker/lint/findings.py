"""What the script lint reports: a finding at path:line:col, and the result of one run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["LintFinding", "LintReport", "SEVERITIES"]

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class LintFinding:
    """One finding in a script file. Lines and columns are 1-based; columns count characters
    (Unicode code points), not bytes; `end_col` is the column just after the match."""

    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    rule_id: str
    severity: str
    message: str
    suggest: str | None = None
    matched: str = ""
    kind: str = ""  # the rule's kind, or "lint" for the lint's own rules (suppression checks)
    section: str = ""
    suppressed: bool = False
    justification: str | None = None  # the reason written after a suppression, if any

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.line, self.col, self.rule_id, self.end_col)

    def to_record(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "end_line": self.end_line,
            "end_col": self.end_col,
            "rule_id": self.rule_id,
            "kind": self.kind,
            "section": self.section,
            "severity": self.severity,
            "message": self.message,
            "matched": self.matched,
            "suggest": self.suggest,
            "suppressed": self.suppressed,
            "justification": self.justification,
        }


@dataclass
class LintReport:
    """Everything one `qa-check lint` run found: what formatters render."""

    scheme: Any  # checker.scheme.Scheme
    files: list[str] = field(default_factory=list)  # files linted, in order
    findings: list[LintFinding] = field(default_factory=list)  # sorted; suppressed ones included
    errors: list[str] = field(default_factory=list)  # unreadable files, as `path:line:col: reason`

    @property
    def active(self) -> list[LintFinding]:
        """Findings not suppressed."""
        return [f for f in self.findings if not f.suppressed]

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in SEVERITIES}
        for f in self.active:
            out[f.severity] = out.get(f.severity, 0) + 1
        out["suppressed"] = len(self.findings) - len(self.active)
        return out

    @property
    def failed(self) -> bool:
        """An `error` finding remains: the lint fails (exit 1)."""
        return any(f.severity == "error" for f in self.active)
