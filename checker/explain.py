"""`qa-check explain`: one call as a readable transcript, each finding shown where it happened.

Every turn is a row: time, speaker, text, and in the right margin the rules that fired on it with
what they cost. The matched text is coloured in place (in a terminal) or bracketed 【like this】
(piped, no colour), and each finding's message and suggestion sit under its turn. Then the
call-level findings, the rules that could not be judged on this call, and the score line.

Built on rich, which writes no escape codes when the output is not a terminal. Text is folded
here, by display width (a Chinese character is two columns) and with Chinese line-breaking rules
(no line starts with `，。？`), so the table holds in 80 columns.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.rule import Rule as HRule
from rich.table import Table
from rich.cells import cell_len
from rich.text import Text

from .engine import audit_call
from .report.mask import masked_result
from .model import AGENT, CUSTOMER, CallResult, Finding, InputError
from .read import read_paths
from .scheme import Scheme

__all__ = ["explain_file", "render_result", "print_results", "ExplainRun", "SPEAKER_LABELS"]

SPEAKER_LABELS = {AGENT: "坐席", CUSTOMER: "客户", "system": "系统"}
SEVERITY_COLOUR = {"error": "red", "warning": "yellow", "info": "cyan"}
TIME_WIDTH = 7  # mm:ss.s
WHO_WIDTH = 4  # 坐席
OPEN, CLOSE = "【", "】"  # marks a matched span when there is no colour to show it


@dataclass(frozen=True)
class _Look:
    """How to show things: with colour, or with brackets standing in for it."""

    colour: bool

    def finding_style(self, f: Finding) -> str:
        if f.fatal:
            return "bold white on red"
        return f"bold {SEVERITY_COLOUR.get(f.severity, 'red')}"


def print_results(console: Console, results: Iterable[CallResult], scheme: Scheme) -> None:
    """Explain each result in turn, a blank line between calls."""
    for i, result in enumerate(results):
        if i:
            console.print()
        console.print(render_result(result, scheme, colour=console.color_system is not None, width=console.width))


def render_result(result: CallResult, scheme: Scheme, colour: bool = True, width: int = 80) -> RenderableType:
    """The whole explanation of one audited call, as one rich renderable `width` columns wide."""
    look = _Look(colour)
    parts: list[RenderableType] = [_header(result), _transcript(result, look, width)]
    parts.extend(_call_level(result, look, width))
    parts.extend(_not_applicable(result, scheme))
    parts.append(_score_line(result, scheme))
    return Group(*parts)


# --------------------------------------------------------------------------- parts


def _header(result: CallResult) -> RenderableType:
    call = result.call
    who = " ".join(x for x in (call.agent_id, call.agent_name) if x)
    facts = [f"agent {who}" if who else "agent unknown"]
    facts += [x for x in (call.team, call.started_at, call.direction) if x]
    facts.append(f"{len(call.turns)} turns")
    title = Text(f" call {call.call_id} ", style="bold")
    lines: list[RenderableType] = [HRule(title, style="dim", align="left"), Text(" · ".join(facts), style="dim")]
    if call.source:
        where = f"{call.source}:{call.line}" if call.line and call.line > 1 else call.source
        lines.append(Text(where, style="dim", overflow="fold"))
    return Group(*lines)


def _transcript(result: CallResult, look: _Look, width: int) -> RenderableType:
    call = result.call
    by_turn: dict[int, list[Finding]] = {}
    for f in result.findings:
        if f.turn is not None and 0 <= f.turn < len(call.turns):
            by_turn.setdefault(f.turn, []).append(f)
    timed = any(t.start is not None for t in call.turns)
    margins = {i: _margin(fs, look) for i, fs in by_turn.items()}

    # Fixed widths, so that the text column can be folded here, Chinese-style (see `fold`).
    index_w = max(1, len(str(len(call.turns))))
    fixed = [index_w] + ([TIME_WIDTH] if timed else []) + [WHO_WIDTH]
    # The margin takes what its longest line needs, up to about a quarter of the width; narrower,
    # a cost and its rule id go on two lines, but a rule id is not cut if a third of the width holds it.
    needed = max((m.cell_len for m in margins.values()), default=0)
    longest_id = max((cell_len(f.rule_id) for fs in by_turn.values() for f in fs), default=0)
    margin_w = min(needed, max(12, min(24, width * 28 // 100), min(longest_id, width // 3)))
    columns = len(fixed) + 1 + (1 if margin_w else 0)
    text_w = max(12, width - sum(fixed) - margin_w - 2 * (columns - 1))

    table = Table(box=None, padding=(0, 1), pad_edge=False, show_header=True, header_style="dim")
    table.add_column("#", justify="right", style="dim", no_wrap=True, width=index_w)
    if timed:
        table.add_column("time", style="dim", no_wrap=True, width=TIME_WIDTH)
    table.add_column("who", no_wrap=True, width=WHO_WIDTH)
    table.add_column("text", width=text_w, overflow="fold")
    if margin_w:
        table.add_column("rules", width=margin_w, overflow="fold")

    blank = [""] * len(fixed)
    for i, turn in enumerate(call.turns):
        findings = by_turn.get(i, [])
        speaker = Text(SPEAKER_LABELS.get(turn.speaker, turn.speaker), style="bold" if turn.speaker == AGENT else "")
        # Turns are numbered for people, from 1 (第N轮 on the coaching pages, 轮次 in report.xlsx);
        # findings.jsonl/csv keep the SPEC's 0-based `turn`.
        row: list[RenderableType] = [str(i + 1), *([_clock(turn.start)] if timed else []), speaker]
        row.append(fold(_marked_text(turn.text, findings, look), text_w))
        if margin_w:
            row.append(margins.get(i, ""))
        table.add_row(*row)
        for f, times in _grouped(findings, lambda f: (f.rule_id, f.message, f.matched, f.suggest)):
            table.add_row(*blank, _note(f, times, look, text_w), *([""] if margin_w else []))
    return Padding(table, (1, 0, 0, 0))


def _grouped(findings: list[Finding], key) -> list[tuple[Finding, int]]:
    """Findings with the same key once each, in order, with how many times they occur."""
    counts: dict = {}
    first: dict = {}
    for f in findings:
        k = key(f)
        counts[k] = counts.get(k, 0) + 1
        first.setdefault(k, f)
    return [(first[k], counts[k]) for k in first]


def _marked_text(text: str, findings: list[Finding], look: _Look) -> Text:
    spans = sorted(
        ((f.span, f) for f in findings if f.span and 0 <= f.span[0] < f.span[1] <= len(text)), key=lambda x: x[0]
    )
    if look.colour:
        out = Text(text)
        for (begin, end), f in spans:
            out.stylize(look.finding_style(f) + " underline", begin, end)
        return out
    # No colour: bracket the union of the matched spans, so overlapping matches stay readable.
    merged: list[list[int]] = []
    for (begin, end), _ in spans:
        if merged and begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([begin, end])
    out = Text()
    at = 0
    for begin, end in merged:
        out.append(text[at:begin])
        out.append(OPEN + text[begin:end] + CLOSE)
        at = end
    out.append(text[at:])
    return out


def _margin(findings: list[Finding], look: _Look) -> Text:
    """Rule ids and what they cost, one line a rule (a rule firing twice on a turn: ×2, summed)."""
    out = Text()
    for j, (f, times) in enumerate(_grouped(findings, lambda f: f.rule_id)):
        same = [g for g in findings if g.rule_id == f.rule_id]
        cost = _cost(any(g.fatal for g in same), sum(g.deduct for g in same))
        if j:
            out.append("\n")
        out.append(f"{cost:>3} ", style=look.finding_style(f))
        out.append(f.rule_id, style=SEVERITY_COLOUR.get(f.severity, ""))
        if times > 1:
            out.append(f" ×{times}", style="dim")
    return out


def _note(f: Finding, times: int, look: _Look, width: int) -> Text:
    """The lines under a turn: what the rule says, the text it quotes, and the suggested wording."""
    what = Text(f.message)
    if f.matched:
        what.append(f"「{f.matched}」", style=look.finding_style(f))
    _how(what, f)
    if times > 1:
        what.append(f" ×{times}", style="dim")
    out = _hanging(Text("↳ ", style="dim"), what, width)
    if f.suggest:
        out.append("\n")
        out.append_text(_hanging(Text("  → ", style="green"), Text(f.suggest, style="green"), width))
    return out


def _how(what: Text, f: Finding) -> None:
    """How the quoted text matched, when not literally (SPEC `how`): 「公号」（homophone）."""
    if f.how and f.how != "exact":
        what.append(f"（{f.how}）", style="dim")


def _hanging(lead: Text, body: Text, width: int) -> Text:
    """`lead` then `body` folded to `width`, its later lines indented under the first."""
    indent = lead.cell_len
    lines = fold(body, max(4, width - indent)).split("\n")
    out = Text()
    for j, line in enumerate(lines):
        out.append_text(lead if j == 0 else Text(" " * indent))
        out.append_text(line)
        if j < len(lines) - 1:
            out.append("\n")
    return out


# Chinese line breaking (禁则): no line starts with closing punctuation, none ends with an opening one.
NO_START = set("，。、；：？！）》」』】〕〉”’…—,.;:?!)]}%") | {"·"}
NO_END = set("（《「『【〔〈“‘([{")


def fold(text: Text, width: int) -> Text:
    """`text` broken into lines of at most `width` cells, by display width (Chinese is 2 cells).

    A break is moved back a few characters rather than start a line with `，。？` or end one with
    `（「`, or split a run of Latin letters and digits (a phone number, a rule id).
    """
    plain = text.plain
    breaks: list[int] = []
    start, used = 0, 0
    for i, ch in enumerate(plain):
        if ch == "\n":
            breaks.append(i + 1)
            start, used = i + 1, 0
            continue
        w = cell_len(ch)
        if used + w > width and i > start:
            cut = _break_at(plain, start, i)
            breaks.append(cut)
            start = cut
            used = cell_len(plain[cut:i])
        used += w
    if not breaks:
        return text
    out = Text()
    for j, piece in enumerate(text.divide(breaks)):
        piece.rstrip()  # the space or newline the line broke at
        if j:
            out.append("\n")
        out.append_text(piece)
    return out


def _break_at(plain: str, start: int, i: int) -> int:
    """Where to start the next line: at `i` (which would overflow) or up to 8 characters before.

    Best a place that breaks no rule; else one that only splits a Latin run (better `1385712440`
    / `6。` than a line that starts with `。`); else `i`.
    """

    def punctuation_ok(cut: int) -> bool:
        return plain[cut] not in NO_START and plain[cut - 1] not in NO_END

    def latin_ok(cut: int) -> bool:
        return not (_latin(plain[cut - 1]) and _latin(plain[cut]))

    candidates = range(i, max(start + 1, i - 8) - 1, -1)
    for ok in (lambda c: punctuation_ok(c) and latin_ok(c), punctuation_ok):
        for cut in candidates:
            if ok(cut):
                return cut
    return i


def _latin(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "-_.@")


def _call_level(result: CallResult, look: _Look, width: int) -> list[RenderableType]:
    """Findings about the call as a whole (a missing step, the call's length, its metadata)."""
    call = result.call
    rows = [f for f in result.findings if f.turn is None or not 0 <= f.turn < len(call.turns)]
    if not rows:
        return []
    cost_w = max(len(_cost(f.fatal, f.deduct)) for f in rows)
    table = Table(box=None, padding=(0, 1), pad_edge=False, show_header=False)
    table.add_column("cost", no_wrap=True, justify="right", width=cost_w)
    table.add_column("what", width=max(12, width - cost_w - 2), overflow="fold")
    for f in rows:
        what = Text(f.rule_id, style=SEVERITY_COLOUR.get(f.severity, ""))
        what.append(f"  {f.message}")
        if f.matched:
            what.append(f"「{f.matched}」", style=look.finding_style(f))
        _how(what, f)
        text = fold(what, max(12, width - cost_w - 2))
        if f.suggest:
            text.append("\n")
            text.append_text(_hanging(Text("→ ", style="green"), Text(f.suggest, style="green"), width - cost_w - 2))
        table.add_row(Text(_cost(f.fatal, f.deduct), style=look.finding_style(f)), text)
    return [Padding(Text("Whole call", style="bold"), (1, 0, 0, 0)), table]


def _not_applicable(result: CallResult, scheme: Scheme) -> list[RenderableType]:
    if not result.not_applicable:
        return []
    out = Text()
    out.append("Not applicable (not judged, not scored): ", style="bold")
    names = []
    for rule_id in result.not_applicable:
        try:
            kind = scheme.rule(rule_id).kind
        except (KeyError, AttributeError):
            kind = None
        names.append(f"{rule_id} ({kind})" if kind else rule_id)
    out.append(", ".join(names), style="dim")
    if not result.call.has_timestamps:
        out.append(" — the call has no timestamps", style="dim")
    return [Padding(out, (1, 0, 0, 0))]


def _score_line(result: CallResult, scheme: Scheme) -> RenderableType:
    scoring = scheme.scoring
    deducted = sum(f.deduct for f in result.findings)
    verdict = (
        Text(" PASSED ", style="bold black on green") if result.passed else Text(" FAILED ", style="bold white on red")
    )
    line = Text()
    line.append(f"score {_num(result.score)}/{_num(scoring.full)}", style="bold")
    line.append(f"  pass ≥ {_num(scoring.pass_)}  ")
    line.append_text(verdict)
    details = [f"{len(result.findings)} finding(s)", f"−{_num(deducted)} deducted"]
    fatal = [f.rule_id for f in result.findings if f.fatal]
    if fatal:
        details.append(f"fatal: {', '.join(dict.fromkeys(fatal))}")
    line.append("  " + " · ".join(details), style="dim")
    return Padding(line, (1, 0, 0, 0))


# --------------------------------------------------------------------------- small helpers


def _cost(fatal: bool, deduct: float) -> str:
    if fatal:
        return "FATAL"
    return f"−{_num(deduct)}" if deduct else "0"


def _num(x: float) -> str:
    return f"{x:g}"


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, sec = divmod(seconds, 60)
    return f"{int(minutes):02d}:{sec:04.1f}"


# --------------------------------------------------------------------------- the command


@dataclass
class ExplainRun:
    """What `qa-check explain` did: calls shown, input rejected, a call asked for but missing."""

    shown: int = 0
    rejected: int = 0
    missing: str | None = None
    available: tuple[str, ...] = ()


def explain_file(
    path: Path,
    scheme: Scheme,
    console: Console,
    call_id: str | None = None,
    segmenter: str | None = None,
    calls_meta: Path | None = None,
    err: TextIO | None = None,
    mask: bool = True,
) -> ExplainRun:
    """Audit the calls of one transcript file (or only `call_id`) and explain each on `console`.

    Rejected input is written to `err` (stderr) as `error: file:line: reason`, one line each.
    """
    run = ExplainRun()
    err = err or sys.stderr
    seen: list[str] = []
    results = []
    for item in read_paths([path], scheme.roles, calls_meta):
        if isinstance(item, InputError):
            if call_id is None or item.call_id in (None, call_id):
                run.rejected += 1
                print(f"error: {item}", file=err)
            continue
        seen.append(item.call_id)
        if call_id is None or item.call_id == call_id:
            result = audit_call(item, scheme, segmenter)
            results.append(masked_result(result) if mask else result)  # personal data, as the reports mask it
    if call_id is not None and not results and not run.rejected:
        run.missing, run.available = call_id, tuple(seen)
        return run
    if console.is_terminal:
        print_results(console, results, scheme)
    else:  # piped or captured: the same text, without the padding rich leaves at the end of lines
        with console.capture() as captured:
            print_results(console, results, scheme)
        console.file.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
    run.shown = len(results)
    return run
