"""``--ov-report=PATH.html``: one self-contained page, charts as inline SVG (pure formatting).

The page needs no network and no JavaScript: CSS is inline, every chart is an ``<svg>`` drawn here
from the records (see :mod:`pytest_ovbench.report.records`). Every piece of text from a record goes through
``html.escape`` because test names, model paths and reasons come from users.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np

from pytest_ovbench.metrics import LABELS
from pytest_ovbench.report import text as report
from pytest_ovbench.report.text import figure, summary_rows

VERDICT_ORDER = ("regressed", "inconclusive", "improved", "pass", "no baseline")
VERDICT_CLASSES = {
    "regressed": "v-regressed",
    "improved": "v-improved",
    "inconclusive": "v-inconclusive",
    "pass": "v-pass",
    "no baseline": "v-none",
}
SUMMARY_HEADER = tuple(report.SUMMARY_HEADER)
LOG_RATIO = 20.0  # a latency axis spanning more than this factor is drawn log-scale
TOP_LAYERS = 15
CHART_WIDTH = 480  # viewBox widths: the SVGs scale to their column, text with them
WIDE_WIDTH = 960  # the latency chart spans the whole section
MARGIN_RIGHT = 16


def render_html(records: Sequence[dict[str, Any]]) -> str:
    """The whole page: headline counts, the summary table, then one section per measurement."""
    parts = [_headline(records)]
    if records:
        parts.append(_summary_table(records))
        parts += [_section(index, record) for index, record in enumerate(records, 1)]
    else:
        parts.append('<p class="empty">No measurements were taken in this run.</p>')
    return _page("\n".join(parts))


# ---------------------------------------------------------------------------------------------- numbers


def _number(value: object) -> float | None:
    """A finite float, or None for None, NaN, infinities and anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _numbers(values: Iterable[object] | None) -> list[float]:
    """The finite numbers among ``values``, in order."""
    found = (_number(v) for v in values or ())
    return [v for v in found if v is not None]


def _tick_label(value: float) -> str:
    """A short axis label: thousands separated, small values without trailing zeros."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.6g}"


def _percent(value: float | None) -> str:
    return report.percent(value) or "-"


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


# ---------------------------------------------------------------------------------------------- SVG parts


def _svg(width: float, height: float, label: str, parts: Sequence[str]) -> str:
    """An inline chart that scales to its container's width."""
    return (
        f'<svg viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>" + "".join(parts) + "</svg>"
    )


def _text(x: float, y: float, content: str, anchor: str = "start", css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>{escape(content)}</text>'


def _line(x1: float, y1: float, x2: float, y2: float, css: str) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="{css}"/>'


def _rect(x: float, y: float, width: float, height: float, css: str, tip: str = "") -> str:
    shape = f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 0.0):.1f}" height="{max(height, 0.0):.1f}"'
    if not tip:
        return f'{shape} class="{css}"/>'
    return f'{shape} class="{css}"><title>{escape(tip)}</title></rect>'


def _dot(x: float, y: float, css: str, tip: str) -> str:
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" class="{css}"><title>{escape(tip)}</title></circle>'


def _x_axis(scale: Scale, y: float, title: str) -> list[str]:
    """Baseline, ticks with labels below it, and the axis title under those."""
    parts = [_line(scale.start, y, scale.end, y, "axis")]
    for tick in scale.ticks():
        x = scale(tick)
        parts += [_line(x, y, x, y + 4, "axis"), _text(x, y + 16, _tick_label(tick), "middle")]
    parts.append(_text((scale.start + scale.end) / 2, y + 33, title, "middle", "title"))
    return parts


def _y_axis(scale: Scale, left: float, right: float, title: str) -> list[str]:
    """Horizontal grid lines with labels left of the plot, and a rotated title."""
    parts: list[str] = []
    for tick in scale.ticks():
        y = scale(tick)
        parts += [_line(left, y, right, y, "gridline"), _text(left - 5, y + 4, _tick_label(tick), "end")]
    middle = (scale.start + scale.end) / 2
    parts.append(
        f'<text x="0" y="0" text-anchor="middle" class="title" '
        f'transform="translate({left - 44:.1f} {middle:.1f}) rotate(-90)">{escape(title)}</text>'
    )
    return parts


def _shares(values: Sequence[float], edges: Any) -> list[float]:
    """The percentage of ``values`` falling in each bin (``np.histogram`` on the given edges)."""
    counts, _ = np.histogram(np.asarray(values, dtype=np.float64), bins=edges)
    return [float(c) for c in counts / max(len(values), 1) * 100]


def _histogram(shares: Sequence[float], x: Scale, y: Scale, edges: Any, unit: str) -> list[str]:
    """Filled bars, one per non-empty bin, each with a tooltip naming its range and share."""
    parts: list[str] = []
    for low, high, share in zip(edges[:-1].tolist(), edges[1:].tolist(), shares):
        if share > 0:
            tip = f"{_tick_label(low)}–{_tick_label(high)} {unit}: {share:.1f}%"
            left, right = x(low), x(high)
            parts.append(_rect(left, y(share), right - left - 0.6, y.start - y(share), "bar-cur", tip))
    return parts


def _step_outline(shares: Sequence[float], x: Scale, y: Scale, edges: Any) -> str:
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


def _strip(values: Sequence[float], x: Scale, y: float, label: str, css: str, unit: str) -> list[str]:
    """One row of dots (window figures) with its label in the left margin."""
    parts = [_line(x.start, y, x.end, y, "gridline"), _text(x.start - 6, y + 4, label, "end")]
    parts += [_dot(x(v), y, css, f"{label}: {figure(v)} {unit}") for v in values]
    return parts


def _legend(items: Sequence[tuple[str, str]]) -> str:
    """Swatch and text pairs under a chart (HTML, so it wraps on narrow screens)."""
    cells = "".join(f'<li><span class="sw {css}"></span>{escape(text)}</li>' for css, text in items)
    return f'<ul class="legend">{cells}</ul>'


def _figure(title: str, chart: str, legend: str = "", note: str = "", wide: bool = False) -> str:
    """A titled chart with its legend and a remark; a wide one scrolls sideways on narrow screens."""
    caption = f"<figcaption>{escape(title)}</figcaption>"
    remark = f'<p class="note">{escape(note)}</p>' if note else ""
    body = f'<div class="scroll">{chart}</div>' if wide else chart
    return f'<figure class="chart{" wide" if wide else ""}">{caption}{body}{legend}{remark}</figure>'


# ---------------------------------------------------------------------------------------------- latency chart


@dataclass(frozen=True)
class Distribution:
    """What the latency chart of one record shows (milliseconds throughout)."""

    samples: list[float]  # this run's latencies; empty when the plugin did not keep them
    reference_samples: list[float]
    windows: list[float]  # this run's per-window medians
    baseline_windows: list[float]  # the baseline's (or reference's) per-window medians
    median: float | None
    baseline_median: float | None
    baseline_kind: str  # "baseline" or "reference"

    @classmethod
    def of(cls, record: dict[str, Any]) -> Distribution:
        windows = record.get("windows") or []
        is_reference = "reference_figures" in record or "reference_latencies_ms" in record
        return cls(
            samples=_numbers(record.get("latencies_ms")),
            reference_samples=_numbers(record.get("reference_latencies_ms")),
            windows=_numbers(w.get("median") for w in windows),
            baseline_windows=_numbers((record.get("baseline_windows") or {}).get("median")),
            median=_number((record.get("figures") or {}).get("median")),
            baseline_median=_baseline_figure(record, "median"),
            baseline_kind="reference" if is_reference else "baseline",
        )

    def everything(self) -> list[float]:
        markers = [v for v in (self.median, self.baseline_median) if v is not None]
        return [*self.samples, *self.reference_samples, *self.windows, *self.baseline_windows, *markers]


def _baseline_figure(record: dict[str, Any], metric: str) -> float | None:
    """The figure this run was (or would be) compared with: the comparison's, else the reference's,
    else the centre of the baseline's windows (median for latency, mean for throughput)."""
    for comparison in record.get("comparisons") or []:
        if comparison.get("metric") == metric and _number(comparison.get("baseline")) is not None:
            return _number(comparison.get("baseline"))
    for key in ("baseline_figures", "reference_figures"):
        stored = _number((record.get(key) or {}).get(metric))
        if stored is not None:
            return stored
    windows = _numbers((record.get("baseline_windows") or {}).get(metric))
    if not windows:
        return None
    return float(np.mean(windows) if metric == "throughput" else np.median(windows))


def _latency_chart(data: Distribution, label: str) -> str:
    """Histogram of this run's latencies over the baseline's window medians, with both medians."""
    values = data.everything()  # a zero among them keeps the axis linear (no log of 0)
    if not values:
        return ""
    hist_bottom = 172.0 if data.samples else 8.0
    rows = [r for r in _latency_rows(data) if r[0]]
    axis_y = hist_bottom + 10 + 22 * len(rows)
    x = Scale.fit(values, 130, WIDE_WIDTH - MARGIN_RIGHT)
    parts = _baseline_band(data, x, 8.0, axis_y)
    if data.samples:
        parts += _latency_histogram(data, x, hist_bottom)
    for index, (strip_values, row_label, css) in enumerate(rows):
        parts += _strip(strip_values, x, hist_bottom + 20 + 22 * index, row_label, css, "ms")
    parts += _median_lines(data, x, 8.0, axis_y)
    parts += _x_axis(x, axis_y, "latency (ms" + (", log scale)" if x.log else ")"))
    return _svg(WIDE_WIDTH, axis_y + 42, label, parts)


def _latency_rows(data: Distribution) -> list[tuple[list[float], str, str]]:
    """Dot rows under the histogram: the baseline's window medians, then this run's."""
    kind = data.baseline_kind
    return [
        (data.baseline_windows, f"{kind} windows", "dot-ref" if kind == "reference" else "dot-base"),
        (data.windows, "this run windows", "dot-cur"),
    ]


def _latency_histogram(data: Distribution, x: Scale, bottom: float) -> list[str]:
    """Y axis and bars of this run's latencies, the reference's as an outline over them."""
    bins = int(min(60, max(10, math.sqrt(len(data.samples)))))
    edges = x.edges(bins)
    shares = _shares(data.samples, edges)
    reference = _shares(data.reference_samples, edges) if data.reference_samples else []
    y = Scale.fit([0.0, *shares, *reference], bottom, 8.0, from_zero=True)
    parts = _y_axis(y, x.start, x.end, "% of inferences")
    parts += _histogram(shares, x, y, edges, "ms")
    if reference:
        parts.append(_step_outline(reference, x, y, edges))
    return parts


def _baseline_band(data: Distribution, x: Scale, top: float, bottom: float) -> list[str]:
    """A shaded band from the lowest to the highest window median of the baseline."""
    if not data.baseline_windows:
        return []
    low, high = min(data.baseline_windows), max(data.baseline_windows)
    css = "band-ref" if data.baseline_kind == "reference" else "band-base"
    left, right = x(low), x(high)
    tip = f"{data.baseline_kind} window medians: {figure(low)}–{figure(high)} ms"
    return [_rect(left - 1, top, right - left + 2, bottom - top, css, tip)]


def _median_lines(data: Distribution, x: Scale, top: float, bottom: float) -> list[str]:
    parts: list[str] = []
    if data.baseline_median is not None:
        css = "med-ref" if data.baseline_kind == "reference" else "med-base"
        parts.append(_line(x(data.baseline_median), top, x(data.baseline_median), bottom, css))
    if data.median is not None:
        parts.append(_line(x(data.median), top, x(data.median), bottom, "med-cur"))
    return parts


def _latency_legend(data: Distribution) -> str:
    kind = data.baseline_kind
    accent = "ref" if kind == "reference" else "base"
    items: list[tuple[str, str]] = []
    if data.samples:
        items.append(("sw-bar-cur", f"this run, {len(data.samples)} latencies"))
    if data.reference_samples:
        items.append(("sw-outline-ref", f"reference, {len(data.reference_samples)} latencies"))
    if data.median is not None:
        items.append(("sw-med-cur", f"median {figure(data.median)} ms"))
    if data.baseline_median is not None:
        items.append((f"sw-med-{accent}", f"{kind} median {figure(data.baseline_median)} ms"))
    if data.baseline_windows:
        items.append((f"sw-band-{accent}", f"range of {kind} window medians"))
    return _legend(items)


def _latency_figure(record: dict[str, Any]) -> str:
    data = Distribution.of(record)
    chart = _latency_chart(data, f"latency distribution of {record.get('test', '')} {record.get('name', '')}")
    if not chart:
        return ""
    note = "" if data.samples else "Per-request latencies were not kept; the dots are per-window medians."
    return _figure("Latency", chart, _latency_legend(data), note, wide=True)


# ---------------------------------------------------------------------------------------------- throughput


@dataclass(frozen=True)
class BarRow:
    """One bar of the throughput chart: a figure and the per-window figures behind it."""

    label: str
    value: float | None
    windows: list[float]
    css: str  # colour: "cur", "base" or "ref"


def _throughput_rows(record: dict[str, Any]) -> list[BarRow]:
    """This run, then what it is compared with (the baseline, or the reference in reference mode)."""
    is_reference = "reference_figures" in record
    current = _number((record.get("figures") or {}).get("throughput"))
    rows = [
        BarRow("this run", current, _numbers(w.get("throughput") for w in record.get("windows") or []), "cur")
    ]
    base_windows = _numbers((record.get("baseline_windows") or {}).get("throughput"))
    base = _baseline_figure(record, "throughput")
    kind, css = ("reference", "ref") if is_reference else ("baseline", "base")
    rows.append(BarRow(kind, base, base_windows, css))
    return [row for row in rows if row.value is not None or row.windows]


def _throughput_chart(record: dict[str, Any]) -> str:
    """Horizontal bars (the figures) with the per-window figures as dots."""
    rows = _throughput_rows(record)
    values = [v for row in rows for v in (row.value, *row.windows) if v is not None]
    if not values:
        return ""
    unit = LABELS["throughput"][1]
    x = Scale.fit([0.0, *values], 76, CHART_WIDTH - MARGIN_RIGHT, from_zero=True)
    parts: list[str] = []
    for index, row in enumerate(rows):
        parts += _throughput_row(x, 10 + 40 * index, row, unit)
    axis_y = 14.0 + 40 * len(rows)
    parts += _x_axis(x, axis_y, f"throughput ({unit})")
    return _svg(
        CHART_WIDTH, axis_y + 42, f"throughput of {record.get('test', '')} {record.get('name', '')}", parts
    )


def _throughput_row(x: Scale, top: float, row: BarRow, unit: str) -> list[str]:
    """Label, bar, its figure (inside the bar when it fits, else after the dots), window dots."""
    parts = [_text(x.start - 6, top + 19, row.label, "end")]
    if row.value is not None:
        width = x(row.value) - x.start
        tip = f"{row.label}: {figure(row.value)} {unit}"
        parts.append(_rect(x.start, top, width, 28, f"bar-{row.css}", tip))
        if width > 110:
            parts.append(_text(x.start + 6, top + 19, f"{figure(row.value)} {unit}", "start", "on-bar"))
        else:
            after = max([x(row.value), *(x(v) for v in row.windows)]) + 8
            parts.append(_text(after, top + 19, f"{figure(row.value)} {unit}"))
    for index, value in enumerate(row.windows):
        jitter = (index % 5 - 2) * 3.0  # spread equal values so each window stays visible
        tip = f"{row.label} window: {figure(value)} {unit}"
        parts.append(_dot(x(value), top + 14 + jitter, "dot-window", tip))
    return parts


def _throughput_figure(record: dict[str, Any]) -> str:
    chart = _throughput_chart(record)
    if not chart:
        return ""
    rows = _throughput_rows(record)
    note = ""
    if len(rows) == 2 and rows[0].value and rows[1].value:
        note = f"This run {_percent(rows[0].value / rows[1].value - 1)} against the {rows[1].label}."
    legend = _legend([("sw-dot", "one window of the measurement")]) if any(r.windows for r in rows) else ""
    return _figure("Throughput", chart, legend, note)


# ---------------------------------------------------------------------------------------------- layers


def _top_layers(record: dict[str, Any]) -> list[dict[str, Any]]:
    layers = [layer for layer in record.get("layers") or [] if _number(layer.get("real_time_ms")) is not None]
    return sorted(layers, key=lambda layer: -float(layer["real_time_ms"]))[:TOP_LAYERS]


def _short(text: str, limit: int = 30) -> str:
    """The end of a long name: layer names differ at the end (``/encoder/layer.3/attention/MatMul``)."""
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def _layers_chart(record: dict[str, Any]) -> str:
    """The slowest layers as horizontal bars, each with its baseline time under it where known."""
    layers = _top_layers(record)
    if not layers:
        return ""
    times = [float(layer["real_time_ms"]) for layer in layers]
    times += _numbers(layer.get("baseline_real_time_ms") for layer in layers)
    x = Scale.fit([0.0, *times], 190, CHART_WIDTH - 64, from_zero=True)
    parts: list[str] = []
    for index, layer in enumerate(layers):
        parts += _layer_row(x, 8 + 24 * index, layer)
    axis_y = 12.0 + 24 * len(layers)
    parts += _x_axis(x, axis_y, "real time per inference (ms)")
    return _svg(
        CHART_WIDTH,
        axis_y + 42,
        f"slowest layers of {record.get('test', '')} {record.get('name', '')}",
        parts,
    )


def _layer_row(x: Scale, top: float, layer: dict[str, Any]) -> list[str]:
    name = str(layer.get("name", ""))
    kind = " / ".join(str(layer[k]) for k in ("type", "exec_type") if layer.get(k))
    current = float(layer["real_time_ms"])
    tip = f"{name} ({kind}): {figure(current)} ms"
    parts = [f"<g><title>{escape(tip)}</title>{_text(x.start - 6, top + 13, _short(name), 'end')}</g>"]
    parts.append(_rect(x.start, top + 2, x(current) - x.start, 11, "bar-cur", tip))
    parts.append(_text(x(current) + 5, top + 12, f"{figure(current)} ms", "start", "small"))
    base = _number(layer.get("baseline_real_time_ms"))
    if base is not None:
        parts.append(
            _rect(x.start, top + 14, x(base) - x.start, 5, "bar-base", f"baseline: {figure(base)} ms")
        )
    return parts


def _layers_figure(record: dict[str, Any]) -> str:
    chart = _layers_chart(record)
    if not chart:
        return ""
    has_base = any(_number(layer.get("baseline_real_time_ms")) is not None for layer in _top_layers(record))
    items = [("sw-bar-cur", "this run")] + ([("sw-bar-base", "baseline")] if has_base else [])
    count = len(record.get("layers") or [])
    return _figure(f"Slowest layers ({min(count, TOP_LAYERS)} of {count})", chart, _legend(items))


# ---------------------------------------------------------------------------------------------- tables


def _cell(text: object, css: str = "", tag: str = "td") -> str:
    klass = f' class="{css}"' if css else ""
    return f"<{tag}{klass}>{escape(str(text))}</{tag}>"


def _verdict_class(verdict: str) -> str:
    return VERDICT_CLASSES.get(verdict, "v-other")


def _headline(records: Sequence[dict[str, Any]]) -> str:
    """The number of measurements and a coloured count per verdict, worst first."""
    verdicts = [str(r.get("verdict", "")) for r in records]
    order = [v for v in VERDICT_ORDER if v in verdicts] + [
        v for v in dict.fromkeys(verdicts) if v not in VERDICT_ORDER
    ]
    chips = "".join(
        f'<span class="chip {_verdict_class(v)}">{verdicts.count(v)} {escape(v)}</span>' for v in order
    )
    noun = "measurement" if len(records) == 1 else "measurements"
    environments = sorted({str(r["environment"]) for r in records if r.get("environment")})
    env = f'<p class="env">Environment: {escape("; ".join(environments))}</p>' if environments else ""
    return (
        f'<header><h1>ovbench report</h1><p class="headline">{len(records)} {noun} {chips}</p>{env}</header>'
    )


def _summary_table(records: Sequence[dict[str, Any]]) -> str:
    """The end-of-run table, one row per gated metric, test names linking to their sections."""
    head = "".join(_cell(h, "num" if 3 <= i < 9 else "", "th") for i, h in enumerate(SUMMARY_HEADER))
    body: list[str] = []
    for index, record in enumerate(records, 1):
        for row in summary_rows([record]):
            test = f'<td><a href="#m-{index}">{escape(row[0])}</a></td>'
            middle = "".join(_cell(c, "num" if i >= 3 else "") for i, c in enumerate(row[1:-1], 1))
            body.append(f"<tr>{test}{middle}{_cell(row[-1], 'verdict ' + _verdict_class(row[-1]))}</tr>")
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f'<section class="summary"><h2>Summary</h2><div class="scroll">{table}</div></section>'


def _pairs(mapping: object) -> str:
    if not isinstance(mapping, dict) or not mapping:
        return "-"
    return ", ".join(f"{k}={v}" for k, v in mapping.items() if v is not None)


def _facts(record: dict[str, Any]) -> list[tuple[str, str]]:
    """Name/value pairs describing how and where the measurement was taken."""
    duration = _number(record.get("duration"))
    load = _number(record.get("foreign_load"))
    return [
        ("mode", str(record.get("mode", "-"))),
        ("device", str(record.get("device", "-"))),
        ("environment", str(record.get("environment") or "-")),
        ("model", str(record.get("model") or "-")),
        ("nireq / batch", f"{record.get('nireq', '-')} / {record.get('batch', '-')}"),
        ("inferences", str(record.get("count", "-"))),
        ("duration", "-" if duration is None else f"{duration:.3g} s"),
        ("others' CPU load", "-" if load is None else f"{load:.0%}"),
        ("properties", _pairs(record.get("properties"))),
        ("settings", _pairs(record.get("settings"))),
        ("compared with", str(record.get("source") or "-")),
    ]


def _facts_table(record: dict[str, Any]) -> str:
    rows = "".join(f"<tr>{_cell(name, tag='th')}{_cell(value)}</tr>" for name, value in _facts(record))
    return f'<div class="facts"><h3>Facts</h3><table class="kv">{rows}</table></div>'


def _comparison_row(comparison: dict[str, Any]) -> str:
    metric = str(comparison.get("metric", ""))
    label, unit = LABELS.get(metric, (metric, ""))
    p_value, noise = _number(comparison.get("p_value")), _number(comparison.get("noise"))
    tolerance, machine = _number(comparison.get("tolerance")), _number(comparison.get("machine"))
    status = str(comparison.get("status", ""))
    cells = [
        _cell(f"{label} ({unit})" if unit else label),
        _cell(figure(_number(comparison.get("baseline"))), "num"),
        _cell(figure(_number(comparison.get("current"))), "num"),
        _cell(_percent(_number(comparison.get("change"))), "num"),
        _cell("-" if machine is None else _percent(machine - 1.0), "num"),
        _cell(_percent(_number(comparison.get("adjusted_change"))), "num"),
        _cell(str(comparison.get("sees", "-")), "num"),
        _cell("-" if tolerance is None else f"{tolerance:.0%}", "num"),
        _cell("-" if noise is None else f"{noise:.1%}", "num"),
        _cell("-" if p_value is None else f"{p_value:.2g}", "num"),
        _cell(status, "verdict " + _verdict_class(status)),
        _cell(comparison.get("reason") or ""),
    ]
    return f"<tr>{''.join(cells)}</tr>"


def _comparisons_table(record: dict[str, Any]) -> str:
    comparisons = record.get("comparisons") or []
    if not comparisons:
        source = escape(str(record.get("source") or "no baseline"))
        return f'<p class="note comparisons">Not compared: {source}.</p>'
    header = (
        *("metric", "baseline", "current", "change", "machine", "net", "sees"),
        *("allowed", "noise", "p-value", "verdict", "reason"),
    )
    head = "".join(_cell(h, "num" if 0 < i < 10 else "", "th") for i, h in enumerate(header))
    rows = "".join(_comparison_row(c) for c in comparisons)
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    return f'<div class="comparisons"><h3>Comparisons</h3><div class="scroll">{table}</div></div>'


# ---------------------------------------------------------------------------------------------- page


def _section(index: int, record: dict[str, Any]) -> str:
    """One measurement: title with verdict, charts, comparisons and facts."""
    verdict = str(record.get("verdict", ""))
    badge = f'<span class="chip {_verdict_class(verdict)}">{escape(verdict)}</span>'
    title = f"{escape(str(record.get('test', '')))} <small>{escape(str(record.get('name', '')))}</small>"
    nodeid = f'<p class="nodeid">{escape(str(record.get("nodeid", "")))}</p>'
    parts = [
        _latency_figure(record),
        _comparisons_table(record),
        _throughput_figure(record),
        _facts_table(record),
        _layers_figure(record),
    ]
    grid = "".join(part for part in parts if part)
    head = f"<h2>{badge} {title}</h2>{nodeid}"
    return f'<section class="measurement" id="m-{index}">{head}<div class="layout">{grid}</div></section>'


def _page(body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>ovbench report</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


STYLE = """
:root { --cur: #2563eb; --base: #6b7280; --ref: #d97706; --ink: #1f2937; --muted: #6b7280;
  --line: #e5e7eb; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); }
body { margin: 0; background: #f9fafb; }
main { max-width: 1200px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.6rem; margin: 0.2em 0; }
h2 { font-size: 1.2rem; margin: 0 0 0.2em; overflow-wrap: anywhere; }
h2 small { font-weight: normal; color: var(--muted); }
h3 { font-size: 0.95rem; margin: 0.8em 0 0.3em; }
.headline { font-size: 1.05rem; display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.env, .nodeid, .note { color: var(--muted); font-size: 0.85rem; margin: 0.2em 0; overflow-wrap: anywhere; }
.empty { font-size: 1.1rem; padding: 2em; background: #fff; border: 1px solid var(--line); }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px;
  margin: 14px 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; width: 100%; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: #f3f4f6; white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td a { color: inherit; }
.kv th { width: 9em; color: var(--muted); font-weight: normal; white-space: nowrap; }
.kv td { overflow-wrap: anywhere; }
.chip { display: inline-block; border-radius: 999px; padding: 1px 10px; font-size: 0.85rem; font-weight: 600;
  border: 1px solid var(--line); white-space: nowrap; }
.verdict { font-weight: 600; white-space: nowrap; }
.v-regressed { background: #fee2e2; color: #991b1b; border-color: #fca5a5; }
.v-improved { background: #dcfce7; color: #166534; border-color: #86efac; }
.v-inconclusive { background: #fef3c7; color: #92400e; border-color: #fcd34d; }
.v-pass { background: #fff; color: var(--ink); }
.v-none { background: #e5e7eb; color: #4b5563; font-style: italic; }
.v-other { background: #f3f4f6; color: var(--ink); }
.layout { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 460px), 1fr));
  gap: 16px 24px; margin-top: 8px; }
.layout > * { min-width: 0; }
.wide, .comparisons { grid-column: 1 / -1; }
figure.chart { margin: 0; }
.wide svg { min-width: 720px; }
figcaption { font-weight: 600; font-size: 0.95rem; margin-bottom: 4px; }
svg { display: block; width: 100%; height: auto; overflow: visible; }
svg text { font-size: 12px; fill: #374151; }
svg text.title { font-size: 12px; fill: var(--muted); }
svg text.small { font-size: 11px; }
svg text.on-bar { fill: #fff; font-weight: 600; }
.axis { stroke: #9ca3af; stroke-width: 1; }
.gridline { stroke: #eef0f3; stroke-width: 1; }
.bar-cur { fill: var(--cur); fill-opacity: 0.75; }
.bar-base { fill: var(--base); fill-opacity: 0.7; }
.bar-ref { fill: var(--ref); fill-opacity: 0.75; }
.outline-ref { fill: none; stroke: var(--ref); stroke-width: 1.6; }
.band-base { fill: var(--base); fill-opacity: 0.13; }
.band-ref { fill: var(--ref); fill-opacity: 0.13; }
.med-cur { stroke: var(--cur); stroke-width: 2; }
.med-base { stroke: var(--base); stroke-width: 2; stroke-dasharray: 5 3; }
.med-ref { stroke: var(--ref); stroke-width: 2; stroke-dasharray: 5 3; }
.dot-cur { fill: var(--cur); fill-opacity: 0.6; stroke: #fff; }
.dot-base { fill: var(--base); fill-opacity: 0.6; stroke: #fff; }
.dot-ref { fill: var(--ref); fill-opacity: 0.6; stroke: #fff; }
.dot-window { fill: #fff; stroke: var(--ink); stroke-width: 1.2; }
.legend { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap; gap: 4px 14px;
  font-size: 0.8rem; color: #374151; }
.legend li { display: flex; align-items: center; gap: 5px; }
.sw { display: inline-block; width: 14px; height: 10px; }
.sw-bar-cur { background: var(--cur); opacity: 0.75; }
.sw-bar-base { background: var(--base); opacity: 0.7; }
.sw-outline-ref { border: 2px solid var(--ref); border-bottom: none; height: 8px; }
.sw-med-cur { border-left: 2px solid var(--cur); width: 2px; height: 14px; }
.sw-med-base { border-left: 2px dashed var(--base); width: 2px; height: 14px; }
.sw-med-ref { border-left: 2px dashed var(--ref); width: 2px; height: 14px; }
.sw-band-base { background: var(--base); opacity: 0.25; }
.sw-band-ref { background: var(--ref); opacity: 0.25; }
.sw-dot { width: 8px; height: 8px; border-radius: 50%; border: 1.2px solid var(--ink); }
@media (max-width: 640px) { main { padding: 6px; } section { padding: 10px; } th, td { padding: 3px 5px; } }
"""
