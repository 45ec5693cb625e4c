"""What a measurement hands back: the figures, the per-request latencies and the settings behind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from pytest_ovbench.measure.stats import LatencyStats
from pytest_ovbench.metrics import WINDOW_METRICS

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Window:
    """One slice of a run, the unit of replication the regression verdict uses.

    ``figures`` holds the slice's own latency statistics (ms) and throughput (inferences/s).
    """

    count: int
    duration: float  # seconds
    figures: dict[str, float]

    @property
    def median_ms(self) -> float:
        return self.figures["median"]

    @property
    def throughput(self) -> float:
        return self.figures["throughput"]

    @classmethod
    def of(cls, latencies_ms: FloatArray, duration_s: float, batch: float) -> Window:
        stats = LatencyStats.from_samples(latencies_ms).as_dict()
        figures = {k: float(stats[k]) for k in WINDOW_METRICS if k in stats}
        figures["throughput"] = batch * latencies_ms.size / max(duration_s, 1e-9)
        return cls(int(latencies_ms.size), duration_s, figures)


def split_windows(
    latencies_ms: FloatArray, ends_s: FloatArray, start_s: float, batch: float, windows: int
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
        end = float(ends_s[hi - 1])
        result.append(Window.of(latencies_ms[lo:hi], end - previous_end, batch))
        previous_end = end
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
    foreign_load: float | None = None  # share of the machine's CPU others used meanwhile (0..1)
    groups: dict[str, LatencyStats] = field(default_factory=dict)  # latency per shape group (data_shape=)
    cached_compile_ms: float | None = None  # compile from a warm cache_dir
    compile_memory_mb: float | None = None  # peak resident memory compiling needed (MiB)
    infer_memory_mb: float | None = None  # peak resident memory requests and inference needed (MiB)
    peak_memory_mb: float | None = None  # the process's resident peak during inference (MiB)
    memory_unavailable: str | None = None  # why memory was not measured, where it was not
    layers: list[Any] = field(default_factory=list)  # layers.Layer, with perf_counts
    machine_ms: float | None = None  # the machine's speed by the yardstick (ms per inference)
    machine_windows: list[float] = field(default_factory=list)  # the same after each window
    probe_ms: float | None = None  # an inference's fixed cost by the probe (ms per inference)
    probe_windows: list[float] = field(default_factory=list)  # the same after each window
    yardstick: str | None = None  # which yardstick measured it (yardstick.YARDSTICK)
    fresh_process: bool = False  # measured in a fresh process (replicate.py), not the pytest one

    @property
    def metrics(self) -> dict[str, float]:
        """Every gateable figure by name (latency statistics in ms, throughput in inferences/s,
        cold-start times in ms, memory in MiB); figures not measured are left out."""
        figures = {k: v for k, v in self.latency.as_dict().items() if k != "count"}
        figures.update(throughput=self.throughput, first_inference_ms=self.first_inference_ms)
        optional = {
            "compile_ms": self.compile_ms,
            "cached_compile_ms": self.cached_compile_ms,
            "read_ms": self.read_ms,
            "compile_memory_mb": self.compile_memory_mb,
            "infer_memory_mb": self.infer_memory_mb,
        }
        figures.update({k: float(v) for k, v in optional.items() if v is not None})
        return figures

    def summary(self) -> str:
        """One line, as printed in verbose runs."""
        lat = self.latency
        return (
            f"{self.name} [{self.mode}, {self.device}, nireq={self.nireq}]: {self.count} inferences "
            f"in {self.duration:.2f} s, {self.throughput:.1f} inf/s, latency median "
            f"{lat.median:.3f} ms (p90 {lat.p90:.3f}, min {lat.min:.3f}, max {lat.max:.3f})"
        )
