"""One coaching page per agent: agents/<id>.html, and agents/<id>.md for chat tools.

Each page says, in the scheme's language: how the agent compares with their team (their 班组,
or the whole batch when calls carry no team), their top issues in plain words (the rule's
`description`, else its `message`): the rules that vetoed a call (一票否决) first, then the most
frequent; for each the worst two or three examples with the turns around them and the matched
words highlighted, what to say instead (the `suggest` of the matched phrase or of the rule), and
what the agent does better than the team.

Every figure covers the calls of the batch, the period the header names; the change column
compares the last week with the one before and says so. The calls without an agent get one page
(未标注坐席) that says how to attach them to agents.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from ..normalise import normalise_phrase
from .dashboard import agent_label, asset, change_label, fmt_delta, fmt_pct, fmt_score, template_env
from .summary import SummaryContext, agent_filenames, renderer
from .tally import NO_WEEK, UNKNOWN_AGENT, Example

__all__ = ["write_coaching", "agent_pages", "TOP_ISSUES", "EXAMPLES_SHOWN"]

TOP_ISSUES = 3
EXAMPLES_SHOWN = 3
STRENGTH_MIN_TEAM_RATE = 0.05  # a rule counts as a strength when the team trips it at least this often
MAX_STRENGTHS = 5
MAX_SUGGESTIONS = 5


@renderer("coaching")
def write_coaching(ctx: SummaryContext) -> None:
    out = ctx.folder / "agents"
    out.mkdir(exist_ok=True)
    html_t = template_env().get_template("agent.html.j2")
    md_t = template_env(autoescape=False).get_template("agent.md.j2")
    css = asset("_style.css")
    names = agent_filenames(ctx.frames.agents["agent_id"])  # bounded, safe, unique (`filenames`)
    for page in agent_pages(ctx):
        name = names[page["agent_id"]]
        (out / f"{name}.html").write_text(html_t.render(w=ctx.words, p=page, css=css), encoding="utf-8")
        (out / f"{name}.md").write_text(md_t.render(w=ctx.words, p=page, md=md_escape), encoding="utf-8")


def agent_pages(ctx: SummaryContext):
    """The data of every agent's page, one dict per agent, in agents.csv order."""
    f, w, tally = ctx.frames, ctx.words, ctx.tally
    calls = f.calls.copy()
    team_of = {a: t for a, t in zip(f.agents["agent_id"], f.agents["team"])}
    calls["team"] = calls["agent_id"].map(team_of)
    rule_cfg = {r.id: r.config for r in ctx.scheme.rules}
    rule_objs = {r.id: r for r in ctx.scheme.rules}
    order = {r.id: i for i, r in enumerate(ctx.scheme.rules)}
    rules = f.rules.set_index("rule_id")
    period = " – ".join(dict.fromkeys(x for x in (f.team["first_week"], f.team["last_week"]) if x))
    change = change_label(f, w)
    undated = calls.loc[calls["week"] == NO_WEEK, "agent_id"].value_counts().to_dict() if len(calls) else {}
    # What a page compares with is the agent's team: worked out once per team, not per agent
    # (a centre has hundreds of agents in a few dozen teams).
    teams: dict[str, tuple[pd.DataFrame, dict[str, float], dict]] = {}
    # Per agent in plain Python: a few pandas steps an agent cost ~2 ms, seconds for a centre's
    # hundreds of agents.
    agent_rules: dict[str, list[dict]] = {}
    for row in f.agent_rules.to_dict("records"):
        agent_rules.setdefault(row["agent_id"], []).append(row)
    for a in f.agents.to_dict("records"):
        aid = a["agent_id"]
        code = tally.agents[aid]
        team_name = a["team"] if isinstance(a["team"], str) and a["team"] else ""
        team = teams.get(team_name)
        if team is None:
            team_calls = calls[calls["team"] == team_name] if team_name else calls
            if team_calls["agent_id"].nunique() < 2:  # alone in the team: compare with everyone
                team_calls = calls
            codes = {tally.agents[x] for x in team_calls["agent_id"].unique()}
            team = teams[team_name] = (
                team_calls,
                _team_rule_rates(ctx, team_calls, code_set=codes),
                _team_stats(team_calls),
            )
        team_calls, team_rates, stats = team
        # A rule that vetoed one of the agent's calls first (its worst example is a fatal one),
        # then most calls affected, most points, scheme order (a stable sort).
        examples_of = {r["rule_id"]: tally.worst_examples(code, r["rule_id"]) for r in agent_rules.get(aid, ())}
        fatal = {
            rid for rid, ex in examples_of.items() if (ex and ex[0].fatal) or (rid in rule_cfg and rule_cfg[rid].fatal)
        }
        mine = sorted(
            agent_rules.get(aid, ()),
            key=lambda r: (
                r["rule_id"] not in fatal,
                -r["calls_affected"],
                -r["points_deducted"],
                order.get(r["rule_id"], len(order)),
            ),
        )
        issues = []
        for r in mine[: max(TOP_ISSUES, len(fatal))]:
            rule_id = r["rule_id"]
            cfg = rule_cfg.get(rule_id)
            message = cfg.message if cfg else rules.loc[rule_id, "message"]
            examples = examples_of[rule_id][:EXAMPLES_SHOWN]
            issues.append(
                {
                    "rule_id": rule_id,
                    "title": message,
                    "fatal": rule_id in fatal,
                    "badge": rule_id in fatal and w.fatal_tag not in str(message),  # unless the message says so
                    "calls": int(r["calls_affected"]),
                    "description": cfg.description if cfg and cfg.description else "",
                    "line": w.issue_line.format(
                        message=rule_id,
                        calls=int(r["calls_affected"]),
                        rate=fmt_pct(r["hit_rate"]),
                        team_rate=fmt_pct(team_rates.get(rule_id, 0.0)),
                    ),
                    "suggestions": _suggestions(
                        examples, cfg, rule_objs.get(rule_id), w, tally.said.get((code, rule_id))
                    ),
                    "examples": [_example(e, w) for e in examples],
                }
            )
        unknown = aid == UNKNOWN_AGENT
        yield {
            "agent_id": aid,
            "label": agent_label(aid, w),
            "unknown": unknown,
            "agent_name": a["agent_name"] if isinstance(a["agent_name"], str) else "",
            "team": team_name,
            "scheme": f"{ctx.scheme.name}" + (f"（{ctx.scheme.title}）" if ctx.scheme.title and w.zh else ""),
            "period": period,
            "undated": w.undated_in_period.format(n=undated[aid]) if undated.get(aid) else "",
            "masked": ctx.options.mask,
            "has_change": f.period is not None,
            "change_label": change,
            "metrics": _metrics(a, stats, w, f.period is not None, rank=not unknown),
            "issues": issues,
            "strengths": _strengths(ctx, a, mine, stats, team_rates),
        }


def _team_rule_rates(ctx: SummaryContext, team_calls: pd.DataFrame, code_set: set[int]) -> dict[str, float]:
    n = len(team_calls)
    if not n:
        return {}
    hits: dict[str, int] = {}
    for (code, rid), k in ctx.tally.rule_calls.items():
        if code in code_set:
            hits[rid] = hits.get(rid, 0) + k
    return {rid: k / n for rid, k in hits.items()}


def _team_stats(team_calls: pd.DataFrame) -> dict:
    """The team's side of an agent page: calls, mean and median score, pass rate, fatal calls,
    findings per 100 calls, agents."""
    n = len(team_calls)
    return {
        "calls": n,
        "mean": float(team_calls["score"].mean()) if n else float("nan"),
        "median": float(team_calls["score"].median()) if n else None,
        "pass": float(team_calls["passed"].mean()) if n else float("nan"),
        "fatal": int(team_calls["fatal"].sum()),
        "per100": 100 * float(team_calls["findings"].sum()) / n if n else float("nan"),
        "agents": int(team_calls["agent_id"].nunique()),
    }


def _metrics(a: dict, team: dict, w, has_change: bool, rank: bool = True) -> list[dict]:
    n, t_mean, t_pass, t_fatal, t_per100 = team["calls"], team["mean"], team["pass"], team["fatal"], team["per100"]
    agents_in_team = team["agents"]
    per100 = (f"{a['findings_per_100_calls']:.1f}", f"{t_per100:.1f}")
    rows = [
        {"label": w.calls, "you": str(a["calls"]), "team": str(n), "change": ""},
        {
            "label": w.mean_score,
            "you": fmt_score(a["mean_score"]),
            "team": fmt_score(t_mean),
            "tone": _tone(a["mean_score"], t_mean, fmt_score),
            "change": fmt_delta(a["mean_score_change"]) if has_change else "",
        },
        {"label": w.median_score, "you": fmt_score(a["median_score"]), "team": fmt_score(team["median"]), "change": ""},
        {
            "label": w.pass_rate,
            "you": fmt_pct(a["pass_rate"]),
            "team": fmt_pct(t_pass),
            "tone": _tone(a["pass_rate"], t_pass, fmt_pct),
            "change": fmt_delta(a["pass_rate_change"], percent=True) if has_change else "",
        },
        {
            "label": w.fatal_calls,
            "you": str(a["fatal_calls"]),
            "team": str(t_fatal),
            "tone": "bad" if a["fatal_calls"] else "",
            "change": "",
        },
        {
            "label": w.findings_per_100,
            "you": per100[0],
            "team": per100[1],
            "tone": "" if per100[0] == per100[1] else _tone(t_per100, a["findings_per_100_calls"]),
            "change": "",
        },
    ]
    if rank:
        rows.append(
            {
                "label": w.rank,
                "you": f"{a['rank_in_team']}/{a['team_agents']}",
                "team": str(agents_in_team),
                "change": "",
            }
        )
    for r in rows:
        r.setdefault("tone", "")
    return rows


def _tone(mine, theirs, shown=None) -> str:
    """ "good", "bad", or "" when the two are equal as the page shows them (`shown`)."""
    try:
        mine, theirs = float(mine), float(theirs)
    except (TypeError, ValueError):
        return ""
    if math.isnan(mine) or math.isnan(theirs) or abs(mine - theirs) < 1e-9:
        return ""
    if shown is not None and shown(mine) == shown(theirs):
        return ""
    return "good" if mine > theirs else "bad"


def _suggestions(examples: list[Example], cfg, rule, w, said=None) -> list[str]:
    """What the agent said and what to say instead, most frequent first; the `suggest` of the
    rule; for a required phrase that was missing, the phrases that would have met the rule.
    Wordings that normalise alike (traditional and simplified, full and half width) are one
    suggestion, quoting the form the agent said most."""
    merged: dict[tuple[str, str], list] = {}  # normalised (said, suggest) -> [calls, what was said, suggest]
    for (phrase, suggest), k in said.most_common() if said else []:
        key = (normalise_phrase(phrase or ""), normalise_phrase(suggest or ""))
        entry = merged.setdefault(key, [0, phrase, suggest])
        entry[0] += k
    out: list[str] = []
    seen: set[str] = set()

    def add(line: str, key: str | None = None) -> None:
        key = key or normalise_phrase(line)
        if line and key not in seen:
            seen.add(key)
            out.append(line)

    for k, phrase, suggest in sorted(merged.values(), key=lambda e: -e[0]):  # stable: first seen wins a tie
        add(
            w.say_instead.format(said=phrase, suggest=suggest),
            "\0".join((normalise_phrase(phrase), normalise_phrase(suggest))),
        )
    for e in [] if said else examples:  # suggestions without the phrase they replace
        for s in re.split(r"[；;]\s*", e.suggest or ""):
            add(s)
    if cfg is not None and cfg.suggest and not any(normalise_phrase(cfg.suggest) in k for k in seen):
        add(cfg.suggest)
    matcher = getattr(rule, "matcher", None)
    if not out and cfg is not None and cfg.kind == "required" and matcher is not None and matcher.phrases:
        shown = list(dict.fromkeys(p.text for p in matcher.phrases))[:4]
        out.append(w.say_phrases.format(phrases=w.phrase_join.join(f"“{t}”" for t in shown)))
    return out[:MAX_SUGGESTIONS]


def _example(e: Example, w) -> dict:
    turns = []
    for t in e.turns:
        who = (
            f"{w.speaker(t.speaker)}（{w.turn.format(n=t.turn + 1)}）"
            if w.zh
            else f"{w.speaker(t.speaker)} ({w.turn.format(n=t.turn + 1)})"
        )
        if t.span:
            b, end = t.span
            turns.append(
                {
                    "speaker": t.speaker,
                    "who": who,
                    "hit": True,
                    "before": t.text[:b],
                    "match": t.text[b:end],
                    "after": t.text[end:],
                }
            )
        else:
            turns.append(
                {"speaker": t.speaker, "who": who, "hit": t.turn == e.turn, "before": t.text, "match": "", "after": ""}
            )
    return {
        "call_id": e.call_id,
        "score": e.score,
        "fatal": e.fatal,
        "deduct": e.deduct,
        "turn": e.turn,
        "turns": turns,
    }


def _strengths(ctx: SummaryContext, a: dict, mine: list[dict], team: dict, team_rates: dict[str, float]) -> list[str]:
    """Only where the agent does strictly better than the team as the page shows the figures;
    an equal pass rate or mean score is said to be level (与团队持平), never above."""
    w = ctx.words
    out: list[str] = []
    if team["calls"]:
        for mine_v, theirs, shown, better, level in (
            (a["pass_rate"], team["pass"], fmt_pct, w.strength_pass, w.level_pass),
            (a["mean_score"], team["mean"], fmt_score, w.strength_score, w.level_score),
        ):
            tone = _tone(mine_v, theirs, shown)
            if tone == "good":
                out.append(better.format(mine=shown(mine_v), team=shown(theirs)))
            elif not tone and shown(mine_v) == shown(theirs) and shown(mine_v) != "–":
                out.append(level.format(mine=shown(mine_v)))
    hit_rules = {r["rule_id"] for r in mine}
    rule_cfg = {r.id: r.config for r in ctx.scheme.rules}
    by_section: dict[str, list[str]] = {}
    for r in ctx.scheme.rules:
        by_section.setdefault(r.config.section, []).append(r.id)
    clean_sections = []
    for section, ids in by_section.items():
        if not (set(ids) & hit_rules) and any(team_rates.get(i, 0) > 0 for i in ids):
            clean_sections.append(section)
            out.append(w.strength_section.format(section=section))
    clean = [
        (rate, rid)
        for rid, rate in team_rates.items()
        if rid not in hit_rules
        and rate >= STRENGTH_MIN_TEAM_RATE
        and rid in rule_cfg
        and rule_cfg[rid].section not in clean_sections
    ]
    for rate, rid in sorted(clean, key=lambda x: (-x[0], x[1])):
        out.append(w.strength_rule.format(message=rule_cfg[rid].message, team_rate=fmt_pct(rate)))
    out = out[:MAX_STRENGTHS]
    return out or [w.strength_none]


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def md_escape(text) -> str:
    """Text as Markdown shows it literally (masked numbers are full of `*`)."""
    if text is None:
        return ""
    return _MD_SPECIAL.sub(r"\\\1", str(text))
