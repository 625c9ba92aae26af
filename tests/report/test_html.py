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


def test_no_dates_no_trend(scheme, tmp_path):
    call = Call(call_id="x", turns=(Turn("agent", "您好，再见"),), agent_id="A1")
    html = (write(tmp_path / "o", scheme, [CallResult(call, (), 100.0, True, False)]) / "index.html").read_text(encoding="utf-8")
    assert "通话没有日期信息" in html
    assert html.count('<svg class="chart"') == 4


def test_hostile_agent_ids_are_escaped_and_safe_as_file_names(scheme, tmp_path):
    weird = '<script>alert(1)</script>/../x'
    call = Call(call_id="x", turns=(Turn("agent", "说吧"),), agent_id=weird, agent_name="<b>王</b>")
    out = write(tmp_path / "o", scheme, [CallResult(call, (), 50.0, False, False)])
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    pages = list((out / "agents").iterdir())
    assert len(pages) == 2 and all(p.parent == out / "agents" for p in pages)
    assert "<script>alert" not in pages[0].read_text(encoding="utf-8")


def test_english_scheme_gets_english_words(tmp_path):
    from checker.scheme import load_scheme_text

    scheme = load_scheme_text("scheme: en\ntitle: Hotline\nrules:\n  - {id: hi, kind: required, section: Opening, phrases: [hello], message: no greeting}\n")
    call = Call(call_id="x", turns=(Turn("agent", "hey"),), agent_id="A1", started_at="2026-11-02T10:00:00")
    from checker.engine import audit_call

    html = (write(tmp_path / "o", scheme, [audit_call(call, scheme)]) / "index.html").read_text(encoding="utf-8")
    assert "QA dashboard" in html and "Pass rate per agent" in html and "质检" not in html
