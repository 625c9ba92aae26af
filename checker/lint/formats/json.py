"""`--format json`: every finding (suppressed ones flagged), the files read and the errors."""

from __future__ import annotations

import json

from ..findings import LintReport
from .base import Formatter

__all__ = ["JsonFormatter"]


class JsonFormatter(Formatter):
    name = "json"

    def render(self, report: LintReport) -> str:
        doc = {
            "tool": "qa-check",
            "scheme": report.scheme.name,
            "files": report.files,
            "errors": report.errors,
            "summary": report.counts(),
            "findings": [f.to_record() for f in report.findings],
        }
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
