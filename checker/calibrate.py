"""`qa-check calibrate`: how far the scheme agrees with human QA verdicts, rule by rule.

A labels file says, for some (call, rule) pairs, whether a reviewer judged that the rule should
fire in that call. Over those pairs only, the checker "fires" when the rule has at least one
finding in the call. Each rule gets its confusion counts, precision, recall, F1 and Cohen's κ
(checker against human); a metric whose denominator is zero is undefined and left empty, never
written as 0 or NaN. `calibration.md` then quotes every disagreement, worst rules first.

The verdicts come from auditing the labelled calls now (`calibrate_calls`), or from the findings
of an audit already run (`read_audit`, `--findings DIR`).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from .model import Call, InputError, SkippedFile

__all__ = [
    "Label",
    "LabelError",
    "Verdict",
    "Verdicts",
    "RuleMetrics",
    "Calibration",
    "parse_fires",
    "read_labels",
    "metrics",
    "audit_labelled",
    "read_audit",
    "calibrate",
    "calibration_csv",
    "calibration_markdown",
    "write_calibration",
    "MIN_LABELS_FOR_GATE",
]

# How a reviewer may write "the rule fires here" / "it does not" (SPEC: true/false, 1/0, 是/否,
# 命中/未命中); matched after stripping and lower-casing.
FIRES = {
    "true": True,
    "1": True,
    "是": True,
    "命中": True,
    "yes": True,
    "y": True,
    "t": True,
    "false": False,
    "0": False,
    "否": False,
    "未命中": False,
    "no": False,
    "n": False,
    "f": False,
}

# Column names a labels file may use: the SPEC's, or the Chinese a QA tool exports.
COLUMNS = {
    "call_id": ("call_id", "通话编号", "通话id", "录音编号"),
    "rule_id": ("rule_id", "rule", "规则", "规则编号", "规则id"),
    "fires": ("fires", "命中", "是否命中", "人工结论", "verdict"),
}
NOTE_COLUMNS = ("note", "comment", "备注", "说明", "理由")  # optional: the reviewer's reason, quoted in calibration.md

MIN_LABELS_FOR_GATE = 10  # `--min-kappa` judges only rules with at least this many labels (SPEC)


@dataclass(frozen=True)
class Label:
    call_id: str
    rule_id: str
    fires: bool
    line: int  # 1-based line in the labels file
    note: str = ""  # the reviewer's reason, when the file has a note column


class LabelError(Exception):
    """The labels file cannot be used: every problem, as `file:line: reason`."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_fires(value: str) -> bool | None:
    """A reviewer's verdict as a bool; None when it is not one of the accepted spellings."""
    return FIRES.get(value.strip().lower())


def read_labels(path: Path) -> list[Label]:
    """Every label of a CSV `call_id, rule_id, fires` (an optional `note` column keeps the
    reviewer's reason; other columns are ignored). Raises LabelError listing every bad row: a missing column, an empty id, a verdict
    that is not a known spelling, and each (call, rule) pair labelled more than once, with the
    lines of all its labels (two verdicts on one pair leave nothing to measure against)."""
    text = _decode(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise LabelError([f"{path}:1: empty labels file; expected columns call_id, rule_id, fires"])
    lowered = [h.strip().lower() for h in header]
    where = _columns(lowered)
    note_at = next((i for i, h in enumerate(lowered) if h in NOTE_COLUMNS), None)
    missing = [name for name, at in where.items() if at is None]
    if missing:
        raise LabelError([f"{path}:1: missing column(s) {', '.join(missing)}; found {', '.join(header) or 'none'}"])
    columns = {name: at for name, at in where.items() if at is not None}  # every one, by now
    problems: list[str] = []
    labels: list[Label] = []
    lines: dict[tuple[str, str], list[int]] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: (row[at].strip() if at < len(row) else "") for name, at in columns.items()}
        if not cells["call_id"] or not cells["rule_id"]:
            problems.append(f"{path}:{line}: a label needs a call_id and a rule_id")
            continue
        fires = parse_fires(cells["fires"])
        if fires is None:
            problems.append(
                f"{path}:{line}: fires {cells['fires']!r} is not one of true/false, 1/0, 是/否, 命中/未命中"
            )
            continue
        pair = (cells["call_id"], cells["rule_id"])
        lines.setdefault(pair, []).append(line)
        note = row[note_at].strip() if note_at is not None and note_at < len(row) else ""
        labels.append(Label(pair[0], pair[1], fires, line, note))
    for (call_id, rule_id), at in lines.items():
        if len(at) > 1:
            problems.append(
                f"{path}:{at[1]}: call {call_id!r} rule {rule_id!r} is labelled more than once "
                f"(lines {', '.join(map(str, at))})"
            )
    if problems:
        raise LabelError(sorted(problems, key=_line_of))
    return labels


def _decode(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else GB18030 (a spreadsheet saved on a
    Chinese-locale desktop)."""
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            error = exc
    raise LabelError([f"{path}:1: cannot decode the labels file as UTF-8, UTF-16 or GB18030: {error}"])


def _columns(header: list[str]) -> dict[str, int | None]:
    return {name: next((i for i, h in enumerate(header) if h in aliases), None) for name, aliases in COLUMNS.items()}


def _line_of(problem: str) -> tuple[int, str]:
    parts = problem.split(":")
    return (int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0, problem)


# -- metrics --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleMetrics:
    """One rule's agreement with the reviewers. Metrics are None where undefined: precision when
    the checker never fired, recall when the reviewers never said it should, F1 when neither
    fired nor should have (tp + fp + fn = 0), κ when there is no label or both sides gave one
    and the same answer throughout (chance agreement 1)."""

    rule_id: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def labelled(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def disagreements(self) -> int:
        return self.fp + self.fn

    @property
    def precision(self) -> Fraction | None:
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> Fraction | None:
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> Fraction | None:
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    @property
    def kappa(self) -> Fraction | None:
        """Cohen's κ = (p_o − p_e) / (1 − p_e): observed agreement against the agreement two
        raters firing at these rates would reach by chance."""
        n = self.labelled
        if n == 0:
            return None
        observed = Fraction(self.tp + self.tn, n)
        checker_yes, human_yes = self.tp + self.fp, self.tp + self.fn
        chance = Fraction(checker_yes * human_yes + (n - checker_yes) * (n - human_yes), n * n)
        if chance == 1:
            return None
        return (observed - chance) / (1 - chance)


def _ratio(num: int, den: int) -> Fraction | None:
    return Fraction(num, den) if den else None


def metrics(pairs: Iterable[tuple[str, bool, bool]]) -> dict[str, RuleMetrics]:
    """Per rule, from (rule_id, checker fires, human says fires) for each labelled pair."""
    counts: dict[str, list[int]] = {}
    for rule_id, checker, human in pairs:
        c = counts.setdefault(rule_id, [0, 0, 0, 0])
        c[(0 if human else 1) if checker else (2 if human else 3)] += 1
    return {rule_id: RuleMetrics(rule_id, *c) for rule_id, c in counts.items()}


# -- the checker's verdicts -----------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What the checker said about one rule in one call: its findings' places, as quoted."""

    fired: bool
    evidence: tuple[str, ...] = ()  # "turn 3 (agent): …【matched】…" per finding (the first few)
    not_applicable: bool = False


@dataclass
class Verdicts:
    """The checker's verdicts on the labelled calls, and where they came from."""

    source: str  # said in the report: audited now, or read from a finished audit
    calls: set[str] = field(default_factory=set)  # the labelled calls the checker saw
    rules: list[str] = field(default_factory=list)  # the scheme's rule ids, in order
    found: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (call, rule) -> evidence
    not_applicable: set[tuple[str, str]] = field(default_factory=set)
    # quoted turns: for a pair not fired on, the rule's scope; for one fired on, the turn before
    context: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    errors: list[InputError] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)  # files of other types in a folder: listed, not rejected

    def verdict(self, call_id: str, rule_id: str) -> Verdict:
        pair = (call_id, rule_id)
        evidence = self.found.get(pair)
        return Verdict(evidence is not None, tuple(evidence or ()), pair in self.not_applicable)


EVIDENCE_PER_PAIR = 3  # findings quoted for one (call, rule): enough to see what fired
SCOPE_TURNS = 4  # turns quoted, for a miss, from the rule's scope


def audit_labelled(
    labels: list[Label], paths: list[Path], scheme, segmenter: str | None = None, calls_meta: Path | None = None
) -> Verdicts:
    """Read the calls under `paths`, audit those that are labelled, and keep each labelled pair's
    verdict: its findings quoted, or for a pair the checker did not fire on, the turns the rule
    looked at (its scope), so that a miss can be read in context."""
    from .engine import audit_calls
    from .read import read_paths

    wanted: dict[str, set[str]] = {}
    for label in labels:
        wanted.setdefault(label.call_id, set()).add(label.rule_id)
    verdicts = Verdicts(source="audited now", rules=[r.id for r in scheme.rules])
    chunk: list[Call] = []

    def flush() -> None:
        for result in audit_calls(chunk, scheme, segmenter):
            _keep(verdicts, result, wanted[result.call.call_id], scheme, segmenter)
        chunk.clear()

    for item in read_paths(paths, scheme.roles, calls_meta):
        if isinstance(item, SkippedFile):
            verdicts.skipped.append(item)
        elif isinstance(item, InputError):
            verdicts.errors.append(item)
        elif item.call_id in wanted and item.call_id not in verdicts.calls:
            verdicts.calls.add(item.call_id)
            chunk.append(item)
            if len(chunk) == 64:
                flush()
    flush()
    return verdicts


def _keep(verdicts: Verdicts, result, rule_ids: set[str], scheme, segmenter: str | None) -> None:
    """One audited call's verdicts on its labelled rules."""
    from .rules import CallContext, NotApplicable
    from .segment import get_segmenter

    call = result.call
    for rule_id in result.not_applicable:
        verdicts.not_applicable.add((call.call_id, rule_id))
    for f in result.findings:
        if f.rule_id in rule_ids:
            pair = (call.call_id, f.rule_id)
            quoted = verdicts.found.setdefault(pair, [])
            if not quoted and f.turn:  # the turn before the first finding: what it answers
                before = f.turn - 1
                verdicts.context[pair] = [
                    f"turn {before} ({call.turns.speakers[before]}): {_clip(call.turns.texts[before])}"
                ]
            if len(quoted) < EVIDENCE_PER_PAIR:
                quoted.append(_quote_finding(f.turn, f.speaker, f.excerpt, f.message))
    ctx = None
    for rule_id in sorted(rule_ids):
        if (call.call_id, rule_id) in verdicts.found:
            continue
        try:
            rule = scheme.rule(rule_id)
        except KeyError:
            continue
        if ctx is None:
            ctx = CallContext(call, scheme.book, get_segmenter(segmenter or scheme.segmenter))
        # A response rule is judged on its triggers: quote the turns of the speaker who triggers it.
        trigger = getattr(getattr(rule.config, "when", None), "speaker", None)
        try:
            scope = list(rule.scope(ctx, trigger))
        except NotApplicable:
            continue
        quoted = [f"turn {i} ({call.turns.speakers[i]}): {_clip(call.turns.texts[i])}" for i in scope[:SCOPE_TURNS]]
        if len(scope) > SCOPE_TURNS:
            quoted.append(f"… {len(scope) - SCOPE_TURNS} more turn(s) in the rule's scope")
        verdicts.context[(call.call_id, rule_id)] = quoted


def _quote_finding(turn, speaker, excerpt: str, message: str) -> str:
    if turn is None:
        return f"call-level: {message}"
    return f"turn {turn} ({speaker}): {excerpt}"


def _clip(text: str, width: int = 60) -> str:
    text = text.strip()
    return text if len(text) <= width else text[:width] + "…"


def read_audit(folder: Path, labels: list[Label], rule_ids: list[str]) -> Verdicts:
    """The verdicts of an audit already written to `folder` (findings.jsonl, or findings.csv;
    calls.csv says which calls it audited and which rules it could not judge). No transcript is
    read, so a miss is quoted without its turns."""
    calls_csv = folder / "calls.csv"
    if not calls_csv.is_file():
        raise FileNotFoundError(f"{calls_csv}: no calls.csv: --findings takes the folder an audit wrote")
    wanted = {label.call_id for label in labels}
    verdicts = Verdicts(source=f"read from the audit in {folder}", rules=list(rule_ids))
    with calls_csv.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            call_id = row.get("call_id", "")
            if call_id in wanted:
                verdicts.calls.add(call_id)
                for rule_id in filter(None, (row.get("not_applicable") or "").split(";")):
                    verdicts.not_applicable.add((call_id, rule_id))
    for row in _finding_rows(folder):
        call_id = row.get("call_id")
        if call_id in wanted:
            rule_id = row.get("rule_id", "")
            quoted = verdicts.found.setdefault((call_id, rule_id), [])
            if len(quoted) < EVIDENCE_PER_PAIR:
                turn = row.get("turn")
                turn = None if turn in (None, "") else int(turn)
                quoted.append(
                    _quote_finding(turn, row.get("speaker"), row.get("excerpt") or "", row.get("message") or "")
                )
    return verdicts


def _finding_rows(folder: Path) -> Iterator[dict]:
    jsonl = folder / "findings.jsonl"
    if jsonl.is_file():
        with jsonl.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)
        return
    table = folder / "findings.csv"
    if not table.is_file():
        raise FileNotFoundError(f"{folder}: neither findings.jsonl nor findings.csv")
    with table.open(encoding="utf-8-sig", newline="") as fh:
        yield from csv.DictReader(fh)


# -- the comparison -------------------------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    label: Label
    verdict: Verdict
    context: tuple[str, ...]  # a miss: the turns the rule looked at; a false positive: the turn before


@dataclass
class Calibration:
    """Labels against verdicts: per-rule metrics (every scheme rule, labelled or not) and what
    could not be compared."""

    source: str
    rules: list[RuleMetrics]
    disagreements: dict[str, list[Disagreement]]
    unknown_calls: list[Label]  # labelled calls the checker did not see
    unknown_rules: list[Label]  # labels naming a rule the scheme does not have
    not_applicable: list[Label]  # pairs the checker could not judge (e.g. no timestamps)
    calls: int  # labelled calls compared

    def worst_first(self) -> list[RuleMetrics]:
        """Rules with disagreements first, lowest κ first (then more disagreements), then the
        rest in scheme order."""
        order = {m.rule_id: i for i, m in enumerate(self.rules)}
        return sorted(
            self.rules,
            key=lambda m: (
                m.disagreements == 0,
                m.kappa if m.kappa is not None else Fraction(2),
                -m.disagreements,
                order[m.rule_id],
            ),
        )

    def below(self, min_kappa: float | None) -> list[RuleMetrics]:
        """Rules with enough labels whose κ is under `min_kappa` (undefined κ is not judged)."""
        if min_kappa is None:
            return []
        return [
            m
            for m in self.rules
            if m.labelled >= MIN_LABELS_FOR_GATE and m.kappa is not None and m.kappa < Fraction(str(min_kappa))
        ]


def calibrate(labels: list[Label], verdicts: Verdicts) -> Calibration:
    known = set(verdicts.rules)
    pairs: list[tuple[str, bool, bool]] = []
    disagreements: dict[str, list[Disagreement]] = {}
    unknown_calls, unknown_rules, not_applicable = [], [], []
    compared_calls = set()
    for label in labels:
        if label.rule_id not in known:
            unknown_rules.append(label)
            continue
        if label.call_id not in verdicts.calls:
            unknown_calls.append(label)
            continue
        verdict = verdicts.verdict(label.call_id, label.rule_id)
        if verdict.not_applicable:
            not_applicable.append(label)
            continue
        compared_calls.add(label.call_id)
        pairs.append((label.rule_id, verdict.fired, label.fires))
        if verdict.fired != label.fires:
            context = tuple(verdicts.context.get((label.call_id, label.rule_id), ()))
            disagreements.setdefault(label.rule_id, []).append(Disagreement(label, verdict, context))
    found = metrics(pairs)
    rules = [found.get(rule_id, RuleMetrics(rule_id)) for rule_id in verdicts.rules]
    return Calibration(
        verdicts.source, rules, disagreements, unknown_calls, unknown_rules, not_applicable, len(compared_calls)
    )


# -- output ---------------------------------------------------------------------------------

CSV_COLUMNS = ("rule_id", "labelled", "tp", "fp", "fn", "tn", "precision", "recall", "f1", "kappa")


def _num(value: Fraction | None) -> str:
    """A metric for the CSV and the tables: four decimals, empty when undefined."""
    return "" if value is None else f"{float(value):.4f}"


def calibration_csv(cal: Calibration) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    from .report.cells import csv_cells  # (the report package loads its writers: only when writing)

    for m in cal.rules:  # through the one guard every CSV cell of the product passes
        writer.writerow(
            csv_cells(
                [
                    m.rule_id,
                    str(m.labelled),
                    str(m.tp),
                    str(m.fp),
                    str(m.fn),
                    str(m.tn),
                    _num(m.precision),
                    _num(m.recall),
                    _num(m.f1),
                    _num(m.kappa),
                ]
            )
        )
    return out.getvalue()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _verdict_word(fires: bool) -> str:
    return "fires (命中)" if fires else "does not fire (未命中)"


def calibration_markdown(cal: Calibration, scheme_name: str, labels_name: str, min_kappa: float | None = None) -> str:
    labelled = sum(m.labelled for m in cal.rules)
    agree = labelled - sum(m.disagreements for m in cal.rules)
    lines = [
        f"# Calibration: scheme `{scheme_name}` against `{labels_name}`",
        "",
        f"{labelled} labelled (call, rule) pair(s) in {cal.calls} call(s); the checker agrees on {agree}"
        f" ({_percent(agree, labelled)}). Checker verdicts: {cal.source}.",
        "",
        "| rule | labelled | tp | fp | fn | tn | precision | recall | F1 | κ |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in cal.worst_first():
        if not m.labelled:
            continue
        lines.append(
            f"| `{m.rule_id}` | {m.labelled} | {m.tp} | {m.fp} | {m.fn} | {m.tn} | {_num(m.precision) or '–'} "
            f"| {_num(m.recall) or '–'} | {_num(m.f1) or '–'} | {_num(m.kappa) or '–'} |"
        )
    lines += [
        "",
        "tp: both say the rule fires; fp: the checker fires, the reviewer says it should not; fn: the "
        "reviewer says it should fire, the checker does not; tn: neither. – : undefined (a zero "
        "denominator).",
    ]
    unlabelled = [m.rule_id for m in cal.rules if not m.labelled]
    if unlabelled:
        lines += ["", f"Rules without a label ({len(unlabelled)}): " + ", ".join(f"`{r}`" for r in unlabelled) + "."]
    failing = {m.rule_id for m in cal.below(min_kappa)}
    if min_kappa is not None:
        lines += [
            "",
            f"`--min-kappa {min_kappa}` (rules with at least {MIN_LABELS_FOR_GATE} labels): "
            + (
                f"**{len(failing)} rule(s) below**: " + ", ".join(f"`{r}`" for r in sorted(failing))
                if failing
                else "every rule meets it."
            ),
        ]
    for m in cal.worst_first():
        if not m.labelled:
            continue
        lines += [
            "",
            f"## `{m.rule_id}` — κ {_num(m.kappa) or 'undefined'}, {m.disagreements} disagreement(s)",
            "",
            "| | reviewer: fires | reviewer: does not fire |",
            "|---|---:|---:|",
            f"| **checker fires** | {m.tp} | {m.fp} |",
            f"| **checker does not fire** | {m.fn} | {m.tn} |",
        ]
        for d in cal.disagreements.get(m.rule_id, []):
            kind = "false positive" if d.verdict.fired else "miss"
            lines += [
                "",
                f"- **{kind}** — call `{d.label.call_id}` (labels line {d.label.line}): reviewer says "
                f"{_verdict_word(d.label.fires)}"
                + (f" — “{_cell(d.label.note)}”" if d.label.note else "")
                + f", checker {'fired' if d.verdict.fired else 'did not fire'}",
            ]
            quoted = d.context + d.verdict.evidence if d.verdict.fired else d.context
            if not quoted and not d.verdict.fired:
                quoted = (
                    ("(no finding; the transcript was not read: run without --findings to quote the turns)",)
                    if not cal.source.startswith("audited")
                    else ("(the rule looks at no turn of this call)",)
                )
            lines += [f"  > {_cell(q)}" + ("  " if i < len(quoted) - 1 else "") for i, q in enumerate(quoted)]
    lines += _not_compared(cal)
    return "\n".join(lines) + "\n"


def _not_compared(cal: Calibration) -> list[str]:
    out: list[str] = []
    groups = (
        ("Labels for calls the checker did not see", cal.unknown_calls),
        ("Labels for rules the scheme does not have", cal.unknown_rules),
        ("Labels the checker could not judge (rule not applicable, e.g. no timestamps)", cal.not_applicable),
    )
    for title, labels in groups:
        if labels:
            out += ["", f"## {title} ({len(labels)})", ""]
            out += [f"- line {l.line}: call `{l.call_id}`, rule `{l.rule_id}`" for l in labels]
    return out


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "–"


def write_calibration(
    out: Path, cal: Calibration, scheme_name: str, labels_name: str, min_kappa: float | None = None
) -> tuple[Path, Path]:
    """calibration.csv and calibration.md in `out`, each written under a temporary name first."""
    out.mkdir(parents=True, exist_ok=True)
    files = (
        (out / "calibration.csv", calibration_csv(cal)),
        (out / "calibration.md", calibration_markdown(cal, scheme_name, labels_name, min_kappa)),
    )
    for target, text in files:
        fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return files[0][0], files[1][0]
