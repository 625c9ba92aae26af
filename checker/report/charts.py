"""Inline SVG charts, drawn in Python: no JavaScript library, no CDN, nothing to load, so the
pages work from file:// and as a mail attachment. Every chart is an `<svg class="chart">` with
a `<title>` and one `<title>` tooltip per bar or point, after a legend (`<div class="legend">`,
HTML, so that it wraps instead of running into the plot) naming every colour and line drawn.

Labels are placed from an estimate of their drawn width (`text_width`: a Han character is one
em, a Latin one about 0.6 em), so that neighbouring labels are thinned or shortened rather
than drawn over each other; what a label leaves out is in its tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

__all__ = ["column_chart", "bar_chart", "line_chart", "legend", "text_width", "PALETTE"]

FONT = 12
PALETTE = {
    "bar": "#4472c4",
    "bad": "#c0504d",
    "good": "#70ad47",
    "line2": "#ed7d31",
    "grid": "#e5e5e5",
    "text": "#333",
    "muted": "#888",
    "pass_line": "#333",
}

# A legend entry: (kind, colour, label); kind "box" (a bar's fill), "dash" (a dashed line) or
# "line" (a line with its points).
LegendItem = tuple[str, str, str]


def legend(items: Sequence[LegendItem]) -> Markup:
    parts = ['<div class="legend">']
    for kind, colour, label in items:
        parts.append(f'<span class="key"><i class="{kind}" style="--c: {escape(colour)}"></i>{escape(label)}</span>')
    parts.append("</div>")
    return Markup("".join(parts))


def column_chart(
    title: str,
    edges: Sequence[float],
    stacks: Sequence[tuple[str, Sequence[float], str]],
    y_label: str = "",
    marker: float | None = None,
    marker_label: str = "",
    width: int = 560,
    height: int = 260,
) -> Markup:
    """A histogram: one bar per bucket [edges[i], edges[i + 1]), as wide as its range, each a
    stack of `stacks` (name, values, colour): e.g. the passed and the failed calls of a score
    bucket, each in its own colour; the total above the bar; the edges on the axis. `marker`
    draws a dashed line at that value, named in the legend."""
    left, right, top, bottom = 44, 14, 22, 40
    pw, ph = width - left - right, height - top - bottom
    n = len(edges) - 1
    totals = [sum(s[1][i] for s in stacks) for i in range(n)]
    vmax = _nice_max(max(totals, default=0))
    lo, hi = edges[0], edges[-1]

    def at(v: float) -> float:
        return left + pw * (v - lo) / ((hi - lo) or 1)

    parts = [_open(title, width, height), _y_grid(left, top, pw, ph, vmax, fmt=_int)]
    size = FONT - 2
    drawn: list[tuple[float, float]] = []  # the x extents of the totals drawn, so that none overlaps
    for i in range(n):
        x0, x1 = at(edges[i]), at(edges[i + 1])
        bucket = f"{edges[i]:g}–{edges[i + 1]:g}"
        base: float = top + ph
        for name, values, colour in stacks:
            v = values[i]
            if not v:
                continue
            h = 0 if vmax == 0 else ph * v / vmax
            base -= h
            parts.append(
                f'<rect class="bar" data-series="{escape(name)}" data-low="{edges[i]:g}" data-value="{v:g}" x="{x0 + 1.5:.1f}" '
                f'y="{base:.1f}" width="{max(x1 - x0 - 3, 1):.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(bucket)} {escape(name)}: {v:g}</title></rect>"
            )
        if totals[i]:
            label = f"{totals[i]:g}"
            half = text_width(label, size) / 2 + 1
            mid = (x0 + x1) / 2
            if all(mid + half <= a or mid - half >= b for a, b in drawn):  # else in the tooltip only
                drawn.append((mid - half, mid + half))
                parts.append(_text(mid, base - 4, label, anchor="middle", size=size))
    # The edges as ticks under the axis; the pass line's first, then the others where they fit.
    ticks: list[tuple[float, float]] = []
    for v in sorted(edges, key=lambda e: (e != marker, e)):
        label = f"{v:g}"
        half = text_width(label, size) / 2 + 2
        x = at(v)
        if all(x + half <= a or x - half >= b for a, b in ticks):
            ticks.append((x - half, x + half))
            parts.append(f'<line x1="{x:.1f}" y1="{top + ph}" x2="{x:.1f}" y2="{top + ph + 4}" stroke="#999"/>')
            parts.append(_text(x, top + ph + 16, label, anchor="middle", size=size))
    if marker is not None:
        x = at(marker)
        parts.append(
            f'<line class="marker" x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{top + ph}" stroke="{PALETTE["pass_line"]}" '
            f'stroke-width="1.5" stroke-dasharray="5 3"><title>{escape(marker_label)}</title></line>'
        )
    if y_label:
        parts.append(_text(4, 12, y_label, size=size))
    parts.append(_axis_x(left, top + ph, pw))
    parts.append("</svg>")
    keys: list[LegendItem] = [("box", colour, name) for name, values, colour in stacks if any(values)]
    if marker is not None:
        keys.append(("dash", PALETTE["pass_line"], marker_label))
    return legend(keys) + Markup("".join(parts))


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    percent: bool = True,
    marker: float | None = None,
    marker_label: str = "",
    bad_below: float | None = None,
    links: Sequence[str | None] | None = None,
    width: int = 560,
    label_width: int = 150,
    sublabels: Sequence[str] | None = None,
    keys: Sequence[str] = ("",),
) -> Markup:
    """Horizontal bars, one per label (rates 0–1 when `percent`); bars under `bad_below` red;
    `marker` draws a dashed line. A `sublabels` entry follows its label in grey (a rule's id
    after its message). `keys`: the legend's names of the bars' colours: (normal,) or (normal,
    under `bad_below`); with `marker`, `marker_label` names the line."""
    row, top, bottom, right = 22, 14, 24, 56
    n = len(values)
    height = top + bottom + row * max(n, 1)
    pw = width - label_width - right
    vmax = 1.0 if percent else _nice_max(max(values, default=0))
    parts = [_open(title, width, height)]
    size = FONT - 1
    for k in range(0, 5):
        x = label_width + pw * k / 4
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - bottom}" stroke="{PALETTE["grid"]}"/>'
        )
        tick = vmax * k / 4
        parts.append(
            _text(x, height - bottom + 14, _pct(tick) if percent else _int(tick), anchor="middle", size=FONT - 3)
        )
    any_bad = False
    for i, (lab, v) in enumerate(zip(labels, values)):
        y = top + i * row
        wv = 0 if vmax == 0 else pw * min(v, vmax) / vmax
        bad = bad_below is not None and v < bad_below - 1e-9
        any_bad = any_bad or bad
        colour = PALETTE["bad"] if bad else PALETTE["bar"]
        shown = _pct(v) if percent else f"{v:g}"
        room = label_width - 8
        sub = sublabels[i] if sublabels else ""
        full = f"{lab} {sub}" if sub else lab
        if sub:
            sub = shorten(sub, room * 0.45, size - 1)
            main = shorten(lab, room - text_width(" " + sub, size - 1), size)
            inner = f'{escape(main)}<tspan fill="{PALETTE["muted"]}" font-size="{size - 1}"> {escape(sub)}</tspan>'
        else:
            inner = str(escape(shorten(lab, room, size)))
        label = (
            f'<g><title>{escape(full)}</title><text class="label" x="{label_width - 6:.1f}" y="{y + row / 2 + 4:.1f}" '
            f'font-size="{size}" text-anchor="end" fill="{PALETTE["text"]}">{inner}</text></g>'
        )
        if links and links[i]:
            label = f'<a href="{escape(links[i])}">{label}</a>'
        parts.append(label)
        parts.append(
            f'<rect class="bar" x="{label_width}" y="{y + 3}" width="{wv:.1f}" height="{row - 6}" fill="{colour}">'
            f"<title>{escape(full)}: {shown}</title></rect>"
        )
        parts.append(_text(label_width + wv + 4, y + row / 2 + 4, shown, size=FONT - 2))
    if marker is not None:
        x = label_width + pw * min(marker, vmax) / (vmax or 1)
        parts.append(
            f'<line class="marker" x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height - bottom}" stroke="{PALETTE["line2"]}" '
            f'stroke-width="2" stroke-dasharray="4 3"><title>{escape(marker_label)}</title></line>'
        )
    parts.append("</svg>")
    items: list[LegendItem] = [("box", PALETTE["bar"], keys[0])] if keys and keys[0] else []
    if any_bad and len(keys) > 1:
        items.append(("box", PALETTE["bad"], keys[1]))
    if marker is not None:
        items.append(("dash", PALETTE["line2"], marker_label))
    return legend(items) + Markup("".join(parts))


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], str]],
    y_max: float = 100,
    marker: float | None = None,
    marker_label: str = "",
    width: int = 560,
    height: int = 240,
) -> Markup:
    """Lines on a 0–`y_max` scale; `series` is (name, values, colour), named in the legend;
    `marker` a dashed horizontal line at that value, named `marker_label` in the legend."""
    left, right, top, bottom = 44, 24, 14, 40
    pw, ph = width - left - right, height - top - bottom
    n = len(labels)
    # The first and last points inset by half a label, so that their labels clear the y axis's.
    inset = min(pw / 4, max((text_width(s, FONT - 3) for s in labels), default=0) / 2 + 4)
    step = (pw - 2 * inset) / max(n - 1, 1)
    parts = [_open(title, width, height), _y_grid(left, top, pw, ph, y_max, fmt=_int)]
    every = _label_step(list(labels), step if n > 1 else pw, FONT - 3)
    for i, lab in enumerate(labels):
        x = left + (inset + i * step if n > 1 else pw / 2)
        if i % every == 0:
            parts.append(_text(x, top + ph + 16, lab, anchor="middle", size=FONT - 3))
    if marker is not None:
        y = top + ph - ph * marker / y_max
        parts.append(
            f'<line class="marker" x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="{PALETTE["pass_line"]}" '
            f'stroke-width="1.5" stroke-dasharray="5 3"><title>{escape(marker_label)}</title></line>'
        )
    for name, values, colour in series:
        pts = []
        for i, v in enumerate(values):
            if v is None or v != v:
                continue
            x = left + (inset + i * step if n > 1 else pw / 2)
            y = top + ph - ph * min(max(v, 0), y_max) / y_max
            pts.append((x, y, labels[i], v))
        if len(pts) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in pts)
            parts.append(f'<polyline class="line" points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y, lab, v in pts:
            parts.append(
                f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"><title>{escape(name)} {escape(lab)}: {v:.1f}</title></circle>'
            )
    parts.append(_axis_x(left, top + ph, pw))
    parts.append("</svg>")
    items: list[LegendItem] = [("line", colour, name) for name, _, colour in series]
    if marker is not None:
        items.append(("dash", PALETTE["pass_line"], marker_label))
    return legend(items) + Markup("".join(parts))


def text_width(s: str, size: float) -> float:
    """The drawn width of `s` at font `size`, a little generous: a wide (CJK) character is one
    em, a narrow one 0.62 em."""
    return sum(size if _wide(ch) else 0.62 * size for ch in s)


def shorten(s: str, room: float, size: float) -> str:
    """`s`, cut with an ellipsis to fit `room` pixels at font `size`."""
    if text_width(s, size) <= room:
        return s
    out = 0.0
    ell = text_width("…", size)
    for i, ch in enumerate(s):
        out += size if _wide(ch) else 0.62 * size
        if out + ell > room:
            return s[:i] + "…"
    return s


def _wide(ch: str) -> bool:
    return ord(ch) >= 0x2E80 or ch in "–—…“”"


def _label_step(labels: Sequence[str], spacing: float, size: float) -> int:
    """Draw every n-th of labels `spacing` apart so that none runs into the next."""
    widest = max((text_width(s, size) for s in labels), default=0)
    return max(1, math.ceil((widest + 6) / max(spacing, 1)))


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
