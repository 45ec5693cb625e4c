"""What a measurement hands back: the figures, the per-request latencies and the settings behind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .stats import LatencyStats

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Window:
    """One consecutive slice of a run: the unit of replication the regression verdict uses."""

    count: int
    duration: float  # seconds
    median_ms: float
    throughput: float  # inferences per second (batch included)

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "duration": self.duration,
            "median_ms": self.median_ms,
            "throughput": self.throughput,
        }


def split_windows(
    latencies_ms: FloatArray, ends_s: FloatArray, start_s: float, batch: int, windows: int
) -> list[Window]:
    """Cut a run into ``windows`` slices of equal count (in completion order).

    A slice's duration runs from the previous slice's last completion (or the run's start) to its own
    last completion, so the slices tile the run and their durations add up to the loop's duration.
    """
    count = int(latencies_ms.size)
    pieces = max(1, min(windows, count))
    bounds = np.linspace(0, count, pieces + 1).round().astype(int)
    result: list[Window] = []
    previous_end = start_s
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        if hi <= lo:
            continue
        duration = max(float(ends_s[hi - 1]) - previous_end, 1e-9)
        median = float(np.percentile(latencies_ms[lo:hi], 50, method="inverted_cdf"))
        result.append(Window(int(hi - lo), duration, median, float(batch * (hi - lo) / duration)))
        previous_end = float(ends_s[hi - 1])
    return result


@dataclass
class Result:
    """One measurement. Latencies in milliseconds, durations in seconds, throughput in inferences/s.

    ``throughput`` is batch x completed inferences / wall-clock duration of the measured loop
    (async: first submit to last completion, drain included). ``latency`` summarises every
    per-request latency, as ``InferRequest.latency`` reports it (the C++ window around the inference).
    """

    name: str
    mode: str  # "sync" or "async"
    device: str
    count: int
    duration: float
    throughput: float
    latency: LatencyStats
    latencies: FloatArray
    windows: list[Window]
    first_inference_ms: float
    compile_ms: float
    read_ms: float | None
    nireq: int
    batch: int
    properties: dict[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)
    model_name: str = ""
    model_path: str | None = None

    @property
    def metrics(self) -> dict[str, float]:
        """Every gateable figure by name (latency statistics in ms, throughput in inferences/s)."""
        figures = {k: v for k, v in self.latency.as_dict().items() if k != "count"}
        figures.update(
            throughput=self.throughput, first_inference_ms=self.first_inference_ms, compile_ms=self.compile_ms
        )
        return figures

    def summary(self) -> str:
        """One line, as printed in verbose runs."""
        lat = self.latency
        return (
            f"{self.name} [{self.mode}, {self.device}, nireq={self.nireq}]: {self.count} inferences "
            f"in {self.duration:.2f} s, {self.throughput:.1f} inf/s, latency median "
            f"{lat.median:.3f} ms (p90 {lat.p90:.3f}, min {lat.min:.3f}, max {lat.max:.3f})"
        )
