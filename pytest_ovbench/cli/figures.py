"""How entries read in a listing: the main figure, metric values with units, short versions."""

from __future__ import annotations

from pytest_ovbench.cli.snapshot import Entry
from pytest_ovbench.metrics import LABELS
from pytest_ovbench.report.text import figure

__all__ = ["LEGACY_NOTE", "main_figure", "main_metric", "metric_text", "short_version"]

LEGACY_NOTE = (
    "recorded before hardware classes: never used for a verdict; re-record on each kind of runner "
    "(pytest --ov-update-baselines)"
)


def main_metric(entry: Entry) -> str:
    return "throughput" if entry.get("mode") == "async" else "median"


def metric_text(name: str, value: float) -> str:
    return f"{figure(value)} {LABELS[name][1]}" if name in LABELS else figure(value)


def main_figure(entry: Entry) -> str:
    """'median 5.412 ms' for a sync entry, 'throughput 182.3 inf/s' for an async one."""
    name = main_metric(entry)
    metric = entry.get("metrics", {}).get(name)
    return "-" if metric is None else f"{name} {metric_text(name, float(metric['value']))}"


def short_version(entry: Entry) -> str:
    version = entry.get("openvino")
    return str(version).split("-")[0] if version else "-"
