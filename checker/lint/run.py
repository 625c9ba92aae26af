"""Lint script files with a scheme: the rules that read text without speakers, compiled once.

A script is not a call: nobody speaks, and there is no first or last turn. So each rule runs in
its *script view* (`script_rule`):

* every line is read, whoever the rule's `speaker` is, and `window` is ignored: a forbidden phrase
  or a dialect word reaches every agent who reads the script, wherever it stands;
* a `dialect` rule in `mode: switch` reads like `mode: any`: a script has no customer to follow,
  so the dialect words are the finding themselves (`min_markers` still counts, per line);
* `forbidden`, `dialect` (any kind with `lints_text`) apply to every line of every script;
* a `required` rule (any rule with a `stage:` key) applies only to a script that opts in with the
  same stage, over the whole script; a missing phrase points at the script's `stage:` key;
* so does a `composite` rule with a `stage:` key, its conditions reading every line whoever
  their `speaker` (counts and `within_turns` count lines; `within_seconds` cannot be judged);
* `when_meta` compares only the fields a script declares (`direction: outbound` in its front
  matter): a script that says nothing about a field is held to every rule.

Each script becomes one `Call` of agent turns, one turn a line, evaluated by the rules as they
are; findings map back from (turn, span) to path:line:col.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..model import AGENT, Call, Finding, Turn, Turns
from ..plan import Plan
from ..rules import CallContext, Rule
from ..segment import Segmenter, get_segmenter
from .findings import LintFinding, LintReport
from ..regex_engine import RegexBudgetExceeded
from .scripts import SCRIPT_SUFFIXES, STAGE_KEY, Script, ScriptError, ScriptFile, read_script
from .suppress import apply_suppressions, find_directives

__all__ = ["Linter", "script_rule", "rule_stages", "lints_scripts", "iter_script_files"]

_CALL_FIELDS = ("agent_id", "agent_name", "team", "started_at", "direction")


def rule_stages(rule: Rule) -> tuple[str, ...]:
    """The script stages a rule opts into (`stage:`), empty when it has none."""
    stage = getattr(rule.config, "stage", None)
    if not stage:
        return ()
    return (stage,) if isinstance(stage, str) else tuple(stage)


def lints_scripts(rule: Rule) -> bool:
    """Whether `qa-check lint` runs this rule at all."""
    return bool(rule.lints_text or rule_stages(rule))


def script_rule(rule: Rule) -> Rule:
    """The rule as it reads a script: every line, no window, no customer to follow.

    A shallow copy with an edited config: the compiled matchers are shared, not rebuilt."""
    update: dict = {"speaker": "any", "window": None}
    if getattr(rule.config, "mode", None) == "switch":
        update["mode"] = "any"
    adapt = getattr(rule, "script_view", None)  # a kind whose parts have speakers of their own
    view = adapt() if adapt is not None else copy.copy(rule)
    view.config = rule.config.model_copy(update=update)
    view.gate_speaker = None  # every line is anyone's
    return view


class Linter:
    """A scheme compiled once, then any number of script files linted with it."""

    def __init__(self, scheme, segmenter: str | None = None, owned: Iterable[Path] = ()):
        self.scheme = scheme
        linted = [r for r in scheme.rules if lints_scripts(r)]
        self.stages = {r.id: rule_stages(r) for r in linted}
        # Run as the audit runs rules (`plan.Plan`), each in its script view.
        self.plan = Plan.build(script_rule(r) for r in linted)
        self.known_ids = [r.id for r in scheme.rules]
        self.segmenter = _lazy_segmenter(segmenter or scheme.segmenter)
        # Files of the scheme itself (and its lexicons) are never linted with it.
        self.owned = [p.resolve() for p in owned] + [Path(f).resolve() for f in scheme.files]

    # -- a run ------------------------------------------------------------------------------
    def lint_paths(self, paths: Iterable[Path | str]) -> LintReport:
        """Lint files and folders (searched recursively for script files); errors do not stop the run."""
        report = LintReport(self.scheme)
        findings: list[LintFinding] = []
        for path in iter_script_files(paths, self.owned):
            display = str(path)
            try:
                findings.extend(self.lint_file(path, display))
            except ScriptError as exc:
                report.errors.append(f"{display}:{exc.line}:{exc.col}: {exc}")
                continue
            except OSError as exc:
                report.errors.append(f"{display}: cannot read: {exc.strerror or exc}")
                continue
            except RegexBudgetExceeded as exc:  # a scheme regex the fallback engine gave up on (`regex_engine`)
                report.errors.append(f"{display}: {exc}: the file could not be linted")
                continue
            report.files.append(display)
        report.findings = sorted(findings, key=lambda f: f.sort_key)
        return report

    def lint_file(self, path: Path | str, display: str | None = None) -> list[LintFinding]:
        return self.lint_script_file(read_script(path, display))

    def lint_script_file(self, sf: ScriptFile) -> list[LintFinding]:
        """Findings of one parsed file, suppressions applied (suppressed ones kept, flagged)."""
        found = [f for script in sf.scripts for f in self._lint_script(sf.path, script)]
        found.sort(key=lambda f: f.sort_key)
        directives = find_directives(sf.source_lines)
        if directives:
            found = apply_suppressions(sf.path, found, directives, self.known_ids, self.scheme.name)
            found.sort(key=lambda f: f.sort_key)
        return found

    # -- one script -------------------------------------------------------------------------
    def _lint_script(self, path: str, script: Script) -> Iterator[LintFinding]:
        fields = script.fields
        declared: dict[str, Any] = {k: str(fields[k]) for k in _CALL_FIELDS if k in fields}  # text fields only
        call = Call(
            call_id=path,
            turns=Turns.of(Turn(AGENT, line.text, line=line.line) for line in script.lines),
            metadata={k: v for k, v in fields.items() if k not in _CALL_FIELDS},
            source=path,
            **declared,
        )
        ctx = CallContext(call, self.scheme.book, self.segmenter)
        opted = set(script.stages)

        def applies(rule: Rule, call: Call) -> bool:
            stages = self.stages[rule.id]
            return (not stages or not opted.isdisjoint(stages)) and _only_declared(rule, fields).applies(call)

        # Rules not applicable to a script (a window in seconds) report nothing; a regex the
        # fallback engine gave up on stops the file (`lint_paths`), as it always has.
        outcome = self.plan.run(ctx, applies)
        if outcome.rule_errors:
            raise outcome.rule_errors[0][1]
        for f in outcome.findings:
            yield _locate(path, script, f)


def iter_script_files(paths: Iterable[Path | str], owned: Sequence[Path] = ()) -> Iterator[Path]:
    """Files as given; folders searched recursively for script files (hidden folders skipped)."""
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if (
                    f.is_file()
                    and f.suffix.lower() in SCRIPT_SUFFIXES
                    and not any(part.startswith(".") for part in rel)
                    and not _is_owned(f, owned)
                ):
                    yield f
        elif not _is_owned(p, owned):
            yield p


def _is_owned(path: Path, owned: Sequence[Path]) -> bool:
    if not owned:
        return False
    resolved = path.resolve()
    return any(resolved == o or o in resolved.parents for o in owned)


def _only_declared(rule: Rule, fields: dict) -> Rule:
    """`when_meta` restricted to the fields the script declares."""
    wanted = rule.config.when_meta
    if not wanted or all(k in fields for k in wanted):
        return rule
    view = copy.copy(rule)
    view.config = rule.config.model_copy(update={"when_meta": {k: v for k, v in wanted.items() if k in fields}})
    return view


def _locate(path: str, script: Script, f: Finding) -> LintFinding:
    if f.turn is None:  # a script-level finding (a required phrase is missing): at its `stage:` key
        line, col = script.anchor
        end_line, end_col = line, col + len(STAGE_KEY)
    else:
        sl = script.lines[f.turn]
        begin, end = f.span or (0, len(sl.text))
        line = end_line = sl.line
        col = sl.column(begin)
        end_col = sl.column(end - 1) + 1 if end > begin else col
    return LintFinding(
        path=path,
        line=line,
        col=col,
        end_line=end_line,
        end_col=end_col,
        rule_id=f.rule_id,
        severity=f.severity,
        message=f.message,
        suggest=f.suggest,
        matched=f.matched,
        kind=f.kind,
        section=f.section,
    )


def _lazy_segmenter(name: str) -> Segmenter:
    """A segmenter that loads its dictionary only when a candidate match needs a boundary check:
    a clean script never pays for it."""

    def cut(block: str) -> list[str]:
        return get_segmenter(name).tokens(block)

    return Segmenter(name, cut)
