"""index.html: one self-contained page — charts as inline SVG, a sortable agent table linking to
each agent's page, nothing loaded from anywhere."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from checker.model import Call, CallResult, Turn

from .conftest import write


class Page(HTMLParser):
    """Collects tags, and checks that every element opened is closed in order."""

    VOID = {"meta", "link", "br", "img", "input", "hr", "rect", "line", "circle", "polyline", "path"}

    def __init__(self, html: str):
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.errors: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def find(self, tag, **attrs):
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def test_self_contained(report):
    html = (report / "index.html").read_text(encoding="utf-8")
    page = Page(html)
    assert page.errors == [] and page.stack == []
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html)  # no CDN, no network
    assert not page.find("script", src=None) or all("src" not in a for a in page.find("script"))
    assert not [a for a in page.find("link") if a.get("rel") == "stylesheet"]
    csp = page.find("meta", **{"http-equiv": "Content-Security-Policy"})
    assert csp and "default-src 'none'" in csp[0]["content"]
    assert '<meta charset="utf-8">' in html


def test_charts_and_table(report):
    html = (report / "index.html").read_text(encoding="utf-8")
    page = Page(html)
    charts = [a for a in page.find("svg") if a.get("class") == "chart"]
    assert len(charts) == 5  # scores, trend per week, pass rate per agent, sections, rules
    for fig in ("chart-scores", "chart-trend", "chart-agents", "chart-sections", "chart-rules"):
        assert page.find("figure", id=fig)
    assert "每周趋势" in html and "2026-W45" in html and "2026-W46" in html
    table = page.find("table", id="agent-table")
    assert table and table[0]["class"] == "sortable"
    links = [a["href"] for a in page.find("a") if a.get("href", "").startswith("agents/")]
    assert {"agents/A001.html", "agents/A002.html", "agents/A003.html"} <= set(links)
    for link in links:
        assert (report / link).is_file()
    assert "合格线" in html and "质检看板" in html
    # the change column says which weeks it compares
    assert '平均分变化<br><span class="rid">2026-W46 较 2026-W45</span></th>' in html


def test_no_dates_no_trend(scheme, tmp_path):
    call = Call(call_id="x", turns=(Turn("agent", "您好，再见"),), agent_id="A1")
    html = (write(tmp_path / "o", scheme, [CallResult(call, (), 100.0, True, False)]) / "index.html").read_text(
        encoding="utf-8"
    )
    assert "通话没有日期信息" in html
    assert html.count('<svg class="chart"') == 4


def test_hostile_agent_ids_are_escaped_and_safe_as_file_names(scheme, tmp_path):
    weird = "<script>alert(1)</script>/../x"
    call = Call(call_id="x", turns=(Turn("agent", "说吧"),), agent_id=weird, agent_name="<b>王</b>")
    out = write(tmp_path / "o", scheme, [CallResult(call, (), 50.0, False, False)])
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    pages = list((out / "agents").iterdir())
    assert len(pages) == 2 and all(p.parent == out / "agents" for p in pages)
    assert "<script>alert" not in pages[0].read_text(encoding="utf-8")


def test_english_scheme_gets_english_words(tmp_path):
    from checker.scheme import load_scheme_text

    scheme = load_scheme_text(
        "scheme: en\ntitle: Hotline\nrules:\n  - {id: hi, kind: required, section: Opening, phrases: [hello], message: no greeting}\n"
    )
    call = Call(call_id="x", turns=(Turn("agent", "hey"),), agent_id="A1", started_at="2026-11-02T10:00:00")
    from checker.engine import audit_call

    html = (write(tmp_path / "o", scheme, [audit_call(call, scheme)]) / "index.html").read_text(encoding="utf-8")
    assert "QA dashboard" in html and "Pass rate per agent" in html and "质检" not in html


def _figure(html: str, fig: str) -> str:
    start = html.index(f'<figure id="{fig}"')
    return html[start : html.index("</figure>", start)]


def test_score_buckets_agree_with_pass_and_fail(scheme, tmp_path):
    """Calls of 80, 82 and 84 fail the 85 line and 88 passes: the pass line is a bucket edge, so
    80–85 holds the three failed calls (red) and 85–90 the passed one (blue); a fatal call is
    red at 0. Every colour and the dashed line are named in the legend."""

    def result(cid, score, fatal=False):
        call = Call(call_id=cid, turns=(Turn("agent", "您好"),), agent_id="A1")
        return CallResult(call, (), float(score), score >= 85 and not fatal, fatal)

    out = write(
        tmp_path / "o",
        scheme,
        [
            result("a", 80),
            result("b", 82),
            result("c", 84),
            result("d", 88),
            result("e", 100),
            result("f", 0, fatal=True),
        ],
    )
    fig = _figure((out / "index.html").read_text(encoding="utf-8"), "chart-scores")
    bars = [
        (a["data-low"], a["data-series"], a["data-value"], a["fill"])
        for t, a in Page(fig).tags
        if t == "rect" and a.get("class") == "bar"
    ]
    assert bars == [
        ("0", "不合格通话", "1", "#c0504d"),
        ("80", "不合格通话", "3", "#c0504d"),
        ("85", "合格通话", "1", "#4472c4"),
        ("90", "合格通话", "1", "#4472c4"),
    ]
    ticks = re.findall(r'<text x="[\d.]+" y="[\d.]+" font-size="10" text-anchor="middle" fill="#333">(\d+)</text>', fig)
    assert "85" in ticks and "80" in ticks and "90" in ticks
    keys = re.findall(r'<span class="key"><i class="(\w+)" style="--c: (#\w+)"></i>([^<]+)</span>', fig)
    assert keys == [("box", "#4472c4", "合格通话"), ("box", "#c0504d", "不合格通话"), ("dash", "#333", "合格线 85 分")]


def test_every_line_is_named_in_a_legend_and_rules_read_in_chinese_first(report):
    html = (report / "index.html").read_text(encoding="utf-8")
    agents = _figure(html, "chart-agents")
    # the dashed line is the team's pass rate (7 of 12 calls), in the legend, not only in a tooltip
    assert '<i class="dash" style="--c: #ed7d31"></i>团队合格率 58.3%</span>' in agents
    assert "低于团队合格率" in agents and "不低于团队合格率" in agents
    trend = _figure(html, "chart-trend")
    assert re.findall(r'<i class="(\w+)" style="--c: #\w+"></i>([^<]+)</span>', trend) == [
        ("line", "平均分"),
        ("line", "合格率 %"),
        ("dash", "合格线 85 分"),
    ]
    for fig in ("chart-rules", "chart-sections"):
        assert '<i class="box" style="--c: #4472c4"></i>涉及通话占比</span>' in _figure(html, fig)
    # the rule's message first, its id after it in grey
    rules = _figure(html, "chart-rules")
    assert re.search(r'>使用服务禁语<tspan fill="#888" font-size="10"> taboo</tspan></text>', rules)
    # 最常见问题 in the agent table: message, id, count
    assert '<div>使用服务禁语 <span class="rid">taboo</span> ×12</div>' in html
    assert "taboo(12)" not in html.replace('data-v="taboo(12)', "")
