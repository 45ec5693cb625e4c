"""The content of one baseline entry: made from a result, read back as samples for the verdict.

An entry (one test, one measurement, one environment) looks like::

    recorded: '2026-11-23'
    openvino: 2026.4.1-22982-...
    model_sha256: 3f1c...        # first 16 hex digits; None for in-memory models
    mode: sync
    properties: {NUM_STREAMS: 1, PERFORMANCE_HINT: LATENCY, ...}
    settings: {hint: latency, time: 2.0, windows: 10, ...}
    metrics:
      median: {value: 5.53, windows: [5.5, 5.52, ...]}   # ms
      throughput: {value: 178.3, windows: [...]}         # inferences/s
      first_inference_ms: {value: 9.1}
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from typing import Any

from .metrics import METRICS, SINGLE_METRICS, WINDOW_METRICS
from .result import Result
from .verdict import Sample

ALWAYS_WINDOWED = ("median", "throughput")


def make_entry(
    result: Result, model_sha256: str | None, openvino: str, gated: Sequence[str] = ()
) -> dict[str, Any]:
    """The entry that records ``result``: every figure, and the windows of the figures the
    verdict may need (median, throughput and whatever else is gated), to keep diffs short."""
    metrics: dict[str, Any] = {}
    figures = result.metrics
    windowed = {*ALWAYS_WINDOWED, *gated}
    for name in METRICS:
        metrics[name] = {"value": figures[name]}
        if name in windowed and name in WINDOW_METRICS:
            metrics[name]["windows"] = [w.figures[name] for w in result.windows]
    return {
        "recorded": datetime.date.today().isoformat(),
        "openvino": openvino,
        "model_sha256": model_sha256,
        "mode": result.mode,
        "properties": dict(result.properties),
        "settings": dict(result.settings),
        "foreign_load": result.foreign_load,
        "metrics": metrics,
    }


def result_samples(result: Result) -> dict[str, Sample]:
    """Every gateable metric of a result, with its window values."""
    figures = result.metrics
    samples = {n: Sample(figures[n], tuple(w.figures[n] for w in result.windows)) for n in WINDOW_METRICS}
    samples.update({n: Sample(figures[n], ()) for n in SINGLE_METRICS})
    return samples


def entry_samples(entry: dict[str, Any]) -> dict[str, Sample]:
    """The metrics of a stored entry (validated by :func:`validate_entry` first)."""
    return {
        name: Sample(float(m["value"]), tuple(float(v) for v in m.get("windows", ())))
        for name, m in entry["metrics"].items()
    }


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def validate_entry(entry: dict[str, Any]) -> None:
    """Raise ValueError naming what is wrong with a (possibly hand-edited) entry."""
    metrics = entry.get("metrics")
    if not isinstance(metrics, dict) or not metrics:
        raise ValueError("'metrics' must be a mapping of metric names to {value, windows}")
    for name, metric in metrics.items():
        if name not in METRICS:
            raise ValueError(f"unknown metric {name!r} (known: {', '.join(METRICS)})")
        if not isinstance(metric, dict) or not _number(metric.get("value")) or metric["value"] <= 0:
            raise ValueError(f"metrics -> {name}: 'value' must be a number > 0")
        windows = metric.get("windows", [])
        if not isinstance(windows, list) or not all(_number(v) and v > 0 for v in windows):
            raise ValueError(f"metrics -> {name}: 'windows' must be a list of numbers > 0")


def describe(entry: dict[str, Any]) -> str:
    """Where a baseline came from, for messages: 'recorded 2026-11-20, openvino 2026.4.1'."""
    parts = []
    if entry.get("recorded"):
        parts.append(f"recorded {entry['recorded']}")
    if entry.get("openvino"):
        parts.append(f"openvino {str(entry['openvino']).split('-')[0]}")
    return ", ".join(parts)
