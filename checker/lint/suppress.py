"""In-source suppressions for the script lint, checked like ruff's `noqa` (RUF100).

A directive names the rules it silences and stands in a comment of the file's own kind:

    这句是培训反例：说吧 <!-- qa-check: disable=taboo-phrases -- 反例，不对客户说 -->
    <!-- qa-check: disable-next-line=taboo-phrases,abuse -->
    text: 说吧   # qa-check: disable=taboo-phrases

`disable` silences findings that start on the directive's own line, `disable-next-line` those on
the line right after it. Anything after the ids (`-- reason`, `: reason`) is the justification,
kept in JSON and SARIF. A directive is recognised anywhere on a line (in a plain-text script the
whole line is the comment) and its text is masked out of what is linted, so a justification that
quotes a forbidden phrase does not fire.

Directives are checked: a rule id the scheme does not know is an `unknown-rule` finding (error),
and an id that silenced nothing is an `unused-suppression` finding (warning). Those two built-in
rules cannot themselves be suppressed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from collections.abc import Iterable

from .findings import LintFinding

__all__ = [
    "Directive",
    "UNKNOWN_RULE",
    "UNUSED_SUPPRESSION",
    "BUILTIN_RULES",
    "find_directives",
    "mask_directives",
    "apply_suppressions",
]

UNKNOWN_RULE = "unknown-rule"
UNUSED_SUPPRESSION = "unused-suppression"

# id -> (severity, short description, help): the lint's own rules, shown in SARIF and the docs.
BUILTIN_RULES: dict[str, tuple[str, str, str]] = {
    UNKNOWN_RULE: (
        "error",
        "A suppression names a rule the scheme does not have",
        "`qa-check: disable=…` must name rule ids of the scheme in use; a misspelt id silences "
        "nothing. Fix the id (the message suggests the closest one) or remove the directive.",
    ),
    UNUSED_SUPPRESSION: (
        "warning",
        "A suppression silences nothing",
        "The rule named by `qa-check: disable=…` has no finding on the line the directive covers. "
        "Remove the directive so that it cannot hide a future finding.",
    ),
}

_ID = r"[A-Za-z0-9](?:[A-Za-z0-9_.]|-(?!-?>))*"  # a rule id, never eating an HTML comment's `-->`
DIRECTIVE = re.compile(
    r"qa-check:\s*(?P<kind>disable-next-line|disable)\b"
    rf"(?:\s*=\s*(?P<ids>{_ID}(?:\s*,\s*{_ID})*))?"
    r"(?P<rest>(?:(?!-->).)*)"
)
_JUSTIFICATION_LEAD = re.compile(r"^[\s\-:：—#]+")


@dataclass(frozen=True)
class Directive:
    """One `qa-check: disable…` comment; `ids` with their 1-based columns on `line`."""

    line: int  # 1-based line of the directive
    col: int  # 1-based column of `qa-check:`
    end_col: int  # column after the directive's text
    next_line: bool  # disable-next-line
    ids: tuple[tuple[str, int], ...]  # (rule id, 1-based column)
    justification: str | None = None

    @property
    def target(self) -> int:
        """The line whose findings it silences."""
        return self.line + 1 if self.next_line else self.line


def find_directives(lines: Iterable[str]) -> list[Directive]:
    """Every directive in the file's lines, in order."""
    out: list[Directive] = []
    for number, text in enumerate(lines, 1):
        if "qa-check:" not in text:
            continue
        for m in DIRECTIVE.finditer(text):
            ids: list[tuple[str, int]] = []
            if m.group("ids"):
                start = m.start("ids")
                for part in re.finditer(_ID, m.group("ids")):
                    ids.append((part.group(), start + part.start() + 1))
            rest = _JUSTIFICATION_LEAD.sub("", m.group("rest")).strip()
            out.append(
                Directive(
                    line=number,
                    col=m.start() + 1,
                    end_col=m.end() + 1,
                    next_line=m.group("kind") == "disable-next-line",
                    ids=tuple(ids),
                    justification=rest or None,
                )
            )
    return out


def mask_directives(text: str) -> str:
    """`text` with every directive blanked out (same length, so columns still hold)."""
    if "qa-check:" not in text:
        return text
    return DIRECTIVE.sub(lambda m: " " * (m.end() - m.start()), text)


@dataclass
class _Use:
    directive: Directive
    rule_id: str
    col: int
    used: bool = field(default=False)


def apply_suppressions(
    path: str, findings: list[LintFinding], directives: list[Directive], known: Iterable[str], scheme_name: str
) -> list[LintFinding]:
    """Flag the findings the directives silence; add unknown-rule and unused-suppression findings."""
    known = set(known)
    uses: list[_Use] = []
    extra: list[LintFinding] = []
    for d in directives:
        if not d.ids:
            extra.append(
                _builtin(
                    path,
                    d.line,
                    d.col,
                    d.end_col,
                    UNKNOWN_RULE,
                    "suppression names no rule: write `qa-check: disable=rule-id`",
                )
            )
        for rule_id, col in d.ids:
            if rule_id in known:
                uses.append(_Use(d, rule_id, col))
                continue
            close = difflib.get_close_matches(rule_id, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            what = (
                "a built-in lint rule and cannot be suppressed"
                if rule_id in BUILTIN_RULES
                else f"not a rule of scheme {scheme_name!r}"
            )
            extra.append(_builtin(path, d.line, col, col + len(rule_id), UNKNOWN_RULE, f"{rule_id!r} is {what}{hint}"))
    out: list[LintFinding] = []
    for f in findings:
        use = next((u for u in uses if u.rule_id == f.rule_id and u.directive.target == f.line), None)
        if use is None:
            out.append(f)
            continue
        use.used = True
        out.append(replace(f, suppressed=True, justification=use.directive.justification))
    for u in uses:
        if not u.used:
            where = "on this line" if not u.directive.next_line else f"on line {u.directive.target}"
            extra.append(
                _builtin(
                    path,
                    u.directive.line,
                    u.col,
                    u.col + len(u.rule_id),
                    UNUSED_SUPPRESSION,
                    f"suppression of {u.rule_id!r} is unused: no such finding {where}",
                )
            )
    return out + extra


def _builtin(path: str, line: int, col: int, end_col: int, rule_id: str, message: str) -> LintFinding:
    return LintFinding(
        path=path,
        line=line,
        col=col,
        end_line=line,
        end_col=end_col,
        rule_id=rule_id,
        severity=BUILTIN_RULES[rule_id][0],
        message=message,
        kind="lint",
        section="lint",
    )
