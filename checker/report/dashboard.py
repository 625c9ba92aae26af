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

__all__ = ["write_dashboard", "template_env", "preload_templates", "fmt_pct", "fmt_score", "fmt_delta"]

TEMPLATES = Path(__file__).parent / "templates"
MAX_RULE_BARS = 20
AGENT_TABLE = [
    ("agent_id", "text"), ("agent_name", "text"), ("team", "text"), ("calls", "number"), ("mean_score", "number"),
    ("median_score", "number"), ("pass_rate", "number"), ("fatal_calls", "number"),
    ("findings_per_100_calls", "number"), ("top_rules", "text"), ("rank_in_team", "number"),
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
    names = agent_filenames(a["agent_id"] for a in agents)
    for a in agents:
        a["file"] = names[a["agent_id"]]
    charts = {
        "scores": column_chart(
            w.score_distribution, list(f.score_hist["label"]), [int(v) for v in f.score_hist["calls"]],
            y_label=w.calls_axis, marker=float(team["pass_score"]), marker_label=w.pass_line,
            bad_below=float(team["pass_score"]), lows=[float(v) for v in f.score_hist["high"]],
        ),
        "agents": bar_chart(
            w.pass_rate_per_agent,
            [a["agent_id"] + (f" {a['agent_name']}" if a.get("agent_name") else "") for a in agents],
            [float(a["pass_rate"]) for a in agents],
            marker=team["pass_rate"], marker_label=f"{w.team} {fmt_pct(team['pass_rate'])}",
            bad_below=team["pass_rate"], links=[f"agents/{a['file']}.html" for a in agents], label_width=170,
        ),
        "rules": _rules_chart(ctx),
        "sections": bar_chart(
            w.hit_rate_per_section, list(f.sections["section"]), [_num(v) for v in f.sections["hit_rate"]],
        ),
        "trend": None,
    }
    if len(f.weeks):
        charts["trend"] = line_chart(
            w.trend_per_week, list(f.weeks["week"]),
            [(w.mean_score, [float(v) for v in f.weeks["mean_score"]], PALETTE["bar"]),
             (w.pass_rate + " %", [100 * float(v) for v in f.weeks["pass_rate"]], PALETTE["line2"])],
            marker=float(team["pass_score"]), marker_label=w.pass_line,
        )
    columns = AGENT_TABLE + ([("mean_score_change", "number")] if f.period else [])
    html = template_env().get_template("dashboard.html.j2").render(
        w=w, team=team, agents=agents, charts=charts, columns=columns, period=f.period,
        css=asset("_style.css"), js=asset("_sort.js"),
    )
    (ctx.folder / "index.html").write_text(html, encoding="utf-8")


def _rules_chart(ctx: SummaryContext):
    rules = ctx.frames.rules
    shown = rules[rules["calls_affected"] > 0].sort_values("hit_rate", ascending=False, kind="stable").head(MAX_RULE_BARS)
    if shown.empty:
        shown = rules.head(MAX_RULE_BARS)
    labels = [f"{r.rule_id}" for r in shown.itertuples()]
    return bar_chart(ctx.words.hit_rate_per_rule, labels, [_num(v) for v in shown["hit_rate"]], label_width=190)


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
