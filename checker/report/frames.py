"""The summary tables, built with pandas from a BatchTally: agents, rules, sections, weeks, the
score distribution and the team's headline figures. Every report (agents.csv, report.xlsx, the
dashboard, the coaching pages) reads these, so they agree with each other by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from .tally import NO_WEEK, UNKNOWN_AGENT, BatchTally

__all__ = ["Frames", "build_frames", "AGENT_COLUMNS", "week_label", "score_bins"]

AGENT_COLUMNS = [
    "agent_id",
    "agent_name",
    "team",
    "calls",
    "mean_score",
    "median_score",
    "pass_rate",
    "fatal_calls",
    "findings",
    "findings_per_100_calls",
    "top_rules",
    "rank_in_team",
    "team_agents",
    "period",
    "prev_period",
    "period_calls",
    "period_mean_score",
    "prev_period_mean_score",
    "mean_score_change",
    "pass_rate_change",
]
RULE_COLUMNS = [
    "rule_id",
    "section",
    "kind",
    "severity",
    "message",
    "findings",
    "calls_affected",
    "applicable_calls",
    "hit_rate",
    "findings_per_100_calls",
    "points_deducted",
]
SECTION_COLUMNS = ["section", "rules", "findings", "calls_affected", "hit_rate", "points_deducted"]
WEEK_COLUMNS = ["week", "week_start", "calls", "mean_score", "pass_rate", "fatal_calls", "findings_per_100_calls"]
SCORE_BINS = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]  # per cent of the full score


def score_bins(pass_score: float, full: float = 100.0) -> list[float]:
    """The score distribution's bucket edges: tenths of the full score, and the pass line."""
    edges = {full * b / 100 for b in SCORE_BINS}
    if 0 < pass_score < full:
        edges.add(pass_score)
    return sorted(edges)


@dataclass
class Frames:
    calls: pd.DataFrame  # one row per call: agent_id, week, score, passed, fatal, findings
    agents: pd.DataFrame
    rules: pd.DataFrame
    sections: pd.DataFrame
    weeks: pd.DataFrame
    agent_rules: pd.DataFrame  # agent_id, rule_id, findings, calls_affected, hit_rate, team_hit_rate
    score_hist: pd.DataFrame  # bin label, low, high, calls, passed, failed
    team: dict  # headline figures
    period: tuple[date, date] | None  # (this week, previous week) when the batch spans >1 week


def week_label(start: date | None) -> str:
    if start is None:
        return ""
    iso = start.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def build_frames(tally: BatchTally, scheme) -> Frames:
    agent_ids = list(tally.agents)
    codes = np.frombuffer(tally.agent_of, dtype=np.int32) if len(tally.agent_of) else np.array([], dtype=np.int32)
    calls = pd.DataFrame(
        {
            "agent_code": codes,
            "week": np.frombuffer(tally.week_of, dtype=np.int32)
            if len(tally.week_of)
            else np.array([], dtype=np.int32),
            "score": np.frombuffer(tally.score, dtype=np.float64)
            if len(tally.score)
            else np.array([], dtype=np.float64),
            "passed": np.frombuffer(tally.passed, dtype=np.int8).astype(bool)
            if len(tally.passed)
            else np.array([], dtype=bool),
            "fatal": np.frombuffer(tally.fatal, dtype=np.int8).astype(bool)
            if len(tally.fatal)
            else np.array([], dtype=bool),
            "findings": np.frombuffer(tally.n_findings, dtype=np.int32)
            if len(tally.n_findings)
            else np.array([], dtype=np.int32),
        }
    )
    calls["agent_id"] = pd.Categorical.from_codes(calls["agent_code"], categories=agent_ids) if agent_ids else []
    n_calls = len(calls)

    weeks = _weeks(calls)
    period = None
    dated = sorted(w for w in calls["week"].unique() if w != NO_WEEK)
    if len(dated) >= 2:
        period = (date.fromordinal(int(dated[-1])), date.fromordinal(int(dated[-2])))

    agents = _agents(calls, tally, agent_ids, period)
    rules, sections = _rules(tally, scheme, n_calls)
    agent_rules = _agent_rules(tally, agent_ids, agents, rules)

    # The pass line is a bucket edge, so no bucket holds calls on both sides of it (a bucket is
    # [low, high), the last one closed); each bucket's calls are counted by their own verdict too
    # (a fatal call fails whatever its score would have been).
    full = float(scheme.scoring.full)
    bins = score_bins(float(scheme.scoring.pass_), full)

    def hist(scores):
        return (
            np.histogram(scores.clip(0, full), bins=bins)[0].astype(int)
            if len(scores)
            else np.zeros(len(bins) - 1, int)
        )

    score_hist = pd.DataFrame(
        {
            "low": bins[:-1],
            "high": bins[1:],
            "calls": hist(calls["score"]),
            "passed": hist(calls.loc[calls["passed"], "score"]),
            "failed": hist(calls.loc[~calls["passed"], "score"]),
        }
    )
    score_hist["label"] = [f"{lo:g}–{hi:g}" for lo, hi in zip(score_hist["low"], score_hist["high"])]

    total_findings = int(calls["findings"].sum()) if n_calls else 0
    dates = [date.fromordinal(int(w)) for w in dated]
    team = {
        "scheme": scheme.name,
        "title": scheme.title,
        "full": scheme.scoring.full,
        "pass_score": scheme.scoring.pass_,
        "calls": n_calls,
        "agents": len(agent_ids),
        "teams": int(agents["team"].nunique()) if len(agents) else 0,
        "mean_score": round(float(calls["score"].mean()), 2) if n_calls else None,
        "median_score": round(float(calls["score"].median()), 2) if n_calls else None,
        "pass_rate": round(float(calls["passed"].mean()), 4) if n_calls else None,
        "passed_calls": int(calls["passed"].sum()),
        "failed_calls": int(n_calls - calls["passed"].sum()),
        "fatal_calls": int(calls["fatal"].sum()),
        "findings": total_findings,
        "findings_per_100_calls": round(100 * total_findings / n_calls, 1) if n_calls else None,
        "rejected_inputs": tally.errors,
        "first_week": week_label(dates[0]) if dates else "",
        "last_week": week_label(dates[-1]) if dates else "",
        "undated_calls": int((calls["week"] == NO_WEEK).sum()),
        "masked": tally.options.mask,
    }
    return Frames(calls, agents, rules, sections, weeks, agent_rules, score_hist, team, period)


def _weeks(calls: pd.DataFrame) -> pd.DataFrame:
    dated = calls[calls["week"] != NO_WEEK]
    if dated.empty:
        return pd.DataFrame(columns=WEEK_COLUMNS)
    g = dated.groupby("week", sort=True)
    out = pd.DataFrame(
        {
            "calls": g.size(),
            "mean_score": g["score"].mean().round(2),
            "pass_rate": g["passed"].mean().round(4),
            "fatal_calls": g["fatal"].sum().astype(int),
            "findings_per_100_calls": (100 * g["findings"].sum() / g.size()).round(1),
        }
    ).reset_index()
    starts = [date.fromordinal(int(w)) for w in out["week"]]
    out["week_start"] = [d.isoformat() for d in starts]
    out["week"] = [week_label(d) for d in starts]
    return out[WEEK_COLUMNS]


def _agents(calls: pd.DataFrame, tally: BatchTally, agent_ids: list[str], period) -> pd.DataFrame:
    if calls.empty:
        return pd.DataFrame(columns=AGENT_COLUMNS)
    g = calls.groupby("agent_code", sort=False)
    size = g.size()
    df = pd.DataFrame(
        {
            "calls": size,
            "mean_score": g["score"].mean().round(2),
            "median_score": g["score"].median().round(2),
            "pass_rate": g["passed"].mean().round(4),
            "fatal_calls": g["fatal"].sum().astype(int),
            "findings": g["findings"].sum().astype(int),
        }
    )
    df["findings_per_100_calls"] = (100 * df["findings"] / df["calls"]).round(1)
    df.index.name = "agent_code"
    df = df.reset_index()
    df["agent_id"] = [agent_ids[c] for c in df["agent_code"]]
    df["agent_name"] = [tally.agent_info[c].name for c in df["agent_code"]]
    df["team"] = [tally.agent_info[c].team for c in df["agent_code"]]
    per_agent: dict[int, list[tuple[str, int]]] = {}
    for (code, rule), n in tally.rule_findings.items():
        per_agent.setdefault(code, []).append((rule, n))
    df["top_rules"] = [
        ";".join(f"{r}({n})" for r, n in sorted(per_agent.get(c, []), key=lambda x: (-x[1], x[0]))[:3])
        for c in df["agent_code"]
    ]
    # The calls without an agent are nobody's: ranked apart, never against the agents of a team.
    team_key = df["team"].fillna("").where(df["agent_id"] != UNKNOWN_AGENT, "\0" + UNKNOWN_AGENT)
    df["rank_in_team"] = df.groupby(team_key)["mean_score"].rank(ascending=False, method="min").astype(int)
    df["team_agents"] = df.groupby(team_key)["agent_id"].transform("size").astype(int)
    for col in ("period", "prev_period"):
        df[col] = ""
    for col in ("period_calls", "period_mean_score", "prev_period_mean_score", "mean_score_change", "pass_rate_change"):
        df[col] = np.nan
    if period is not None:
        this, prev = (d.toordinal() for d in period)
        df["period"], df["prev_period"] = week_label(period[0]), week_label(period[1])
        cur = calls[calls["week"] == this].groupby("agent_code")
        old = calls[calls["week"] == prev].groupby("agent_code")
        cur_mean, old_mean = cur["score"].mean(), old["score"].mean()
        cur_pass, old_pass = cur["passed"].mean(), old["passed"].mean()
        codes = df["agent_code"]
        df["period_calls"] = codes.map(cur.size()).fillna(0).astype(int)
        df["period_mean_score"] = codes.map(cur_mean).round(2)
        df["prev_period_mean_score"] = codes.map(old_mean).round(2)
        df["mean_score_change"] = (codes.map(cur_mean) - codes.map(old_mean)).round(2)
        df["pass_rate_change"] = (codes.map(cur_pass) - codes.map(old_pass)).round(4)
    return df.sort_values("agent_id", kind="stable")[AGENT_COLUMNS].reset_index(drop=True)


def _rules(tally: BatchTally, scheme, n_calls: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    info: dict[str, tuple[str, str, str, str]] = {}
    for r in scheme.rules:
        cfg = r.config
        info[r.id] = (cfg.section, cfg.kind, cfg.severity, cfg.message)
    for rid, v in tally.rule_info.items():
        info.setdefault(rid, v)
    findings: dict[str, int] = {}
    calls: dict[str, int] = {}
    deduct: dict[str, float] = {}
    for (_, rid), n in tally.rule_findings.items():
        findings[rid] = findings.get(rid, 0) + n
    for (_, rid), n in tally.rule_calls.items():
        calls[rid] = calls.get(rid, 0) + n
    for (_, rid), n in tally.rule_deduct.items():
        deduct[rid] = deduct.get(rid, 0.0) + n
    rows = []
    for rid, (section, kind, severity, message) in info.items():
        applicable = n_calls - tally.not_applicable.get(rid, 0)
        hits = calls.get(rid, 0)
        rows.append(
            {
                "rule_id": rid,
                "section": section,
                "kind": kind,
                "severity": severity,
                "message": message,
                "findings": findings.get(rid, 0),
                "calls_affected": hits,
                "applicable_calls": applicable,
                "hit_rate": round(hits / applicable, 4) if applicable else np.nan,
                "findings_per_100_calls": round(100 * findings.get(rid, 0) / n_calls, 1) if n_calls else np.nan,
                "points_deducted": round(deduct.get(rid, 0.0), 2),
            }
        )
    rules = pd.DataFrame(rows, columns=RULE_COLUMNS)
    rules = rules.sort_values(["calls_affected", "findings", "rule_id"], ascending=[False, False, True], kind="stable")
    rules = rules.reset_index(drop=True)

    sec_calls: dict[str, int] = {}
    sec_findings: dict[str, int] = {}
    for (_, s), n in tally.section_calls.items():
        sec_calls[s] = sec_calls.get(s, 0) + n
    for (_, s), n in tally.section_findings.items():
        sec_findings[s] = sec_findings.get(s, 0) + n
    order = list(dict.fromkeys(v[0] for v in info.values()))
    srows = []
    for s in order:
        members = rules[rules["section"] == s]
        hits = sec_calls.get(s, 0)
        srows.append(
            {
                "section": s,
                "rules": len(members),
                "findings": sec_findings.get(s, 0),
                "calls_affected": hits,
                "hit_rate": round(hits / n_calls, 4) if n_calls else np.nan,
                "points_deducted": round(float(members["points_deducted"].sum()), 2),
            }
        )
    sections = pd.DataFrame(srows, columns=SECTION_COLUMNS)
    return rules, sections


def _agent_rules(tally: BatchTally, agent_ids: list[str], agents: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    rows = []
    calls_of = dict(zip(agents["agent_id"], agents["calls"]))
    team_rate = dict(zip(rules["rule_id"], rules["hit_rate"]))
    for (code, rid), n in tally.rule_calls.items():
        aid = agent_ids[code]
        rows.append(
            {
                "agent_id": aid,
                "rule_id": rid,
                "findings": tally.rule_findings[code, rid],
                "calls_affected": n,
                "hit_rate": n / calls_of[aid] if calls_of.get(aid) else np.nan,
                "team_hit_rate": team_rate.get(rid, np.nan),
                "points_deducted": round(tally.rule_deduct[code, rid], 2),
            }
        )
    cols = ["agent_id", "rule_id", "findings", "calls_affected", "hit_rate", "team_hit_rate", "points_deducted"]
    return pd.DataFrame(rows, columns=cols)
