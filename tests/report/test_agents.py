"""agents.csv: one row per agent with the figures a QA lead ranks agents by."""

from __future__ import annotations

import gc
import weakref

import pandas as pd
import pytest

from checker.model import Call, CallResult, Turn
from checker.report.frames import AGENT_COLUMNS, build_frames
from checker.report.tally import BatchTally

from .conftest import write


def read_agents(folder):
    return pd.read_csv(folder / "agents.csv", encoding="utf-8-sig", dtype={"agent_id": str}).set_index("agent_id")


def test_columns_and_figures(report):
    raw = (report / "agents.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel shows the Chinese names on double-click
    agents = read_agents(report)
    assert list(agents.reset_index().columns) == AGENT_COLUMNS
    a1, a2, a3 = agents.loc["A001"], agents.loc["A002"], agents.loc["A003"]
    assert (a1.agent_name, a1.team, a1.calls) == ("张伟", "一组", 4)
    assert a1.mean_score == 90.5 and a1.median_score == 100.0 and a1.pass_rate == 0.75
    assert a2.mean_score == 71.5 and a2.pass_rate == 0.25 and a2.findings == 18 and a2.findings_per_100_calls == 450.0
    assert a3.fatal_calls == 1 and a3.mean_score == 75.0
    # the three most frequent rules, most frequent first, ties by id
    assert a2.top_rules == "taboo(12);closing(3);greet(3)"
    assert a3.top_rules == "abuse(1)"


def test_rank_in_team(report):
    agents = read_agents(report)
    assert agents.loc["A001", "rank_in_team"] == 1 and agents.loc["A002", "rank_in_team"] == 2
    assert agents.loc["A001", "team_agents"] == 2
    assert agents.loc["A003", "rank_in_team"] == 1 and agents.loc["A003", "team_agents"] == 1


def test_change_against_previous_week(report):
    agents = read_agents(report)
    a1 = agents.loc["A001"]
    # W45: 62 and 100 (mean 81, one of two passed); W46: 100 and 100
    assert (a1.period, a1.prev_period) == ("2026-W46", "2026-W45")
    assert a1.period_calls == 2 and a1.prev_period_mean_score == 81.0 and a1.period_mean_score == 100.0
    assert a1.mean_score_change == 19.0 and a1.pass_rate_change == 0.5
    assert agents.loc["A003", "mean_score_change"] == -50.0


def _result(call_id, agent, score, passed, started_at=None, team=None):
    call = Call(call_id=call_id, turns=(Turn("agent", "您好"),), agent_id=agent, team=team, started_at=started_at)
    return CallResult(call=call, findings=(), score=score, passed=passed, fatal=False)


def test_one_week_has_no_change_columns_and_unknown_agent_is_named(scheme, tmp_path):
    results = [
        _result("a", "B1", 90, True, "2026-11-02T09:00:00+08:00"),
        _result("b", "B1", 70, False, "2026-11-06T09:00:00+08:00"),
        _result("c", None, 100, True),
    ]
    agents = read_agents(write(tmp_path / "out", scheme, results))
    assert set(agents.index) == {"B1", "(unknown)"}
    assert agents["period"].isna().all() and agents["mean_score_change"].isna().all()
    assert agents.loc["B1", "median_score"] == 80.0


def test_tally_keeps_no_call_results(scheme, results):
    """Memory stays flat: after add() nothing refers to the CallResult or its Call any more."""
    tally = BatchTally()
    refs = []
    for r in results:
        copy = CallResult(
            call=r.call.__class__(**{**r.call.__dict__}),
            findings=r.findings,
            score=r.score,
            passed=r.passed,
            fatal=r.fatal,
        )
        refs.append((weakref.ref(copy), weakref.ref(copy.call)))
        tally.add(copy)
        del copy
    gc.collect()
    assert all(a() is None and b() is None for a, b in refs)
    assert sum(len(h) for h in tally.examples.values()) <= len(tally.examples) * tally.options.examples_per_rule
    frames = build_frames(tally, scheme)
    assert frames.team["calls"] == len(results)


@pytest.mark.parametrize("n", [0])
def test_empty_batch(scheme, tmp_path, n):
    out = write(tmp_path / "out", scheme, [])
    assert (out / "agents.csv").read_text(encoding="utf-8-sig").startswith("agent_id,")
    assert (out / "index.html").is_file() and (out / "report.xlsx").is_file()
