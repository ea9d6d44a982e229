"""Small inline SVG charts for report.html: horizontal bars, a Pareto chart and a line chart.

No scripts, no external resources; every text is escaped. Charts scale with the page (viewBox, width 100%)
but never below ``MIN_SCALE`` of their drawn size, so labels stay at least 11 px on a phone (the chart's box
scrolls sideways instead). The trend lines are drawn narrow enough to be seen whole on a phone, the current
period included, with fewer labels where a slot is too narrow for them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

from .xlsx import text_width

FONT = 'font-family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"'
BAR = "#4472c4"
BAD = "#c0504d"
LINE = "#ed7d31"
GRID = "#d9d9d9"
TEXT = "#333333"
MIN_SCALE = 0.92  # 12-px labels shown no smaller than 11 px
PHONE_WIDTH = 380  # a 390-px phone leaves ~356 px inside the page's margins: 380 x MIN_SCALE (349 px) fits


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _svg(width: int, height: int, title: str, body: list[str], css_class: str) -> str:
    return (
        f'<svg class="chart {css_class}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" style="min-width:{int(width * MIN_SCALE)}px" role="img" aria-label="{_e(title)}" '
        f'{FONT} font-size="12">'
        f"<title>{_e(title)}</title>" + "".join(body) + "</svg>"
    )


def _clip(label: str, n: int) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def _width(text: str) -> float:
    """Drawn width of ``text`` at 12 units: the workbooks' measure (a Chinese character counts two) x 6.5."""
    return 6.5 * text_width(text)


def _every(step: float, texts: Sequence[str], gap: int) -> int:
    """Show one text in every k slots of ``step`` units so that neighbours shown do not touch: k."""
    widest = max((_width(t) for t in texts), default=0)
    return max(1, math.ceil((widest + gap) / step)) if widest else 1


def _bar(x: float, y: float, plot: float, height: float, value: float | None, max_value: float) -> list[str]:
    """An item's bar: its full-length track, and over it the value's share (blue from 90% up, red below)."""
    out = [f'<rect x="{x}" y="{y}" width="{plot}" height="{height}" fill="#f2f2f2"/>']
    if value is not None:
        w = max(0.0, min(1.0, value / max_value)) * plot
        color = BAR if value / max_value >= 0.9 else BAD
        out.append(f'<rect class="bar" x="{x}" y="{y}" width="{w:.1f}" height="{height}" fill="{color}"/>')
    return out


def _pct(v: float) -> str:
    return f"{v * 100:.0f}%"


def bars(
    items: Sequence[tuple[str, float | None]],
    title: str,
    fmt: Callable[[float], str] = _pct,
    max_value: float = 1.0,
    width: int = 640,
) -> str:
    """One horizontal bar per item (value 0..max_value); a value of None shows "—"."""
    label_w, row_h, top = 270, 26, 28
    height = top + row_h * max(len(items), 1) + 10
    plot = width - label_w - 60
    body = [f'<text x="0" y="16" font-weight="bold" fill="{TEXT}">{_e(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = top + i * row_h
        body.append(
            f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end" fill="{TEXT}">{_e(_clip(label, 22))}</text>'
        )
        body += _bar(label_w, y + 4, plot, row_h - 8, value, max_value)
        text = fmt(value) if value is not None else "—"
        body.append(f'<text x="{label_w + plot + 6}" y="{y + 17}" fill="{TEXT}">{_e(text)}</text>')
    if not items:
        body.append(f'<text x="0" y="{top + 16}" fill="{TEXT}">（无数据）</text>')
    return _svg(width, height, title, body, "bars")


def bars_stacked(
    items: Sequence[tuple[str, float | None]],
    title: str,
    fmt: Callable[[float], str] = _pct,
    max_value: float = 1.0,
    width: int = PHONE_WIDTH,
) -> str:
    """``bars`` for a phone: each item's label on its own line above its bar and value, in a phone's width (side by
    side, the labels took most of it and a phone showed neither the bars' ends nor the values)."""
    row_h, top, value_w = 44, 28, 48
    height = top + row_h * max(len(items), 1) + 4
    plot = width - value_w
    body = [f'<text x="0" y="16" font-weight="bold" fill="{TEXT}">{_e(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = top + i * row_h
        body.append(f'<text x="0" y="{y + 14}" fill="{TEXT}">{_e(_clip(label, 30))}</text>')
        body += _bar(0, y + 20, plot, 16, value, max_value)
        text = fmt(value) if value is not None else "—"
        body.append(f'<text class="value" x="{width}" y="{y + 33}" text-anchor="end" fill="{TEXT}">{_e(text)}</text>')
    if not items:
        body.append(f'<text x="0" y="{top + 16}" fill="{TEXT}">（无数据）</text>')
    return _svg(width, height, title, body, "bars stacked")


def pareto(items: Sequence[tuple[str, int, float]], title: str, width: int = 640, height: int = 300) -> str:
    """Columns of counts, largest first, with the cumulative share as a line (right axis 0-100%)."""
    left, right, top, bottom = 40, 44, 30, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    body = [f'<text x="0" y="16" font-weight="bold" fill="{TEXT}">{_e(title)}</text>']
    if not items:
        body.append(f'<text x="0" y="{top + 16}" fill="{TEXT}">（无数据）</text>')
        return _svg(width, top + 30, title, body, "pareto")
    peak = max(c for _, c, _ in items) or 1
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}">{peak * frac:g}</text>'
        )
        body.append(f'<text x="{left + plot_w + 4}" y="{y + 4:.1f}" fill="{LINE}">{_pct(frac)}</text>')
    step = plot_w / len(items)
    points = []
    for i, (label, count, cum) in enumerate(items):
        x = left + i * step
        h = plot_h * count / peak
        body.append(
            f'<rect class="bar" x="{x + step * 0.15:.1f}" y="{top + plot_h - h:.1f}" width="{step * 0.7:.1f}" '
            f'height="{h:.1f}" fill="{BAR}"/>'
        )
        body.append(
            f'<text x="{x + step / 2:.1f}" y="{top + plot_h - h - 4:.1f}" text-anchor="middle" fill="{TEXT}">{count}</text>'
        )
        lx, ly = x + step / 2, top + plot_h + 14
        body.append(
            f'<text x="{lx:.1f}" y="{ly}" text-anchor="end" transform="rotate(-35 {lx:.1f} {ly})" '
            f'fill="{TEXT}">{_e(_clip(label, 8))}</text>'
        )
        points.append((x + step / 2, top + plot_h * (1 - cum)))
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    body.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{LINE}"/>' for x, y in points]
    return _svg(width, height, title, body, "pareto")


def line(
    points: Sequence[tuple[str, float | None]],
    title: str,
    y_min: float,
    y_max: float,
    fmt: Callable[[float], str] = lambda v: f"{v:.2f}",
    width: int = PHONE_WIDTH,
    height: int = 220,
) -> str:
    """A line over labelled periods; None leaves a gap (no data in that period). Drawn to fit a phone's width
    whole: the last point is the current period, the one a reader looks for, and a wider chart scrolled it out of
    sight on a 390-px phone."""
    left, right, top, bottom = 44, 20, 30, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    body = [f'<text x="0" y="16" font-weight="bold" fill="{TEXT}">{_e(title)}</text>']
    span = (y_max - y_min) or 1
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}">{_e(fmt(y_min + span * frac))}</text>'
        )
    n = max(len(points), 1)
    step = plot_w / n
    # labels too wide for a slot (12 months' 26-01 ... in a phone's width) are shown every k-th slot, counted back
    # from the last: the current period keeps its label and value; the trend table lists every number
    texts = [fmt(value) if value is not None else "" for _label, value in points]
    every_label = _every(step, [label for label, _ in points], 6)
    every_value = _every(step, texts, 4)
    segment: list[tuple[float, float]] = []
    segments = [segment]
    for i, (label, value) in enumerate(points):
        x = left + step * (i + 0.5)
        back = len(points) - 1 - i
        if back % every_label == 0:
            body.append(
                f'<text class="x" x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="{TEXT}">'
                f"{_e(label)}</text>"
            )
        if value is None:
            segment = []
            segments.append(segment)
            continue
        y = top + plot_h * (1 - (max(y_min, min(y_max, value)) - y_min) / span)
        segment.append((x, y))
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{LINE}"/>')
        if back % every_value == 0:
            body.append(
                f'<text class="v" x="{x:.1f}" y="{y - 7:.1f}" text-anchor="middle" fill="{TEXT}">'
                f"{_e(texts[i])}</text>"
            )
    for seg in segments:
        if len(seg) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
            body.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    return _svg(width, height, title, body, "line")
