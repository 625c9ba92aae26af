"""Inline SVG charts, drawn in Python: no JavaScript library, no CDN, nothing to load, so the
pages work from file:// and as a mail attachment. Every chart is an `<svg class="chart">` with
a `<title>` and one `<title>` tooltip per bar or point."""
from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

__all__ = ["column_chart", "bar_chart", "line_chart"]

FONT = 12
PALETTE = {"bar": "#4472c4", "bad": "#c0504d", "good": "#70ad47", "line2": "#ed7d31", "grid": "#e5e5e5", "text": "#333"}


def column_chart(
    title: str, labels: Sequence[str], values: Sequence[float], y_label: str = "", marker: float | None = None,
    marker_label: str = "", bad_below: float | None = None, lows: Sequence[float] | None = None,
    width: int = 560, height: int = 260,
) -> Markup:
    """Vertical bars (a histogram): one per label; bars whose `lows` value is under `bad_below`
    are drawn red; `marker` draws a dashed line at that position of the label axis (0–100)."""
    left, right, top, bottom = 44, 12, 26, 40
    pw, ph = width - left - right, height - top - bottom
    vmax = _nice_max(max(values, default=0))
    n = max(1, len(values))
    bw = pw / n
    parts = [_open(title, width, height), _y_grid(left, top, pw, ph, vmax, fmt=_int)]
    for i, (lab, v) in enumerate(zip(labels, values)):
        h = 0 if vmax == 0 else ph * v / vmax
        x = left + i * bw
        bad = bad_below is not None and lows is not None and lows[i] < bad_below
        colour = PALETTE["bad"] if bad else PALETTE["bar"]
        parts.append(
            f'<rect class="bar" x="{x + 2:.1f}" y="{top + ph - h:.1f}" width="{max(bw - 4, 1):.1f}" height="{h:.1f}" '
            f'fill="{colour}"><title>{escape(lab)}: {v:g}</title></rect>'
        )
        if v:
            parts.append(_text(x + bw / 2, top + ph - h - 4, f"{v:g}", anchor="middle", size=FONT - 2))
        parts.append(_text(x + bw / 2, top + ph + 16, lab, anchor="middle", size=FONT - 2))
    if marker is not None:
        x = left + pw * marker / 100
        parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{top + ph}" stroke="{PALETTE["bad"]}" stroke-dasharray="4 3"/>')
        parts.append(_text(x + 3, top - 10 + FONT, f"{marker_label} {marker:g}", size=FONT - 2, colour=PALETTE["bad"]))
    if y_label:
        parts.append(_text(4, top - 10, y_label, size=FONT - 2))
    parts.append(_axis_x(left, top + ph, pw))
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    title: str, labels: Sequence[str], values: Sequence[float], percent: bool = True,
    marker: float | None = None, marker_label: str = "", bad_below: float | None = None,
    bad_above: float | None = None, links: Sequence[str | None] | None = None, width: int = 560,
    label_width: int = 150,
) -> Markup:
    """Horizontal bars, one per label (rates 0–1 when `percent`); `marker` draws a dashed line."""
    row, top, bottom, right = 22, 14, 24, 56
    n = len(values)
    height = top + bottom + row * max(n, 1)
    pw = width - label_width - right
    vmax = 1.0 if percent else _nice_max(max(values, default=0))
    parts = [_open(title, width, height)]
    for k in range(0, 5):
        x = label_width + pw * k / 4
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - bottom}" stroke="{PALETTE["grid"]}"/>')
        tick = vmax * k / 4
        parts.append(_text(x, height - bottom + 14, _pct(tick) if percent else _int(tick), anchor="middle", size=FONT - 3))
    for i, (lab, v) in enumerate(zip(labels, values)):
        y = top + i * row
        wv = 0 if vmax == 0 else pw * min(v, vmax) / vmax
        bad = (bad_below is not None and v < bad_below) or (bad_above is not None and v > bad_above)
        colour = PALETTE["bad"] if bad else PALETTE["bar"]
        shown = _pct(v) if percent else f"{v:g}"
        label = _text(label_width - 6, y + row / 2 + 4, _shorten(lab, label_width // 7), anchor="end", size=FONT - 1)
        if links and links[i]:
            label = f'<a href="{escape(links[i])}">{label}</a>'
        parts.append(label)
        parts.append(
            f'<rect class="bar" x="{label_width}" y="{y + 3}" width="{wv:.1f}" height="{row - 6}" fill="{colour}">'
            f"<title>{escape(lab)}: {shown}</title></rect>"
        )
        parts.append(_text(label_width + wv + 4, y + row / 2 + 4, shown, size=FONT - 2))
    if marker is not None:
        x = label_width + pw * min(marker, vmax) / (vmax or 1)
        parts.append(f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height - bottom}" stroke="{PALETTE["line2"]}" stroke-width="2" stroke-dasharray="4 3"><title>{escape(marker_label)}</title></line>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None], str]],
    y_max: float = 100, marker: float | None = None, marker_label: str = "", width: int = 560, height: int = 260,
) -> Markup:
    """Lines on a 0–`y_max` scale; `series` is (name, values, colour); a legend on top."""
    left, right, top, bottom = 44, 36, 34, 40
    pw, ph = width - left - right, height - top - bottom
    n = len(labels)
    step = pw / max(n - 1, 1)
    parts = [_open(title, width, height), _y_grid(left, top, pw, ph, y_max, fmt=_int)]
    for i, lab in enumerate(labels):
        x = left + (i * step if n > 1 else pw / 2)
        if n <= 12 or i % max(1, n // 12) == 0:
            parts.append(_text(x, top + ph + 16, lab, anchor="middle", size=FONT - 3))
    if marker is not None:
        y = top + ph - ph * marker / y_max
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="{PALETTE["bad"]}" stroke-dasharray="4 3"/>')
        parts.append(_text(left + pw - 2, y - 4, f"{marker_label} {marker:g}", anchor="end", size=FONT - 3, colour=PALETTE["bad"]))
    lx = left
    for name, values, colour in series:
        pts = []
        for i, v in enumerate(values):
            if v is None or v != v:
                continue
            x = left + (i * step if n > 1 else pw / 2)
            y = top + ph - ph * min(max(v, 0), y_max) / y_max
            pts.append((x, y, labels[i], v))
        if len(pts) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in pts)
            parts.append(f'<polyline class="line" points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y, lab, v in pts:
            parts.append(f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"><title>{escape(name)} {escape(lab)}: {v:.1f}</title></circle>')
        parts.append(f'<rect x="{lx}" y="8" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(lx + 16, 18, name, size=FONT - 1))
        lx += 30 + 8 * len(name) * (2 if any(ord(c) > 0x2e80 for c in name) else 1)
    parts.append(_axis_x(left, top + ph, pw))
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(title: str, width: int, height: int) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )


def _y_grid(left, top, pw, ph, vmax, fmt) -> str:
    out = []
    for k in range(0, 5):
        y = top + ph - ph * k / 4
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="{PALETTE["grid"]}"/>')
        out.append(_text(left - 6, y + 4, fmt(vmax * k / 4), anchor="end", size=FONT - 3))
    return "".join(out)


def _axis_x(left, y, pw) -> str:
    return f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#999"/>'


def _text(x, y, s, anchor: str = "start", size: int = FONT, colour: str = PALETTE["text"]) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{colour}">{escape(s)}</text>'


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1
    for m in (1, 2, 4, 5, 8, 10, 20, 25, 40, 50, 80, 100):
        mag = 10 ** (len(str(int(v))) - 1) if v >= 10 else 1
        if m * mag >= v:
            return m * mag
    return v


def _pct(v: float) -> str:
    return f"{100 * v:.0f}%" if abs(v * 100 - round(v * 100)) < 1e-9 or v >= 0.1 else f"{100 * v:.1f}%"


def _int(v: float) -> str:
    return f"{v:.0f}" if v >= 10 or v == int(v) else f"{v:.1f}"


def _shorten(s: str, n: int) -> str:
    width = 0
    for i, ch in enumerate(s):
        width += 2 if ord(ch) > 0x2E80 else 1
        if width > n * 1.6:
            return s[:i] + "…"
    return s
