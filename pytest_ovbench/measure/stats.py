"""Summary statistics of per-request latencies (pure numpy, no OpenVINO, no pytest).

Percentile definition: nearest rank, ``sorted[ceil(n * p / 100) - 1]`` (numpy's ``inverted_cdf``
method), the definition benchmark_app uses. The median is the 50th percentile by that rule, so for an
even count it is the lower of the two middle values, exactly as benchmark_app prints it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def geometric_mean(values: Sequence[float]) -> float:
    return float(np.exp(np.mean(np.log(values)))) if len(values) > 1 else float(values[0])


def percentile(values_ms: FloatArray, percent: float) -> float:
    """Nearest-rank percentile of ``values_ms`` (0 < percent <= 100); NaN for no values."""
    if values_ms.size == 0:
        return float("nan")
    return float(np.percentile(values_ms, percent, method="inverted_cdf"))


@dataclass(frozen=True)
class LatencyStats:
    """Latency summary in milliseconds, built from every per-request latency of a measurement."""

    count: int
    min: float
    mean: float
    median: float
    max: float
    p90: float
    p99: float
    stdev: float

    @classmethod
    def from_samples(cls, latencies_ms: npt.ArrayLike) -> LatencyStats:
        values = np.asarray(latencies_ms, dtype=np.float64)
        if values.size == 0:
            nan = float("nan")
            return cls(0, nan, nan, nan, nan, nan, nan, nan)
        return cls(
            count=int(values.size),
            min=float(values.min()),
            mean=float(values.mean()),
            median=percentile(values, 50),
            max=float(values.max()),
            p90=percentile(values, 90),
            p99=percentile(values, 99),
            stdev=float(values.std(ddof=1)) if values.size > 1 else 0.0,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "min": self.min,
            "mean": self.mean,
            "median": self.median,
            "max": self.max,
            "p90": self.p90,
            "p99": self.p99,
            "stdev": self.stdev,
        }
