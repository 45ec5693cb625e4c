"""SVG building blocks of the HTML report: scales with their ticks, and shapes, axes, histogram bars
and dot rows written as markup strings, plus the ``<figure>`` a chart is shown in with its legend.

Nothing here knows about records; :mod:`pytest_ovbench.report.html_charts` draws the charts with these.
Every piece of text goes through ``html.escape``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np

from pytest_ovbench.report.text import figure

LOG_RATIO = 20.0  # a latency axis spanning more than this factor is drawn log-scale


# ---------------------------------------------------------------------------------------------- scales


@dataclass(frozen=True)
class Scale:
    """Maps data in ``[low, high]`` onto pixels ``[start, end]``, linearly or by log10."""

    low: float
    high: float
    start: float
    end: float
    log: bool = False

    @classmethod
    def fit(cls, values: Sequence[float], start: float, end: float, *, from_zero: bool = False) -> Scale:
        """A padded domain around ``values``; log-scale when they span more than LOG_RATIO."""
        low, high = min(values), max(values)
        if not from_zero and low > 0 and high / low > LOG_RATIO:
            return cls(low / 1.15, high * 1.15, start, end, log=True)
        if from_zero:
            low = min(low, 0.0)
        pad = (high - low) * 0.06 or abs(high) * 0.1 or 1.0
        bottom = low if from_zero else (max(0.0, low - pad) if low >= 0 else low - pad)
        return cls(bottom, high + pad, start, end)

    def __call__(self, value: float) -> float:
        if self.log:
            fraction = math.log10(value / self.low) / math.log10(self.high / self.low)
        else:
            fraction = (value - self.low) / (self.high - self.low)
        return self.start + fraction * (self.end - self.start)

    def ticks(self) -> list[float]:
        return _log_ticks(self.low, self.high) if self.log else _linear_ticks(self.low, self.high)

    def edges(self, bins: int) -> Any:
        """Histogram bin edges covering the domain, evenly spaced on this scale."""
        if self.log:
            return np.geomspace(self.low, self.high, bins + 1)
        return np.linspace(self.low, self.high, bins + 1)


def _linear_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round numbers (1, 2 or 5 times a power of ten apart) inside ``[low, high]``."""
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if high - low <= (count + 1) * m * magnitude)
    first, last = math.ceil(low / step), math.floor(high / step)
    return [round(k * step, 12) for k in range(first, last + 1)]


def _log_ticks(low: float, high: float) -> list[float]:
    """Powers of ten inside ``[low, high]``, with 2s and 5s in between when those are too few."""
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    ticks: list[float] = []
    for multiples in ((1,), (1, 2, 5)):
        ticks = [m * 10.0**d for d in decades for m in multiples if low <= m * 10.0**d <= high]
        if len(ticks) >= 3:
            break
    return ticks


def _tick_label(value: float) -> str:
    """A short axis label: thousands separated, small values without trailing zeros."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.6g}"


# ---------------------------------------------------------------------------------------------- shapes


def chart_svg(width: float, height: float, label: str, parts: Sequence[str]) -> str:
    """An inline chart that scales to its container's width."""
    return (
        f'<svg viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>" + "".join(parts) + "</svg>"
    )


def text(x: float, y: float, content: str, anchor: str = "start", css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>{escape(content)}</text>'


def line(x1: float, y1: float, x2: float, y2: float, css: str) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="{css}"/>'


def rect(x: float, y: float, width: float, height: float, css: str, tip: str = "") -> str:
    shape = f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 0.0):.1f}" height="{max(height, 0.0):.1f}"'
    if not tip:
        return f'{shape} class="{css}"/>'
    return f'{shape} class="{css}"><title>{escape(tip)}</title></rect>'


def dot(x: float, y: float, css: str, tip: str) -> str:
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" class="{css}"><title>{escape(tip)}</title></circle>'


# ---------------------------------------------------------------------------------------------- axes, marks


def x_axis(scale: Scale, y: float, title: str) -> list[str]:
    """Baseline, ticks with labels below it, and the axis title under those."""
    parts = [line(scale.start, y, scale.end, y, "axis")]
    for tick in scale.ticks():
        x = scale(tick)
        parts += [line(x, y, x, y + 4, "axis"), text(x, y + 16, _tick_label(tick), "middle")]
    parts.append(text((scale.start + scale.end) / 2, y + 33, title, "middle", "title"))
    return parts


def y_axis(scale: Scale, left: float, right: float, title: str) -> list[str]:
    """Horizontal grid lines with labels left of the plot, and a rotated title."""
    parts: list[str] = []
    for tick in scale.ticks():
        y = scale(tick)
        parts += [line(left, y, right, y, "gridline"), text(left - 5, y + 4, _tick_label(tick), "end")]
    middle = (scale.start + scale.end) / 2
    parts.append(
        f'<text x="0" y="0" text-anchor="middle" class="title" '
        f'transform="translate({left - 44:.1f} {middle:.1f}) rotate(-90)">{escape(title)}</text>'
    )
    return parts


def bin_shares(values: Sequence[float], edges: Any) -> list[float]:
    """The percentage of ``values`` falling in each bin (``np.histogram`` on the given edges)."""
    counts, _ = np.histogram(np.asarray(values, dtype=np.float64), bins=edges)
    return [float(c) for c in counts / max(len(values), 1) * 100]


def histogram_bars(shares: Sequence[float], x: Scale, y: Scale, edges: Any, unit: str) -> list[str]:
    """Filled bars, one per non-empty bin, each with a tooltip naming its range and share."""
    parts: list[str] = []
    for low, high, share in zip(edges[:-1].tolist(), edges[1:].tolist(), shares):
        if share > 0:
            tip = f"{_tick_label(low)}–{_tick_label(high)} {unit}: {share:.1f}%"
            left, right = x(low), x(high)
            parts.append(rect(left, y(share), right - left - 0.6, y.start - y(share), "bar-cur", tip))
    return parts


def step_outline(shares: Sequence[float], x: Scale, y: Scale, edges: Any) -> str:
    """Bins drawn as an outline, from the first to the last non-empty one, over the filled bars."""
    filled = [i for i, share in enumerate(shares) if share > 0]
    if not filled:
        return ""
    bounds = edges.tolist()
    points = [f"M{x(bounds[filled[0]]):.1f},{y.start:.1f}"]
    for i in range(filled[0], filled[-1] + 1):
        points.append(f"L{x(bounds[i]):.1f},{y(shares[i]):.1f}L{x(bounds[i + 1]):.1f},{y(shares[i]):.1f}")
    points.append(f"L{x(bounds[filled[-1] + 1]):.1f},{y.start:.1f}")
    return f'<path d="{"".join(points)}" class="outline-ref"/>'


def dot_strip(values: Sequence[float], x: Scale, y: float, label: str, css: str, unit: str) -> list[str]:
    """One row of dots (window figures) with its label in the left margin."""
    parts = [line(x.start, y, x.end, y, "gridline"), text(x.start - 6, y + 4, label, "end")]
    parts += [dot(x(v), y, css, f"{label}: {figure(v)} {unit}") for v in values]
    return parts


# ---------------------------------------------------------------------------------------------- framing


def chart_legend(items: Sequence[tuple[str, str]]) -> str:
    """Swatch and text pairs under a chart (HTML, so it wraps on narrow screens)."""
    cells = "".join(f'<li><span class="sw {css}"></span>{escape(words)}</li>' for css, words in items)
    return f'<ul class="legend">{cells}</ul>'


def chart_figure(title: str, chart: str, legend: str = "", note: str = "", wide: bool = False) -> str:
    """A titled chart with its legend and a remark; a wide one scrolls sideways on narrow screens."""
    caption = f"<figcaption>{escape(title)}</figcaption>"
    remark = f'<p class="note">{escape(note)}</p>' if note else ""
    body = f'<div class="scroll">{chart}</div>' if wide else chart
    return f'<figure class="chart{" wide" if wide else ""}">{caption}{body}{legend}{remark}</figure>'
