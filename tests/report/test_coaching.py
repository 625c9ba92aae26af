"""Coaching pages: one per agent, HTML and Markdown, in Chinese for a Chinese scheme: the agent
against the team, top issues with their worst examples in context, what to say instead, and
what the agent does well."""

from __future__ import annotations

import re
from pathlib import Path

from checker.engine import audit_call
from checker.model import Call, CallResult, Turn
from checker.read import parse_text
from checker.report.tally import BatchTally

from .conftest import FATAL, RUDE, _call, write


def page(report, agent, ext="html"):
    return (report / "agents" / f"{agent}.{ext}").read_text(encoding="utf-8")


def test_a_page_per_agent(report):
    names = sorted(p.name for p in (report / "agents").iterdir())
    assert names == ["A001.html", "A001.md", "A002.html", "A002.md", "A003.html", "A003.md"]


def test_summary_against_the_team(report):
    html = page(report, "A002")
    assert "个人辅导报告" in html and "与团队对比" in html and "王芳" in html and "一组" in html
    table = html[html.index('id="summary-table"') : html.index("</table>", html.index('id="summary-table"'))]
    # A002's mean 71.5 against team 一组's 81.0 (A001 + A002), pass rate 25% against 50%
    assert "71.5" in table and "81.0" in table and "25.0%" in table and "50.0%" in table
    # the change column says which weeks it compares; the header names the period every other
    # figure covers: the whole batch, not its last week
    assert '<th class="n">2026-W46 较 2026-W45</th>' in table and "-19.0" in table
    assert "统计周期: 2026-W45 – 2026-W46" in html
    assert '<a href="../index.html">' in html


def test_top_issues_with_worst_examples_in_context(report):
    html = page(report, "A002")
    issues = re.findall(r'<section class="issue" id="issue-\d+">.*?</section>', html, re.S)
    assert len(issues) == 3
    first = issues[0]
    assert "使用服务禁语" in first and "3 通电话出现" in first
    assert "<mark>说吧</mark>" in first
    # every phrase the agent used, with what to say instead, the most frequent first
    says = re.findall(r'<div class="say"><b>建议这样说：</b>(.*?)</div>', first)
    assert says[0] == "不说“说吧”，改说“请问有什么可以帮您？”"
    assert set(says[1:]) == {"不说“我不能”，改说“我看看能为您做些什么”", "不说“不知道”，改说“我帮您确认一下”"}
    examples = re.findall(r'<div class="example">', first)
    assert 2 <= len(examples) <= 3
    # the turns around the finding: the one after the agent's first turn here…
    assert re.search(r'<li class="agent hit"><span class="who">坐席（第1轮）</span>喂，<mark>说吧</mark>', first)
    assert "客户（第2轮）" in first
    # …and the two before (and the one after) the abuse in A003's fatal call
    a3 = page(report, "A003")
    for who in ("坐席（第1轮）", "客户（第2轮）", "客户（第4轮）"):
        assert who in a3
    assert "坐席（第3轮）</span>你是不是<mark>神经病</mark>" in a3
    # a required phrase that was missing: what would have met the rule
    closing = next(i for i in issues if "结束时未致谢或道别" in i)
    assert "感谢您的来电，祝您生活愉快，再见！" in closing


def test_what_the_agent_does_well(report):
    html = page(report, "A001")
    well = html[html.index('id="strengths"') :]
    assert "合格率 75.0% 高于团队 50.0%" in well
    a3 = page(report, "A003")
    assert "辱骂客户" in a3 and "一票否决" in a3
    assert "开场白：全部通话都没有问题" in a3[a3.index('id="strengths"') :]


def test_markdown_for_chat_tools(report):
    md = page(report, "A002", "md")
    assert md.startswith("# 个人辅导报告 · A002 王芳")
    assert "## 需要改进的地方" in md and "## 做得好的地方" in md
    assert "**说吧**" in md and "**建议这样说：**不说“说吧”，改说“请问有什么可以帮您？”" in md
    assert "139\\*\\*\\*\\*5678" in md  # masked digits escaped, not read as bold
    assert "| | 本人 | 团队 | 2026-W46 较 2026-W45 |" in md
    assert "| 平均分 | 71.5 | 81.0 | -19.0 |" in md


def test_examples_are_bounded_and_worst_first(scheme, results):
    tally = BatchTally()
    for _ in range(20):
        for r in results:
            tally.add(r)
    assert max(len(h) for h in tally.examples.values()) == tally.options.examples_per_rule
    code = tally.agents["A002"]
    worst = tally.worst_examples(code, "taboo")
    assert [e.deduct for e in worst] == sorted((e.deduct for e in worst), reverse=True)
    assert all(e.turns and any(t.span for t in e.turns) for e in worst)


def test_examples_skipped_where_rendered_are_those_no_tally_keeps():
    """`digest_run` with a memo (what `audit` renders with, in each process) leaves out the
    examples the tally would refuse: the tally keeps the same worst examples, with every memo
    split, and runs of calls add up to the tally of the calls one by one."""
    import sys

    from checker.engine import audit_calls
    from checker.read.records import build_call
    from checker.report import ReportOptions
    from checker.report.tally import digest_run
    from checker.scheme import load_scheme

    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root / "benchmarks"))
    from synth import synthetic_calls

    shipped = load_scheme(root / "qa_rules")
    calls = [build_call(rec, shipped.roles, "synth", None) for rec in synthetic_calls(1500, seed=5)]
    results = [r for i in range(0, len(calls), 32) for r in audit_calls(calls[i : i + 32], shipped)]
    for limit in (1, 3):
        options = ReportOptions(examples_per_rule=limit)
        single, full, split = BatchTally(options), BatchTally(options), BatchTally(options)
        memos = [{}, {}]  # two processes, taking runs of 32 calls in turn
        kept = 0
        for r in results:
            single.add(r)
        for i in range(0, len(results), 32):
            run = results[i : i + 32]
            full.add_run(digest_run(run, options))
            d = digest_run(run, options, memos[(i // 32) % 2])
            kept += len(d.examples)
            split.add_run(d)
        assert kept < sum(full.rule_calls.values()) - 100  # the filter does leave examples out …
        assert full.examples.keys() == split.examples.keys()
        for code, rule_id in full.examples:  # … and never one the tally would keep
            assert full.worst_examples(code, rule_id) == split.worst_examples(code, rule_id)
            assert single.worst_examples(code, rule_id) == full.worst_examples(code, rule_id)
        for tally in (full, split):
            for name in (
                "agents",
                "agent_of",
                "week_of",
                "score",
                "passed",
                "fatal",
                "n_findings",
                "rule_findings",
                "rule_calls",
                "rule_deduct",
                "section_findings",
                "section_calls",
                "not_applicable",
                "rule_info",
                "said",
            ):
                a, b = getattr(single, name), getattr(tally, name)
                assert a == b and list(a) == list(b), name  # the same counts, in the same order
            assert [(i.name, i.team) for i in tally.agent_info] == [(i.name, i.team) for i in single.agent_info]


def _audited(scheme, calls):
    return [audit_call(parse_text(t, scheme.roles, default_id=f"x{i}"), scheme) for i, t in enumerate(calls)]


def test_a_vetoed_call_comes_first_marked_with_the_words_highlighted(scheme, tmp_path):
    """Three calls with taboo phrases, no greeting and no goodbye, and one vetoed for abuse: by
    frequency alone the veto would rank fourth and fall off the page; it comes first."""
    days = ["2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06"]
    calls = [
        _call(
            f"v{i}",
            "B9",
            "赵磊",
            "二组",
            day,
            RUDE.format(phone="123") if i < 3 else FATAL.format(id="1", card="2", email="3"),
        )
        for i, day in enumerate(days)
    ]
    out = write(tmp_path / "o", scheme, _audited(scheme, calls))
    html = (out / "agents" / "B9.html").read_text(encoding="utf-8")
    issues = re.findall(r'<section class="issue[^"]*" id="issue-\d+">.*?</section>', html, re.S)
    assert len(issues) == 3
    first = issues[0]
    assert first.startswith('<section class="issue fatal"')
    assert '<span class="veto">一票否决</span> 辱骂客户' in first
    assert "一票否决：1 通电话因此判 0 分、不合格" in first
    assert "<mark>神经病</mark>" in first
    assert "使用服务禁语" in issues[1]
    md = (out / "agents" / "B9.md").read_text(encoding="utf-8")
    section = md[md.index("## 需要改进的地方") :]
    assert section.index("### 1. 【一票否决】辱骂客户") < section.index("### 2.")
    assert "**神经病**" in section


def test_praise_only_where_strictly_better(scheme, tmp_path):
    """Two agents of one team, each passing two calls of three: the team's pass rate is 66.67 %,
    each agent's 66.67 % too (rounded to four places in agents.csv); the page says they are
    level, never that 66.7 % is above 66.7 %, and colours neither figure."""

    def result(cid, agent, score):
        call = Call(
            call_id=cid,
            turns=(Turn("agent", "您好，再见"),),
            agent_id=agent,
            team="一组",
            started_at="2026-11-03T10:00:00+08:00",
        )
        return CallResult(call, (), float(score), score >= 85, False)

    results = [
        result("a1", "P1", 100),
        result("a2", "P1", 90),
        result("a3", "P1", 60),
        result("b1", "P2", 100),
        result("b2", "P2", 95),
        result("b3", "P2", 70),
    ]
    out = write(tmp_path / "o", scheme, results)
    p1 = (out / "agents" / "P1.html").read_text(encoding="utf-8")
    well = p1[p1.index('id="strengths"') :]
    assert "合格率 66.7%，与团队持平" in well and "高于团队 66.7%" not in p1
    assert '<td class="n ">66.7%</td><td class="n">66.7%</td>' in p1  # no good/bad tone on a tie
    # P2's mean 88.3 against the team's 85.8: strictly better, said so; P1's 83.3 is not
    p2 = (out / "agents" / "P2.html").read_text(encoding="utf-8")
    assert "平均分 88.3 高于团队 85.8" in p2
    assert "平均分" not in well


def test_suggestions_are_one_per_normalised_wording(scheme, tmp_path):
    """说吧 said in simplified and in traditional characters (說吧) is one suggestion."""
    trad = "坐席: 您好，說吧，什麼事？\n客户: 查话费。\n坐席: 好的，再见。"
    simp = "坐席: 您好，说吧，什么事？\n客户: 查话费。\n坐席: 好的，再见。"
    calls = [
        _call("t1", "T1", "李", "一组", "2026-11-03", trad),
        _call("t2", "T1", "李", "一组", "2026-11-04", simp),
        _call("t3", "T1", "李", "一组", "2026-11-05", trad),
    ]
    out = write(tmp_path / "o", scheme, _audited(scheme, calls))
    html = (out / "agents" / "T1.html").read_text(encoding="utf-8")
    says = re.findall(r'<div class="say"><b>建议这样说：</b>(.*?)</div>', html)
    assert says == ["不说“說吧”，改说“请问有什么可以帮您？”"]  # the form said most, once


def test_calls_without_an_agent_have_one_readable_page(scheme, tmp_path):
    calls = [
        Call(call_id=f"u{i}", turns=(Turn("agent", "说吧"), Turn("customer", "好")), started_at="2026-11-03T10:00:00")
        for i in range(2)
    ]
    calls.append(
        Call(call_id="k", turns=(Turn("agent", "您好，再见"),), agent_id="K1", started_at="2026-11-03T11:00:00")
    )
    out = write(tmp_path / "o", scheme, [audit_call(c, scheme) for c in calls])
    assert sorted(p.name for p in (out / "agents").iterdir()) == [
        "K1.html",
        "K1.md",
        "unknown-agent.html",
        "unknown-agent.md",
    ]
    html = (out / "agents" / "unknown-agent.html").read_text(encoding="utf-8")
    assert "<h1>个人辅导报告 · 未标注坐席</h1>" in html
    note = re.search(r'<div class="howto" id="unknown-agent">(.*?)</div>', html).group(1)
    assert "agent_id" in note and "calls_meta.csv" in note and "--calls-meta" in note
    assert "<th>班组排名</th>" not in html  # no rank for calls that belong to nobody
    assert "(unknown)" not in html
    md = (out / "agents" / "unknown-agent.md").read_text(encoding="utf-8")
    assert md.startswith("# 个人辅导报告 · 未标注坐席\n") and "calls\\_meta.csv" in md
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="agents/unknown-agent.html">未标注坐席</a>' in index
    assert "nan" not in index  # no name, no team: nothing shown for them
    # nobody's calls take no rank, and K1, with no team either, is ranked among agents only
    import pandas as pd

    agents = pd.read_csv(out / "agents.csv", encoding="utf-8-sig").set_index("agent_id")
    assert (agents.loc["K1", "rank_in_team"], agents.loc["K1", "team_agents"]) == (1, 1)
    table = index[index.index('id="agent-table"') :]
    row = re.search(r'<a href="agents/unknown-agent.html">.*?</tr>', table, re.S).group()
    assert '<td class="n" data-v="">–</td>' in row
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(out / "report.xlsx")).get_sheet_by_name("Agents").to_python()
    assert sorted(r[0] for r in sheet[1:]) == ["K1", "未标注坐席"]  # report.xlsx's Agents sheet too
