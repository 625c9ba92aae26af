"""`--format sarif`: SARIF 2.1.0 for code-scanning tools (GitHub code scanning, IDE viewers).

One run: the tool with every rule the lint can report (id, descriptions, help generated from the
rule like `qa-check rules docs`, default level, section and kind as tags), one result per
finding with its region in characters (`columnKind: unicodeCodePoints`), suppressed findings
kept with an `inSource` suppression, unreadable files as tool notifications.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from ... import __version__
from ..findings import LintFinding, LintReport
from ..suppress import BUILTIN_RULES
from .base import Formatter

__all__ = ["SarifFormatter", "SARIF_SCHEMA", "sarif_log"]

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_SRCROOT = "%SRCROOT%"


class SarifFormatter(Formatter):
    name = "sarif"

    def render(self, report: LintReport) -> str:
        return json.dumps(sarif_log(report), ensure_ascii=False, indent=2) + "\n"


def sarif_log(report: LintReport, root: Path | None = None) -> dict:
    """The SARIF log as a dict; paths are made relative to `root` (default: the working folder)."""
    from ...ruledocs import rule_markdown, rule_text
    from ..run import lints_scripts

    root = (root or Path.cwd()).resolve()
    scheme = report.scheme
    lexicons = scheme.lexicons
    descriptors = []
    for rule in scheme.rules:
        if not lints_scripts(rule):
            continue
        c = rule.config
        descriptors.append(
            {
                "id": rule.id,
                "name": _name(rule.id),
                "shortDescription": {"text": c.message},
                "fullDescription": {"text": (c.description or c.message).strip()},
                "help": {"text": rule_text(rule), "markdown": rule_markdown(rule, lexicons, level=2)},
                "defaultConfiguration": {"level": _LEVEL[c.severity], "enabled": c.enabled},
                "properties": {
                    "tags": [c.section, rule.kind],
                    "section": c.section,
                    "kind": rule.kind,
                    "deduct": c.deduct,
                    "fatal": c.fatal,
                },
            }
        )
    for rule_id, (severity, short, help_text) in BUILTIN_RULES.items():
        descriptors.append(
            {
                "id": rule_id,
                "name": _name(rule_id),
                "shortDescription": {"text": short},
                "fullDescription": {"text": help_text},
                "help": {"text": help_text},
                "defaultConfiguration": {"level": _LEVEL[severity]},
                "properties": {"tags": ["lint"]},
            }
        )
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    run: dict = {
        "tool": {
            "driver": {
                "name": "qa-check",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": descriptors,
            }
        },
        "originalUriBaseIds": {_SRCROOT: {"uri": root.as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index, root) for f in report.findings],
        "invocations": [
            {
                "executionSuccessful": not report.errors,
                "toolExecutionNotifications": [{"level": "error", "message": {"text": e}} for e in report.errors],
            }
        ],
        "properties": {"scheme": scheme.name},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _result(f: LintFinding, index: dict[str, int], root: Path) -> dict:
    text = f.message + (f" (→ {f.suggest})" if f.suggest else "")
    result: dict = {
        "ruleId": f.rule_id,
        "level": _LEVEL.get(f.severity, "warning"),
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(f.path, root),
                    "region": {
                        "startLine": f.line,
                        "startColumn": f.col,
                        "endLine": f.end_line,
                        "endColumn": f.end_col,
                    },
                }
            }
        ],
    }
    if f.rule_id in index:
        result["ruleIndex"] = index[f.rule_id]
    if f.matched:
        result["locations"][0]["physicalLocation"]["region"]["snippet"] = {"text": f.matched}
    props = {k: v for k, v in (("section", f.section), ("matched", f.matched), ("suggest", f.suggest)) if v}
    if props:
        result["properties"] = props
    if f.suppressed:
        suppression: dict = {"kind": "inSource", "status": "accepted"}
        if f.justification:
            suppression["justification"] = f.justification
        result["suppressions"] = [suppression]
    return result


def _artifact(path: str, root: Path) -> dict:
    p = Path(path)
    resolved = p.resolve()
    try:
        return {"uri": quote(resolved.relative_to(root).as_posix()), "uriBaseId": _SRCROOT}
    except ValueError:
        return {"uri": resolved.as_uri()}


def _name(rule_id: str) -> str:
    """SARIF's `name`: an identifier-like form of the id (taboo-phrases → TabooPhrases)."""
    return "".join(part[:1].upper() + part[1:] for part in rule_id.replace(".", "-").replace("_", "-").split("-"))
