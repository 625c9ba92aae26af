"""index.html: the team dashboard. One self-contained file: inline CSS, inline SVG charts drawn
in Python (charts.py), a few lines of inline JavaScript to sort the agent table, and a Content
Security Policy that forbids loading anything, so it works from file:// and as a mail attachment.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .charts import PALETTE, bar_chart, column_chart, line_chart
from .summary import SummaryContext, agent_filenames, renderer
from .tally import UNKNOWN_AGENT

__all__ = [
    "write_dashboard",
    "template_env",
    "preload_templates",
    "fmt_pct",
    "fmt_score",
    "fmt_delta",
    "agent_label",
    "change_label",
]

TEMPLATES = Path(__file__).parent / "templates"
MAX_RULE_BARS = 20
AGENT_TABLE = [
    ("agent_id", "text"),
    ("agent_name", "text"),
    ("team", "text"),
    ("calls", "number"),
    ("mean_score", "number"),
    ("median_score", "number"),
    ("pass_rate", "number"),
    ("fatal_calls", "number"),
    ("findings_per_100_calls", "number"),
    ("top_rules", "text"),
    ("rank_in_team", "number"),
]


@functools.lru_cache(maxsize=2)
def template_env(autoescape: bool = True) -> Environment:
    """The report templates' environment, one per process: it keeps each template compiled
    (compiling the three costs ~40 ms, once per run rather than once per page)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]) if autoescape else False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(fmt_pct=fmt_pct, fmt_score=fmt_score, fmt_delta=fmt_delta)
    return env


def preload_templates() -> None:
    """Compile every report template now (before forking, or before a batch's clock starts)."""
    template_env().get_template("dashboard.html.j2")
    template_env().get_template("agent.html.j2")
    template_env(autoescape=False).get_template("agent.md.j2")


def asset(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


@renderer("index.html")
def write_dashboard(ctx: SummaryContext) -> None:
    f, w = ctx.frames, ctx.words
    team = f.team
    agents = f.agents.to_dict("records")
    messages = dict(zip(f.rules["rule_id"], f.rules["message"]))
    names = agent_filenames(a["agent_id"] for a in agents)
    for a in agents:
        for key in ("agent_name", "team"):  # missing: NaN in the frame, nothing on the page
            a[key] = a[key] if isinstance(a[key], str) else ""
        a["file"] = names[a["agent_id"]]
        a["label"] = agent_label(a["agent_id"], w)
        a["unknown"] = a["agent_id"] == UNKNOWN_AGENT
        a["top"] = _top_rules(a["top_rules"], messages)
    pass_score = float(team["pass_score"])
    pass_line = w.pass_line_score.format(score=f"{pass_score:g}")
    hist = f.score_hist
    charts = {
        "scores": column_chart(
            w.score_distribution,
            [float(v) for v in hist["low"]] + [float(hist["high"].iloc[-1])],
            [
                (w.legend_passed, [int(v) for v in hist["passed"]], PALETTE["bar"]),
                (w.legend_failed, [int(v) for v in hist["failed"]], PALETTE["bad"]),
            ],
            y_label=w.calls_axis,
            marker=pass_score,
            marker_label=pass_line,
        ),
        "agents": bar_chart(
            w.pass_rate_per_agent,
            [a["label"] + (f" {a['agent_name']}" if a.get("agent_name") else "") for a in agents],
            [float(a["pass_rate"]) for a in agents],
            marker=team["pass_rate"],
            marker_label=w.team_pass_rate.format(rate=fmt_pct(team["pass_rate"])),
            bad_below=team["pass_rate"],
            links=[f"agents/{a['file']}.html" for a in agents],
            label_width=170,
            keys=(w.legend_at_or_above_team, w.legend_below_team),
        ),
        "rules": _rules_chart(ctx),
        "sections": bar_chart(
            w.hit_rate_per_section,
            list(f.sections["section"]),
            [_num(v) for v in f.sections["hit_rate"]],
            keys=(w.legend_share,),
        ),
        "trend": None,
    }
    if len(f.weeks):
        charts["trend"] = line_chart(
            w.trend_per_week,
            list(f.weeks["week"]),
            [
                (w.mean_score, [float(v) for v in f.weeks["mean_score"]], PALETTE["bar"]),
                (w.pass_rate + " %", [100 * float(v) for v in f.weeks["pass_rate"]], PALETTE["line2"]),
            ],
            marker=pass_score,
            marker_label=pass_line,
        )
    columns = AGENT_TABLE + ([("mean_score_change", "number")] if f.period else [])
    html = (
        template_env()
        .get_template("dashboard.html.j2")
        .render(
            w=w,
            team=team,
            agents=agents,
            charts=charts,
            columns=columns,
            period=f.period,
            change_label=change_label(f, w),
            css=asset("_style.css"),
            js=asset("_sort.js"),
        )
    )
    (ctx.folder / "index.html").write_text(html, encoding="utf-8")


def change_label(f, w) -> str:
    """What a change column compares: "2026-W47 较 2026-W46" (the last week with the one before)."""
    if f.period is None or not len(f.agents):
        return ""
    return w.change_between.format(period=f.agents["period"].iloc[0], prev=f.agents["prev_period"].iloc[0])


def agent_label(agent_id: str, w) -> str:
    """An agent as people read it: the calls without an agent are 未标注坐席, not an id."""
    return w.unknown_agent if agent_id == UNKNOWN_AGENT else agent_id


def agents_for_people(f, w):
    """agents.csv's table as people read it (report.xlsx's Agents sheet): 未标注坐席 for the calls
    without an agent, and each of the most frequent rules as its message, its id, its count."""
    messages = dict(zip(f.rules["rule_id"], f.rules["message"]))
    return f.agents.assign(
        agent_id=[agent_label(a, w) for a in f.agents["agent_id"]],
        top_rules=["；".join(f"{m} {r} ×{n}" for m, r, n in _top_rules(t, messages)) for t in f.agents["top_rules"]],
    )


def _top_rules(top_rules: str, messages: dict) -> list[tuple[str, str, int]]:
    """agents.csv's `top_rules` ("id(n);id(n)") as (message, id, findings): the message first."""
    out = []
    for part in (top_rules or "").split(";"):
        rule_id, _, n = part.rpartition("(")
        if rule_id:
            out.append((str(messages.get(rule_id) or rule_id), rule_id, int(n.rstrip(")") or 0)))
    return out


def _rules_chart(ctx: SummaryContext):
    rules = ctx.frames.rules
    shown = (
        rules[rules["calls_affected"] > 0].sort_values("hit_rate", ascending=False, kind="stable").head(MAX_RULE_BARS)
    )
    if shown.empty:
        shown = rules.head(MAX_RULE_BARS)
    return bar_chart(
        ctx.words.hit_rate_per_rule,
        [str(m or r) for m, r in zip(shown["message"], shown["rule_id"])],
        [_num(v) for v in shown["hit_rate"]],
        sublabels=list(shown["rule_id"]),
        width=760,
        label_width=330,
        keys=(ctx.words.legend_share,),
    )


def _num(v) -> float:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(v) else v


def fmt_pct(v, digits: int = 1) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{100 * float(v):.{digits}f}%"


def fmt_score(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{float(v):.1f}"


def fmt_delta(v, percent: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    v = float(v)
    text = f"{100 * v:+.1f} pp" if percent else f"{v:+.1f}"
    return text
