"""`qa-check diff`: what a scheme change does to a set of calls, before it is merged.

Both schemes are compiled into one phrase book (`load_pair`), so each call is read, normalised
and scanned by the automaton once; each scheme then evaluates the call from that one scan
(`CallContext.sharing_scan`), sharing the turns' segmentation too when both use the same
segmenter. Only the rules' own work is done twice. A phrase of one scheme found in a call is
invisible to the other, whose rules and gates look up only their own keys.

Rules that are the same in both schemes are evaluated once per call, their findings shared
(`RuleSplit`): a scheme change that touches two rules costs about one audit and two rules.

The result says which calls' `passed` or `fatal` flips, how scores moved, and per rule which
findings appeared and disappeared (a finding is its rule, turn, span and quoted text: a finding
that only costs a different deduction is neither added nor removed). The renderers (text,
markdown for a pull-request comment, JSON) are in `FORMATS`.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .model import Call, CallResult, Finding, InputError, SkippedFile
from .scheme import Scheme

__all__ = [
    "CallChange",
    "Example",
    "RuleChange",
    "SchemeDiff",
    "GitSchemeError",
    "load_pair",
    "diff_calls",
    "diff_paths",
    "scheme_changes",
    "git_scheme",
    "FORMATS",
    "render_text",
    "render_markdown",
    "render_json",
]


@dataclass(frozen=True)
class CallChange:
    """A call whose score, `passed` or `fatal` differs between the schemes."""

    call_id: str
    agent_id: str | None
    old_score: float
    new_score: float
    old_passed: bool
    new_passed: bool
    old_fatal: bool
    new_fatal: bool

    @property
    def flipped(self) -> bool:
        return self.old_passed != self.new_passed or self.old_fatal != self.new_fatal

    @property
    def delta(self) -> float:
        return round(self.new_score - self.old_score, 2)


@dataclass(frozen=True)
class Example:
    """One finding, as a reviewer reads it."""

    call_id: str
    turn: int | None
    speaker: str | None
    excerpt: str
    message: str

    @classmethod
    def of(cls, f: Finding) -> "Example":
        return cls(f.call_id, f.turn, f.speaker, f.excerpt, f.message)

    def quote(self) -> str:
        where = f"turn {self.turn} ({self.speaker})" if self.turn is not None else "call-level"
        return f"{self.call_id} {where}: {self.excerpt or self.message}"


@dataclass
class RuleChange:
    """Findings of one rule that only the new scheme reports (added) or only the old (removed),
    with the first of each in input order."""

    rule_id: str
    added: int = 0
    removed: int = 0
    added_example: Example | None = None
    removed_example: Example | None = None


@dataclass
class SchemeDiff:
    old_name: str  # the schemes as named on the command line
    new_name: str
    calls: int = 0  # audited under both
    errors: list[InputError] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)  # files of other types in a folder: listed, not rejected
    changes: list[CallChange] = field(default_factory=list)  # in input order
    deltas: Counter = field(default_factory=Counter)  # score change -> calls (0 included)
    rules: dict[str, RuleChange] = field(default_factory=dict)
    scheme_changes: list[str] = field(default_factory=list)
    rule_order: list[str] = field(default_factory=list)  # new scheme's rules, then the dropped ones

    @property
    def flips(self) -> list[CallChange]:
        return [c for c in self.changes if c.flipped]

    @property
    def passed_flips(self) -> list[CallChange]:
        return [c for c in self.changes if c.old_passed != c.new_passed]

    def changed_rules(self) -> list[RuleChange]:
        order = {r: i for i, r in enumerate(self.rule_order)}
        found = [r for r in self.rules.values() if r.added or r.removed]
        return sorted(found, key=lambda r: (order.get(r.rule_id, len(order)), r.rule_id))


# -- loading both schemes -------------------------------------------------------------------


def load_pair(old_path: Path, new_path: Path) -> tuple[Scheme, Scheme]:
    """Both schemes, compiled into one phrase book; raises SchemeError with the problems of
    both when either is invalid (every `file:line:col`, the base's first)."""
    from .match import PhraseBook
    from .scheme import load_scheme
    from .yamlpos import SchemeError

    book = PhraseBook()
    problems: list[str] = []
    schemes: list[Scheme] = []
    for path in (old_path, new_path):
        try:
            schemes.append(load_scheme(path, book=book))
        except SchemeError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SchemeError(problems)
    book.build()
    return schemes[0], schemes[1]


def scheme_changes(old: Scheme, new: Scheme) -> list[str]:
    """What differs between the schemes, in words: scoring, and rules added, removed or changed
    (with the keys that changed; examples and descriptions left out)."""
    out: list[str] = []
    so, sn = old.scoring, new.scoring
    if so.pass_ != sn.pass_:
        out.append(f"pass line {_num(so.pass_)} → {_num(sn.pass_)}")
    if so.full != sn.full:
        out.append(f"full score {_num(so.full)} → {_num(sn.full)}")
    for name in sorted(set(so.sections) | set(sn.sections)):
        a, b = so.sections.get(name), sn.sections.get(name)
        cap_a = a.max_deduct if a is not None else None
        cap_b = b.max_deduct if b is not None else None
        if cap_a != cap_b:
            out.append(f"section {name} max_deduct {_num(cap_a)} → {_num(cap_b)}")
    for name in sorted(old.lexicons.keys() | new.lexicons.keys()):
        la, lb = old.lexicons.get(name), new.lexicons.get(name)
        if la == lb:
            continue
        if la is None or lb is None:
            out.append(f"lexicon {name} {'added' if la is None else 'removed'}")
            continue
        gone = [_item(i) for i in la if i not in lb]
        came = [_item(i) for i in lb if i not in la]
        out.append(f"lexicon {name}: " + ", ".join([f"+{i}" for i in came] + [f"−{i}" for i in gone] or ["reordered"]))
    olds = {r.id: r for r in old.rules}
    news = {r.id: r for r in new.rules}
    for rid in news.keys() - olds.keys():
        out.append(f"rule {rid} added")
    for rid in olds.keys() - news.keys():
        out.append(f"rule {rid} removed")
    for rid in [r.id for r in new.rules if r.id in olds]:
        shown = list(
            _changed_keys(
                olds[rid].config.model_dump(exclude={"examples", "description"}),
                news[rid].config.model_dump(exclude={"examples", "description"}),
            )
        )
        if shown:
            out.append(f"rule {rid}: " + "; ".join(shown))
    # rules in the new scheme's order, the removed ones after
    order = {r.id: len(new.rules) + i for i, r in enumerate(old.rules)} | {r.id: i for i, r in enumerate(new.rules)}
    head = [line for line in out if not line.startswith("rule ")]
    rules = sorted(
        (line for line in out if line.startswith("rule ")), key=lambda line: order.get(line.split()[1].rstrip(":"), 0)
    )
    return head + rules


def _changed_keys(a: dict, b: dict, prefix: str = "") -> Iterator[str]:
    """`key old → new` for each key whose value differs, nested keys dotted (`when.phrases`);
    a list of phrases as the items it gained and lost."""
    for key in sorted(a.keys() | b.keys()):
        x, y = a.get(key), b.get(key)
        if x == y:
            continue
        name = prefix + str(key)
        if isinstance(x, dict) and isinstance(y, dict):
            yield from _changed_keys(x, y, name + ".")
        elif isinstance(x, list) and isinstance(y, list) and all(isinstance(i, (str, dict)) for i in x + y):
            came = [_item(i) for i in y if i not in x]
            gone = [_item(i) for i in x if i not in y]
            yield f"{name} " + " ".join([f"+{i}" for i in came] + [f"−{i}" for i in gone] or ["reordered"])
        else:
            yield f"{name} {_short(x)} → {_short(y)}"


def _item(item) -> str:
    if isinstance(item, dict):
        return str(item.get("phrase", item))
    return item if isinstance(item, str) else getattr(item, "phrase", str(item))


def _num(value) -> str:
    if value is None:
        return "none"
    return str(int(value)) if float(value).is_integer() else str(value)


def _short(value, width: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, (int, float)) else _num(value)
    return text if len(text) <= width else text[: width - 1] + "…"


# -- auditing the calls under both ----------------------------------------------------------

CHUNK = 64  # calls normalised and scanned together (as `engine.audit_calls` does)


def diff_calls(
    items: Iterable[Call | InputError | tuple[Call, Call]],
    old: Scheme,
    new: Scheme,
    segmenter: str | None = None,
    old_name: str = "base",
    new_name: str = "new",
) -> SchemeDiff:
    """Audit every call under both schemes (compiled into one phrase book, `load_pair`) and
    compare. An item may be a pair (the call as read with the base's roles, and with the new
    scheme's) when the schemes map speakers differently."""
    from .segment import get_segmenter

    seg_old = get_segmenter(segmenter or old.segmenter)
    seg_new = (
        seg_old
        if (segmenter or new.segmenter) == (segmenter or old.segmenter)
        else get_segmenter(segmenter or new.segmenter)
    )
    result = SchemeDiff(old_name, new_name, scheme_changes=scheme_changes(old, new))
    result.rule_order = [r.id for r in new.rules] + [r.id for r in old.rules if r.id not in {r.id for r in new.rules}]
    split = split_rules(old, new, seg_old is seg_new)
    chunk: list = []
    for item in items:
        if isinstance(item, SkippedFile):
            result.skipped.append(item)
            continue
        if isinstance(item, InputError):
            result.errors.append(item)
            continue
        chunk.append(item)
        if len(chunk) == CHUNK:
            _diff_chunk(chunk, old, new, seg_old, seg_new, split, result)
            chunk = []
    if chunk:
        _diff_chunk(chunk, old, new, seg_old, seg_new, split, result)
    return result


def _diff_chunk(chunk: list, old: Scheme, new: Scheme, seg_old, seg_new, split: "RuleSplit", out: SchemeDiff) -> None:
    from .rules import CallContext

    if old.book is not new.book:  # schemes not loaded by `load_pair`: nothing to share but the reading
        raise ValueError("diff_calls needs both schemes compiled into one phrase book (load_pair)")
    pairs = [item if isinstance(item, tuple) else (item, item) for item in chunk]
    olds = [CallContext(a, old.book, seg_old, vectorised=True) for a, _ in pairs]
    CallContext.scan_together(olds)
    for ctx, (a, b) in zip(olds, pairs):
        twin = ctx.sharing_scan(seg_new) if b is a else CallContext(b, new.book, seg_new, vectorised=True)
        compare(*split.results(ctx, twin), out)


@dataclass(frozen=True)
class RuleSplit:
    """The rules of two schemes split for evaluation: those that are the same rule in both (same
    kind, same keys, the same lexicons behind its `@names`, the same dialect markers) are
    evaluated once per call and their findings given to both; only the others (changed, added,
    removed) are evaluated under each scheme. Each part is a scheme of its own holding only
    those rules, run by `engine.evaluate_call`."""

    old: Scheme
    new: Scheme
    common: Scheme | None
    old_only: Scheme | None
    new_only: Scheme | None

    def results(self, ctx, twin) -> tuple[CallResult, CallResult]:
        """The call of `ctx` scored under the old scheme and, from `twin` (the same scan), the new."""
        from .engine import evaluate_call
        from .score import score_call

        shared_f, shared_na = (
            evaluate_call(ctx.call, self.common, None, ctx)[:2] if self.common is not None else ([], ())
        )
        sides = []
        for scheme, part, c in ((self.old, self.old_only, ctx), (self.new, self.new_only, twin)):
            own_f, own_na = evaluate_call(c.call, part, None, c)[:2] if part is not None else ([], ())
            findings = _in_order(shared_f + own_f, scheme) if shared_f and own_f else (own_f or list(shared_f))
            not_applicable = (
                tuple(_in_rule_order(shared_na + own_na, scheme)) if shared_na and own_na else (own_na or shared_na)
            )
            sides.append(score_call(c.call, findings, scheme, not_applicable))
        return sides[0], sides[1]


def split_rules(old: Scheme, new: Scheme, same_segmenter: bool = True) -> RuleSplit:
    """See `RuleSplit`. Nothing is shared when the schemes segment or map speakers differently."""
    from dataclasses import replace

    if not same_segmenter or old.roles != new.roles:
        return RuleSplit(old, new, None, old, new)
    new_prints = {r.id: _fingerprint(r, new) for r in new.rules}
    same = {r.id for r in old.rules if new_prints.get(r.id) == _fingerprint(r, old)}

    def part(scheme: Scheme, rules: list) -> Scheme | None:
        return replace(scheme, rules=rules) if rules else None

    return RuleSplit(
        old,
        new,
        part(old, [r for r in old.rules if r.id in same]),
        part(old, [r for r in old.rules if r.id not in same]),
        part(new, [r for r in new.rules if r.id not in same]),
    )


def _fingerprint(rule, scheme: Scheme) -> tuple:
    """What decides a rule's findings on a call, comparable across schemes."""
    keys = rule.config.model_dump(exclude={"examples", "description"})
    written = json.dumps(keys, sort_keys=True, ensure_ascii=False, default=repr)
    names = sorted(_lexicon_names(keys))
    lexicons = tuple((n, repr(scheme.lexicons.get(n))) for n in names)
    return type(rule), written, lexicons, tuple(getattr(rule, "dialects", ()) or ())


def _lexicon_names(value) -> Iterator[str]:
    if isinstance(value, str):
        if value.startswith("@"):
            yield value[1:]
    elif isinstance(value, dict):
        for v in value.values():
            yield from _lexicon_names(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _lexicon_names(v)


def _in_order(findings: list[Finding], scheme: Scheme) -> list[Finding]:
    """Findings as `engine.evaluate_call` orders them: by turn (call-level last), span, then the
    scheme's rule order."""
    table = scheme.rule_table()
    return sorted(findings, key=lambda f: (f.turn is None, f.turn or 0, f.span or (0, 0), table[f.rule_id][0]))


def _in_rule_order(rule_ids, scheme: Scheme) -> list[str]:
    table = scheme.rule_table()
    return sorted(rule_ids, key=lambda r: table[r][0])


def compare(before: CallResult, after: CallResult, out: SchemeDiff) -> None:
    """Add one call's two results to `out`."""
    out.calls += 1
    out.deltas[round(after.score - before.score, 2)] += 1
    if (before.score, before.passed, before.fatal) != (after.score, after.passed, after.fatal):
        call = after.call
        out.changes.append(
            CallChange(
                call.call_id,
                call.agent_id,
                before.score,
                after.score,
                before.passed,
                after.passed,
                before.fatal,
                after.fatal,
            )
        )
    if not before.findings and not after.findings:
        return
    a, b = Counter(map(_identity, before.findings)), Counter(map(_identity, after.findings))
    if a == b:
        return
    for findings, gone, side in ((after.findings, b - a, "added"), (before.findings, a - b, "removed")):
        for f in findings:
            key = _identity(f)
            if gone.get(key, 0) <= 0:
                continue
            gone[key] -= 1
            change = out.rules.get(f.rule_id)
            if change is None:
                change = out.rules[f.rule_id] = RuleChange(f.rule_id)
            if side == "added":
                change.added += 1
                change.added_example = change.added_example or Example.of(f)
            else:
                change.removed += 1
                change.removed_example = change.removed_example or Example.of(f)


def _identity(f: Finding) -> tuple:
    """What makes two findings the same finding under two schemes: rule, place and quote (not
    the deduction or the message, which a re-weighted or re-worded rule changes)."""
    return f.rule_id, f.turn, f.span, f.matched


def read_once(
    paths: list[Path], old: Scheme, new: Scheme, calls_meta: Path | None = None
) -> Iterator[Call | InputError | tuple[Call, Call]]:
    """The calls under `paths`, each read once (a second time, in step, only when the schemes
    map speaker labels to roles differently); a repeated call id is rejected as the audit does."""
    from .read import read_paths

    seen: dict[str, str] = {}

    def unique(item):
        if isinstance(item, InputError):
            return item
        first = seen.get(item.call_id)
        if first is None:
            seen[item.call_id] = f"{item.source}:{item.line}" if item.line else str(item.source)
            return item
        return InputError(
            str(item.source), item.line, f"duplicate call_id {item.call_id!r} (first at {first})", item.call_id
        )

    if old.roles == new.roles:
        for item in read_paths(paths, new.roles, calls_meta):
            yield unique(item)
        return
    for a, b in zip(read_paths(paths, old.roles, calls_meta), read_paths(paths, new.roles, calls_meta)):
        if isinstance(a, InputError) or isinstance(b, InputError):
            yield a if isinstance(a, InputError) else b
            continue
        checked = unique(b)
        yield checked if isinstance(checked, InputError) else (a, b)


def diff_paths(
    paths: list[Path],
    old: Scheme,
    new: Scheme,
    segmenter: str | None = None,
    calls_meta: Path | None = None,
    old_name: str = "base",
    new_name: str = "new",
) -> SchemeDiff:
    return diff_calls(read_once(paths, old, new, calls_meta), old, new, segmenter, old_name, new_name)


# -- a base scheme from Git -----------------------------------------------------------------


class GitSchemeError(Exception):
    pass


@contextmanager
def git_scheme(spec: str, cwd: Path | None = None) -> Iterator[tuple[Path, Callable[[str], str]]]:
    """A scheme at a Git revision, `REV:PATH` (`main:qa_rules`, `HEAD~1:qa_rules/hotline.yaml`),
    written into a temporary folder with `git ls-tree` and `git show`: a scheme folder with its
    subfolders (lexicons), or a file with the `lexicons/` folder beside it, if any. Yields the
    path to load and a function that rewrites the temporary paths in a message as `REV:PATH`."""
    rev, _, inner = spec.partition(":")
    if not rev:
        raise GitSchemeError(f"{spec}: expected REV:PATH, e.g. main:qa_rules")
    inner = inner.strip("/") or "."
    kind = _git(["cat-file", "-t", f"{rev}:{inner}"], cwd, spec).decode().strip()
    with tempfile.TemporaryDirectory(prefix="qa-check-base-") as tmp:
        root = Path(tmp)
        name = PurePosixPath(inner).name or "scheme"
        if kind == "tree":
            target = root / name
            _export_tree(rev, inner, target, cwd, spec)
        elif kind == "blob":
            target = root / name
            target.write_bytes(_git(["show", f"{rev}:{inner}"], cwd, spec))
            parent = PurePosixPath(inner).parent
            lexicons = f"{parent}/lexicons" if str(parent) != "." else "lexicons"
            if _git_kind(rev, lexicons, cwd) == "tree":
                _export_tree(rev, lexicons, root / "lexicons", cwd, spec)
        else:
            raise GitSchemeError(f"{spec}: a Git {kind}, not a scheme file or folder")
        shown = f"{rev}:{inner}"

        def where(message: str) -> str:
            return message.replace(str(target), shown).replace(str(root), f"{rev}:{PurePosixPath(inner).parent}")

        yield target, where


def _export_tree(rev: str, inner: str, target: Path, cwd: Path | None, spec: str) -> None:
    names = _git(["ls-tree", "-r", "-z", "--name-only", f"{rev}:{inner}"], cwd, spec).split(b"\0")
    for raw in filter(None, names):
        rel = raw.decode("utf-8", "surrogateescape")
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(_git(["show", f"{rev}:{inner}/{rel}"], cwd, spec))
    target.mkdir(parents=True, exist_ok=True)


def _git_kind(rev: str, inner: str, cwd: Path | None) -> str | None:
    done = subprocess.run(["git", "cat-file", "-t", f"{rev}:{inner}"], cwd=cwd, capture_output=True)
    return done.stdout.decode().strip() if done.returncode == 0 else None


def _git(args: list[str], cwd: Path | None, spec: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True)
    except FileNotFoundError as exc:
        raise GitSchemeError(f"{spec}: git is not installed: {exc}") from exc
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitSchemeError(f"{spec}: not a scheme in Git ({reason[-1] if reason else 'git failed'})")
    return done.stdout


# -- output ---------------------------------------------------------------------------------

MAX_ROWS = 50  # flipped calls listed in full; the rest counted (a pull-request comment stays short)


def _score(value: float) -> str:
    return _num(round(value, 2))


def _state(passed: bool, fatal: bool) -> str:
    return "fatal" if fatal else "pass" if passed else "fail"


def summary_line(d: SchemeDiff) -> str:
    flips = d.passed_flips
    to_fail = sum(1 for c in flips if c.old_passed)
    up = sum(n for delta, n in d.deltas.items() if delta > 0)
    down = sum(n for delta, n in d.deltas.items() if delta < 0)
    fatal = sum(1 for c in d.changes if c.old_fatal != c.new_fatal)
    added = sum(r.added for r in d.rules.values())
    removed = sum(r.removed for r in d.rules.values())
    return (
        f"{d.calls} call(s) audited under both schemes: {len(flips)} flip passed "
        f"({to_fail} pass → fail, {len(flips) - to_fail} fail → pass), {fatal} flip fatal; "
        f"{down} score(s) down, {up} up; findings +{added} −{removed}"
    )


def _distribution(d: SchemeDiff) -> list[tuple[str, int]]:
    return [(("+" if delta > 0 else "") + _num(delta), n) for delta, n in sorted(d.deltas.items())]


def render_text(d: SchemeDiff) -> str:
    lines = [f"diff {d.old_name} → {d.new_name}", summary_line(d)]
    if d.scheme_changes:
        lines += ["", "scheme changes:"] + [f"  {c}" for c in d.scheme_changes]
    flips = d.flips
    if flips:
        lines += ["", "flipped calls (old → new):"]
        for c in flips:
            lines.append(
                f"  {c.call_id}  {c.agent_id or '-'}  {_state(c.old_passed, c.old_fatal)} {_score(c.old_score)}"
                f" → {_state(c.new_passed, c.new_fatal)} {_score(c.new_score)}"
            )
    if d.calls:
        lines += ["", "score changes (new − old: calls):"]
        lines += [f"  {delta:>7}: {n}" for delta, n in _distribution(d)]
    rules = d.changed_rules()
    if rules:
        lines += ["", "findings by rule (+added −removed):"]
        for r in rules:
            lines.append(f"  {r.rule_id}: +{r.added} −{r.removed}")
            if r.added_example:
                lines.append(f"    + {r.added_example.quote()}")
            if r.removed_example:
                lines.append(f"    − {r.removed_example.quote()}")
    if not d.changes and not rules:
        lines += ["", "no call's result changes."]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(d: SchemeDiff) -> str:
    """A pull-request comment: the summary, the scheme changes, the flipped calls, the score
    distribution and the findings each rule gains and loses, with one example each."""
    lines = [f"### qa-check diff: `{d.old_name}` → `{d.new_name}`", "", f"**{summary_line(d)}**"]
    if d.scheme_changes:
        lines += ["", "Scheme changes:", ""] + [f"- {_md(c)}" for c in d.scheme_changes]
    flips = d.flips
    if flips:
        lines += [
            "",
            f"#### Flipped calls ({len(flips)})",
            "",
            "| call | agent | old | new | score |",
            "|---|---|---|---|---:|",
        ]
        for c in flips[:MAX_ROWS]:
            lines.append(
                f"| `{c.call_id}` | {c.agent_id or '–'} | {_state(c.old_passed, c.old_fatal)} "
                f"| **{_state(c.new_passed, c.new_fatal)}** | {_score(c.old_score)} → {_score(c.new_score)} |"
            )
        if len(flips) > MAX_ROWS:
            lines.append(f"| … {len(flips) - MAX_ROWS} more | | | | |")
    moved = [(delta, n) for delta, n in _distribution(d) if delta != "0"]
    if moved:
        lines += ["", "#### Score changes", "", "| new − old | calls |", "|---:|---:|"]
        lines += [f"| {delta} | {n} |" for delta, n in moved]
        lines.append(f"| 0 | {d.deltas.get(0, 0)} |")
    rules = d.changed_rules()
    if rules:
        lines += ["", "#### Findings by rule", "", "| rule | added | removed | example |", "|---|---:|---:|---|"]
        for r in rules:
            examples = []
            if r.added_example:
                examples.append("+ " + _md(r.added_example.quote()))
            if r.removed_example:
                examples.append("− " + _md(r.removed_example.quote()))
            lines.append(f"| `{r.rule_id}` | {r.added} | {r.removed} | {'<br>'.join(examples)} |")
    if not d.changes and not rules:
        lines += ["", "No call's result changes."]
    if d.errors:
        lines += ["", f"{len(d.errors)} input record(s) rejected (see the command's stderr)."]
    return "\n".join(lines) + "\n"


def render_json(d: SchemeDiff) -> str:
    """SPEC's `calls` (changed calls) and `rules` (rules whose findings changed), plus a summary,
    the scheme changes, the fatal flags and one example per side."""
    data = {
        "calls": [
            {
                "call_id": c.call_id,
                "old_score": c.old_score,
                "new_score": c.new_score,
                "old_passed": c.old_passed,
                "new_passed": c.new_passed,
                "old_fatal": c.old_fatal,
                "new_fatal": c.new_fatal,
                "agent_id": c.agent_id,
            }
            for c in d.changes
        ],
        "rules": [
            {
                "rule_id": r.rule_id,
                "added": r.added,
                "removed": r.removed,
                "added_example": _example_json(r.added_example),
                "removed_example": _example_json(r.removed_example),
            }
            for r in d.changed_rules()
        ],
        "summary": {
            "base": d.old_name,
            "new": d.new_name,
            "calls": d.calls,
            "passed_flips": len(d.passed_flips),
            "fatal_flips": sum(1 for c in d.changes if c.old_fatal != c.new_fatal),
            "score_changes": {k: n for k, n in _distribution(d)},
            "rejected": len(d.errors),
        },
        "scheme_changes": d.scheme_changes,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _example_json(e: Example | None):
    if e is None:
        return None
    return {"call_id": e.call_id, "turn": e.turn, "speaker": e.speaker, "excerpt": e.excerpt, "message": e.message}


FORMATS: dict[str, Callable[[SchemeDiff], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}
