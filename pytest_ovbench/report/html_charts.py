"""The charts of one measurement in the HTML report, each built from a record into a ``<figure>``:
the latency distribution, the throughput bars and the slowest layers.

A chart with nothing to draw comes back as ``""`` and is left out of the page. The shapes themselves
come from :mod:`pytest_ovbench.report.svg`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np

from pytest_ovbench.metrics import LABELS
from pytest_ovbench.report.html_numbers import finite, finite_numbers, percent_or_dash
from pytest_ovbench.report.svg import (
    Scale,
    bin_shares,
    chart_figure,
    chart_legend,
    chart_svg,
    dot,
    dot_strip,
    histogram_bars,
    line,
    rect,
    step_outline,
    text,
    x_axis,
    y_axis,
)
from pytest_ovbench.report.text import figure

TOP_LAYERS = 15
CHART_WIDTH = 480  # viewBox widths: the SVGs scale to their column, text with them
WIDE_WIDTH = 960  # the latency chart spans the whole section
MARGIN_RIGHT = 16


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
    runs: int = 1  # runs the figures pool; the samples and windows are the first run's

    @classmethod
    def of(cls, record: dict[str, Any]) -> Distribution:
        windows = record.get("windows") or []
        is_reference = "reference_figures" in record or "reference_latencies_ms" in record
        return cls(
            samples=finite_numbers(record.get("latencies_ms")),
            reference_samples=finite_numbers(record.get("reference_latencies_ms")),
            windows=finite_numbers(w.get("median") for w in windows),
            baseline_windows=finite_numbers((record.get("baseline_windows") or {}).get("median")),
            median=finite((record.get("figures") or {}).get("median")),
            baseline_median=_baseline_figure(record, "median"),
            baseline_kind="reference" if is_reference else "baseline",
            runs=run_count(record),
        )

    def everything(self) -> list[float]:
        markers = [v for v in (self.median, self.baseline_median) if v is not None]
        return [*self.samples, *self.reference_samples, *self.windows, *self.baseline_windows, *markers]


def run_count(record: dict[str, Any]) -> int:
    """How many runs the record's figures pool (at least the one its latencies come from)."""
    return max(1, len(record.get("runs") or []))


def _baseline_figure(record: dict[str, Any], metric: str) -> float | None:
    """The figure this run was (or would be) compared with: the comparison's, else the reference's,
    else the centre of the baseline's windows (median for latency, mean for throughput)."""
    for comparison in record.get("comparisons") or []:
        if comparison.get("metric") == metric and finite(comparison.get("baseline")) is not None:
            return finite(comparison.get("baseline"))
    for key in ("baseline_figures", "reference_figures"):
        stored = finite((record.get(key) or {}).get(metric))
        if stored is not None:
            return stored
    windows = finite_numbers((record.get("baseline_windows") or {}).get(metric))
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
        parts += dot_strip(strip_values, x, hist_bottom + 20 + 22 * index, row_label, css, "ms")
    parts += _median_lines(data, x, 8.0, axis_y)
    parts += x_axis(x, axis_y, "latency (ms" + (", log scale)" if x.log else ")"))
    return chart_svg(WIDE_WIDTH, axis_y + 42, label, parts)


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
    shares = bin_shares(data.samples, edges)
    reference = bin_shares(data.reference_samples, edges) if data.reference_samples else []
    y = Scale.fit([0.0, *shares, *reference], bottom, 8.0, from_zero=True)
    parts = y_axis(y, x.start, x.end, "% of inferences")
    parts += histogram_bars(shares, x, y, edges, "ms")
    if reference:
        parts.append(step_outline(reference, x, y, edges))
    return parts


def _baseline_band(data: Distribution, x: Scale, top: float, bottom: float) -> list[str]:
    """A shaded band from the lowest to the highest window median of the baseline."""
    if not data.baseline_windows:
        return []
    low, high = min(data.baseline_windows), max(data.baseline_windows)
    css = "band-ref" if data.baseline_kind == "reference" else "band-base"
    left, right = x(low), x(high)
    tip = f"{data.baseline_kind} window medians: {figure(low)}–{figure(high)} ms"
    return [rect(left - 1, top, right - left + 2, bottom - top, css, tip)]


def _median_lines(data: Distribution, x: Scale, top: float, bottom: float) -> list[str]:
    parts: list[str] = []
    if data.baseline_median is not None:
        css = "med-ref" if data.baseline_kind == "reference" else "med-base"
        parts.append(line(x(data.baseline_median), top, x(data.baseline_median), bottom, css))
    if data.median is not None:
        parts.append(line(x(data.median), top, x(data.median), bottom, "med-cur"))
    return parts


def _latency_legend(data: Distribution) -> str:
    kind = data.baseline_kind
    accent = "ref" if kind == "reference" else "base"
    items: list[tuple[str, str]] = []
    if data.samples:
        run = "this run" if data.runs == 1 else f"first of {data.runs} runs"
        items.append(("sw-bar-cur", f"{run}, {len(data.samples)} latencies"))
    if data.reference_samples:
        items.append(("sw-outline-ref", f"reference, {len(data.reference_samples)} latencies"))
    if data.median is not None:
        over = "" if data.runs == 1 else f" over {data.runs} runs"
        items.append(("sw-med-cur", f"median {figure(data.median)} ms{over}"))
    if data.baseline_median is not None:
        items.append((f"sw-med-{accent}", f"{kind} median {figure(data.baseline_median)} ms"))
    if data.baseline_windows:
        items.append((f"sw-band-{accent}", f"range of {kind} window medians"))
    return chart_legend(items)


def latency_figure(record: dict[str, Any]) -> str:
    data = Distribution.of(record)
    chart = _latency_chart(data, f"latency distribution of {record.get('test', '')} {record.get('name', '')}")
    if not chart:
        return ""
    note = "" if data.samples else "Per-request latencies were not kept; the dots are per-window medians."
    return chart_figure("Latency", chart, _latency_legend(data), note, wide=True)


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
    current = finite((record.get("figures") or {}).get("throughput"))
    windows = finite_numbers(w.get("throughput") for w in record.get("windows") or [])
    runs = run_count(record)
    rows = [BarRow("this run" if runs == 1 else f"{runs} runs", current, windows, "cur")]
    base_windows = finite_numbers((record.get("baseline_windows") or {}).get("throughput"))
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
    parts += x_axis(x, axis_y, f"throughput ({unit})")
    return chart_svg(
        CHART_WIDTH, axis_y + 42, f"throughput of {record.get('test', '')} {record.get('name', '')}", parts
    )


def _throughput_row(x: Scale, top: float, row: BarRow, unit: str) -> list[str]:
    """Label, bar, its figure (inside the bar when it fits, else after the dots), window dots."""
    parts = [text(x.start - 6, top + 19, row.label, "end")]
    if row.value is not None:
        width = x(row.value) - x.start
        tip = f"{row.label}: {figure(row.value)} {unit}"
        parts.append(rect(x.start, top, width, 28, f"bar-{row.css}", tip))
        if width > 110:
            parts.append(text(x.start + 6, top + 19, f"{figure(row.value)} {unit}", "start", "on-bar"))
        else:
            after = max([x(row.value), *(x(v) for v in row.windows)]) + 8
            parts.append(text(after, top + 19, f"{figure(row.value)} {unit}"))
    for index, value in enumerate(row.windows):
        jitter = (index % 5 - 2) * 3.0  # spread equal values so each window stays visible
        tip = f"{row.label} window: {figure(value)} {unit}"
        parts.append(dot(x(value), top + 14 + jitter, "dot-window", tip))
    return parts


def throughput_figure(record: dict[str, Any]) -> str:
    chart = _throughput_chart(record)
    if not chart:
        return ""
    rows = _throughput_rows(record)
    note = ""
    if len(rows) == 2 and rows[0].value and rows[1].value:
        now = "This run" if run_count(record) == 1 else f"These {run_count(record)} runs"
        note = f"{now}: {percent_or_dash(rows[0].value / rows[1].value - 1)} against the {rows[1].label}."
    window = "one window of the measurement" if run_count(record) == 1 else "one window (this run: the first)"
    legend = chart_legend([("sw-dot", window)]) if any(r.windows for r in rows) else ""
    return chart_figure("Throughput", chart, legend, note)


# ---------------------------------------------------------------------------------------------- layers


def _top_layers(record: dict[str, Any]) -> list[dict[str, Any]]:
    layers = [layer for layer in record.get("layers") or [] if finite(layer.get("real_time_ms")) is not None]
    return sorted(layers, key=lambda layer: -float(layer["real_time_ms"]))[:TOP_LAYERS]


def _short(name: str, limit: int = 30) -> str:
    """A long layer name cut from the middle, its first and last parts kept
    (``conv_block_1/…/relu``): the start says where in the model, the end what the layer is."""
    if len(name) <= limit:
        return name
    parts = name.split("/")
    if len(parts) > 2 and len(parts[0]) + len(parts[-1]) + 3 <= limit:
        head, tail = parts[0], [parts[-1]]
        for part in reversed(parts[1:-1]):  # as many of the last parts as fit
            if len(head) + len("/".join([part, *tail])) + 3 > limit:
                break
            tail.insert(0, part)
        return f"{head}/…/{'/'.join(tail)}" if len(tail) < len(parts) - 1 else name
    keep = limit - 1
    return name[: keep // 2] + "…" + name[len(name) - (keep - keep // 2) :]


def _layers_chart(record: dict[str, Any]) -> str:
    """The slowest layers as horizontal bars, each with its baseline time under it where known."""
    layers = _top_layers(record)
    if not layers:
        return ""
    times = [float(layer["real_time_ms"]) for layer in layers]
    times += finite_numbers(layer.get("baseline_real_time_ms") for layer in layers)
    x = Scale.fit([0.0, *times], 190, CHART_WIDTH - 64, from_zero=True)
    parts: list[str] = []
    for index, layer in enumerate(layers):
        parts += _layer_row(x, 8 + 24 * index, layer)
    axis_y = 12.0 + 24 * len(layers)
    parts += x_axis(x, axis_y, "real time per inference (ms)")
    return chart_svg(
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
    parts = [f"<g><title>{escape(tip)}</title>{text(x.start - 6, top + 13, _short(name), 'end')}</g>"]
    parts.append(rect(x.start, top + 2, x(current) - x.start, 11, "bar-cur", tip))
    parts.append(text(x(current) + 5, top + 12, f"{figure(current)} ms", "start", "small"))
    base = finite(layer.get("baseline_real_time_ms"))
    if base is not None:
        parts.append(
            rect(x.start, top + 14, x(base) - x.start, 5, "bar-base", f"baseline: {figure(base)} ms")
        )
    return parts


def layers_figure(record: dict[str, Any]) -> str:
    chart = _layers_chart(record)
    if not chart:
        return ""
    has_base = any(finite(layer.get("baseline_real_time_ms")) is not None for layer in _top_layers(record))
    items = [("sw-bar-cur", "this run")] + ([("sw-bar-base", "baseline")] if has_base else [])
    count = len(record.get("layers") or [])
    return chart_figure(f"Slowest layers ({min(count, TOP_LAYERS)} of {count})", chart, chart_legend(items))
