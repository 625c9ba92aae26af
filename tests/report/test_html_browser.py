"""The dashboard and an agent page in a real browser: headless Chromium loads them from disk
(file://), driven over the DevTools protocol, with no console error, no exception, no request
beyond the file itself; the charts and the table are there, the table sorts on a click, and a
screenshot of each page is written into the test's temp folder (and into $QA_SCREENSHOTS when
set, to look at them).
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
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-default-apps", "--disable-extensions", "--mute-audio",
             f"--user-data-dir={profile}", "--remote-debugging-port=0", "--remote-allow-origins=*",
             f"--window-size={WIDTH},{HEIGHT}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
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
                out.append(f"exception: {p['exceptionDetails'].get('text')} {p['exceptionDetails'].get('exception', {}).get('description', '')}")
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
    assert browser.eval("document.querySelector('#agent-table thead th:nth-child(5)').getAttribute('aria-sort')") == "descending"
    # the links lead to the agent pages, which exist
    hrefs = browser.eval("[...document.querySelectorAll('#agent-table a')].map(a => a.href)")
    assert all(h.startswith("file://") and Path(h[len("file://"):]).is_file() for h in hrefs)
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
