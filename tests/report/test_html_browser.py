"""The dashboard and an agent page in a real browser: headless Chromium loads them from disk
(file://), driven over the DevTools protocol, with no console error, no exception, no request
beyond the file itself; the charts and the table are there, the table sorts on a click, and a
screenshot of each page is written into the test's temp folder (and into $QA_SCREENSHOTS when
set, to look at them).

The shipped sample audit's dashboard is laid out at 1,400 and 1,000 px wide: every chart has
a visible legend naming each colour and line it draws, the score buckets are coloured by the
calls' own verdicts, no two pieces of text are drawn over each other (bounding boxes from the
DOM), and nothing runs off the side of the page.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

websocket = pytest.importorskip("websocket", reason="websocket-client (dev extra) drives the browser")

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (.ci/run installs Debian's chromium)")

WIDTH, HEIGHT = 1280, 2000


class Browser:
    """Just enough of the DevTools protocol: one page, commands, and the events seen."""

    def __init__(self, profile: Path):
        assert CHROMIUM is not None  # the module is skipped otherwise
        self.proc = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-default-apps",
                "--disable-extensions",
                "--mute-audio",
                f"--user-data-dir={profile}",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.is_file() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)

    def send(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e.get("method") == method for e in self.events):
                return
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(method)

    def resize(self, width: int, height: int = HEIGHT) -> None:
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

    def open(self, path: Path) -> None:
        self.events.clear()
        self.send("Page.navigate", url=path.as_uri())
        self.wait_for("Page.loadEventFired")
        self.eval("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def eval(self, expression: str):
        res = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in res:
            raise AssertionError(f"{expression}: {res['exceptionDetails']}")
        return res["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, and any request but file:// and data:."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append(
                    f"exception: {p['exceptionDetails'].get('text')} {p['exceptionDetails'].get('exception', {}).get('description', '')}"
                )
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                out.append(f"console.{p['type']}: {[a.get('value', a.get('description')) for a in p.get('args', [])]}")
            elif m == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
                out.append(f"log {p['entry']['level']}: {p['entry']['text']} {p['entry'].get('url', '')}")
            elif m == "Network.requestWillBeSent" and not p["request"]["url"].startswith(("file:", "data:")):
                out.append(f"network request: {p['request']['url']}")
            elif m == "Network.loadingFailed":
                out.append(f"failed to load: {p.get('errorText')}")
        return out

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        shots = os.environ.get("QA_SCREENSHOTS")
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(shots) / path.name)

    def close(self) -> None:
        try:
            if getattr(self, "ws", None):
                self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def browser(tmp_path):
    b = Browser(tmp_path / "profile")
    yield b
    b.close()


def test_dashboard_in_chromium(browser, report, tmp_path):
    browser.open(report / "index.html")
    assert browser.problems() == []
    assert browser.eval("document.title").startswith("质检看板")
    assert browser.eval("document.querySelectorAll('svg.chart').length") == 5
    assert browser.eval("document.querySelectorAll('svg.chart rect.bar').length") >= 10
    assert browser.eval("document.querySelectorAll('#chart-trend circle.point').length") == 4  # 2 weeks × 2 lines
    # every chart is laid out with a real size
    sizes = browser.eval("[...document.querySelectorAll('svg.chart')].map(s => s.getBoundingClientRect().width)")
    assert all(w > 200 for w in sizes)
    rows = "[...document.querySelectorAll('#agent-table tbody tr')].map(r => r.cells[0].textContent.trim())"
    assert browser.eval(rows) == ["A001", "A002", "A003"]
    # sort by mean score (5th column): ascending, then descending
    browser.eval("document.querySelector('#agent-table thead th:nth-child(5)').click()")
    assert browser.eval(rows) == ["A002", "A003", "A001"]
    browser.eval("document.querySelector('#agent-table thead th:nth-child(5)').click()")
    assert browser.eval(rows) == ["A001", "A003", "A002"]
    assert (
        browser.eval("document.querySelector('#agent-table thead th:nth-child(5)').getAttribute('aria-sort')")
        == "descending"
    )
    # the links lead to the agent pages, which exist
    hrefs = browser.eval("[...document.querySelectorAll('#agent-table a')].map(a => a.href)")
    assert all(h.startswith("file://") and Path(h[len("file://") :]).is_file() for h in hrefs)
    assert browser.problems() == []
    browser.screenshot(tmp_path / "dashboard.png")
    assert (tmp_path / "dashboard.png").stat().st_size > 20_000


def test_agent_page_in_chromium(browser, report, tmp_path):
    browser.open(report / "agents" / "A002.html")
    assert browser.problems() == []
    assert browser.eval("document.querySelectorAll('section.issue').length") == 3
    assert browser.eval("document.querySelectorAll('section.issue mark').length") >= 3
    assert browser.eval("document.querySelector('mark').textContent") == "说吧"
    assert browser.eval("document.querySelectorAll('#summary-table tbody tr').length") == 7
    # Chinese is drawn with glyphs, not boxes: with the page's font stack on a canvas, a Han
    # character must not look like a code point no font has (which is drawn as the .notdef box)
    drawn = browser.eval(
        "(() => { const c = document.createElement('canvas'); c.width = c.height = 48;"
        " const g = c.getContext('2d'); g.font = '32px ' + getComputedStyle(document.body).fontFamily;"
        " const draw = ch => { g.clearRect(0, 0, 48, 48); g.fillText(ch, 4, 38);"
        "   return Array.from(g.getImageData(0, 0, 48, 48).data).join(','); };"
        " return ['\\u{10FFFD}', '质', '检', '坐'].map(draw); })()"
    )
    box = drawn[0]
    assert all(glyph != box for glyph in drawn[1:]), "CJK text renders as boxes: install fonts-noto-cjk"
    assert len(set(drawn[1:])) == 3
    browser.screenshot(tmp_path / "agent.png")
    assert (tmp_path / "agent.png").stat().st_size > 20_000
    # the link back to the dashboard works from file://
    browser.events.clear()
    browser.eval("setTimeout(() => document.querySelector('a[href=\"../index.html\"]').click(), 0)")
    browser.wait_for("Page.loadEventFired")
    assert browser.eval("location.href").endswith("/index.html")
    assert browser.problems() == []


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory) -> Path:
    """The shipped sample audit (transcripts/ with qa_rules/), as `make audit` writes it: eight
    agents, the shipped scheme's long rule messages, calls of 80, 82 and 84 under the 85 line."""
    import io

    from checker.audit import run_audit

    root = Path(__file__).resolve().parents[2]
    out = tmp_path_factory.mktemp("sample") / "latest"
    run_audit([root / "transcripts"], root / "qa_rules", out, log=io.StringIO())
    return out


# Every piece of text drawn: an SVG <text> as one box, HTML text as its line boxes (a Range's
# client rects); the tooltips (<title>), scripts and styles draw nothing.
TEXT_BOXES = """(() => {
  const out = [];
  const shown = r => r.width > 0.5 && r.height > 0.5;
  document.querySelectorAll('svg text').forEach((el, i) => {
    const r = el.getBoundingClientRect();
    if (shown(r)) out.push({id: 's' + i, text: el.textContent, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom});
  });
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {acceptNode: n =>
    n.textContent.trim() && !n.parentElement.closest('svg, script, style, title') ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT});
  let n, k = 0;
  while ((n = walk.nextNode())) {
    const range = document.createRange();
    range.selectNodeContents(n);
    k += 1;
    for (const r of range.getClientRects()) {
      if (shown(r)) out.push({id: 'h' + k, text: n.textContent.trim(), x0: r.left, y0: r.top, x1: r.right, y1: r.bottom});
    }
  }
  return out;
})()"""


def overlaps(boxes: list[dict], slack: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of different texts whose boxes share more than `slack` px both ways."""
    out = []
    boxes = sorted(boxes, key=lambda b: b["x0"])
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if b["x0"] >= a["x1"] - slack:
                break
            if (
                a["id"] != b["id"]
                and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > slack
                and min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > slack
            ):
                out.append((a["text"], b["text"]))
    return out


def test_overlaps_finds_text_drawn_over_text():
    a = {"id": "a", "text": "合格线 85", "x0": 100, "y0": 10, "x1": 150, "y1": 22}
    b = {"id": "b", "text": "40", "x0": 140, "y0": 14, "x1": 150, "y1": 26}
    c = {"id": "c", "text": "3", "x0": 150, "y0": 10, "x1": 160, "y1": 22}  # touches a, no more
    assert overlaps([a, b, c]) == [("合格线 85", "40")]
    assert overlaps([a, c]) == []


@pytest.mark.parametrize("width", [1400, 1000])
def test_sample_dashboard_legends_colours_and_no_overlap(browser, sample_report, tmp_path, width):
    browser.resize(width)
    browser.open(sample_report / "index.html")
    assert browser.problems() == []
    assert browser.eval("document.documentElement.scrollWidth") <= width  # nothing off the side
    # every chart has a visible legend above it, naming something
    legends = browser.eval("""[...document.querySelectorAll('figure')].map(f => {
        const l = f.querySelector('.legend'); if (!l) return null;
        const r = l.getBoundingClientRect(), s = getComputedStyle(l);
        return {fig: f.id, keys: [...l.querySelectorAll('.key')].map(k => k.textContent.trim()),
                visible: r.width > 0 && r.height > 0 && s.visibility === 'visible' && s.display !== 'none',
                above: r.bottom <= f.querySelector('svg').getBoundingClientRect().top + 1};
    })""")
    assert len(legends) == 5 and all(legends), legends
    assert all(leg["visible"] and leg["above"] and leg["keys"] for leg in legends), legends
    keys = {leg["fig"]: leg["keys"] for leg in legends}
    assert keys["chart-scores"] == ["合格通话", "不合格通话", "合格线 85 分"]
    assert keys["chart-trend"] == ["平均分", "合格率 %", "合格线 85 分"]
    assert keys["chart-agents"][-1].startswith("团队合格率 ")
    # each line drawn has its legend entry in the same colour and style
    lines = browser.eval("""[...document.querySelectorAll('figure')].flatMap(f =>
        [...f.querySelectorAll('svg line.marker, svg polyline.line')].map(l => ({fig: f.id, colour: l.getAttribute('stroke'),
          dashed: l.classList.contains('marker'),
          keys: [...f.querySelectorAll('.legend i')].map(i => [i.className, getComputedStyle(i).getPropertyValue('--c').trim()])})))""")
    assert len(lines) == 5  # the pass line twice, the team's pass rate, two trend lines
    for line in lines:
        assert [("dash" if line["dashed"] else "line"), line["colour"]] in line["keys"], line
    # the score buckets: coloured by their calls' verdicts, as the legend says; the pass line an edge
    bars = browser.eval("""[...document.querySelectorAll('#chart-scores rect.bar')].map(r =>
        ({low: +r.dataset.low, series: r.dataset.series, n: +r.dataset.value, fill: r.getAttribute('fill')}))""")
    swatch = dict(
        browser.eval("""[...document.querySelectorAll('#chart-scores .legend .key')].map(k =>
        [k.textContent.trim(), getComputedStyle(k.querySelector('i')).getPropertyValue('--c').trim()])""")
    )
    assert all(b["fill"] == swatch[b["series"]] for b in bars), (bars, swatch)
    assert [b for b in bars if b["series"] == "合格通话" and b["low"] < 85] == []
    assert [b for b in bars if b["series"] == "不合格通话" and b["low"] >= 85] == []
    assert {"low": 80, "series": "不合格通话", "n": 3, "fill": "#c0504d"} in bars  # 80, 82 and 84 fail
    # no text drawn over other text, anywhere on the page
    boxes = browser.eval(TEXT_BOXES)
    assert len(boxes) > 200
    assert overlaps(boxes) == []
    shot = tmp_path / f"dashboard-{width}.png"
    browser.screenshot(shot)
    assert shot.stat().st_size > 20_000


@pytest.mark.parametrize("width", [1400, 1000])
def test_sample_agent_page_fatal_first_and_no_overlap(browser, sample_report, tmp_path, width):
    browser.resize(width)
    browser.open(sample_report / "agents" / "A1006.html")
    assert browser.problems() == []
    assert browser.eval("document.documentElement.scrollWidth") <= width
    first = browser.eval("document.querySelector('section.issue')")
    assert first is not None
    assert browser.eval("document.querySelector('section.issue').classList.contains('fatal')")
    assert browser.eval("document.querySelector('section.issue mark').textContent") == "你有病"
    mark = browser.eval("getComputedStyle(document.querySelector('section.issue mark')).backgroundColor")
    assert mark == "rgb(192, 80, 77)"  # the vetoed words in the veto's red
    assert overlaps(browser.eval(TEXT_BOXES)) == []
    shot = tmp_path / f"agent-A1006-{width}.png"
    browser.screenshot(shot)
    assert shot.stat().st_size > 20_000
