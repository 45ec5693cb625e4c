from __future__ import annotations

import math

import numpy as np

from pytest_ovbench.measure.result import split_windows
from pytest_ovbench.measure.stats import LatencyStats, percentile


def test_percentile_is_nearest_rank_as_benchmark_app() -> None:
    values = np.array([4.0, 1.0, 3.0, 2.0])
    # benchmark_app: sorted[ceil(n * p / 100) - 1]
    assert percentile(values, 50) == 2.0  # lower middle for even n, not 2.5
    assert percentile(values, 90) == 4.0
    assert percentile(values, 25) == 1.0
    assert percentile(np.arange(1.0, 101.0), 99) == 99.0


def test_stats_from_samples() -> None:
    stats = LatencyStats.from_samples([5.0, 1.0, 3.0])
    assert (stats.count, stats.min, stats.median, stats.max) == (3, 1.0, 3.0, 5.0)
    assert stats.mean == 3.0
    assert stats.stdev == 2.0  # sample standard deviation (ddof=1)
    assert stats.as_dict()["p90"] == 5.0


def test_stats_of_no_samples_are_nan() -> None:
    stats = LatencyStats.from_samples([])
    assert stats.count == 0 and math.isnan(stats.median)


def test_windows_tile_the_run() -> None:
    latencies = np.array([1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0])
    ends = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    windows = split_windows(latencies, ends, 0.0, batch=2, windows=3)
    assert [w.count for w in windows] == [2, 3, 2]
    assert sum(w.duration for w in windows) == 7.0
    assert windows[0].throughput == 2 * 2 / 2.0
    assert [w.median_ms for w in windows] == [1.0, 2.0, 3.0]


def test_fewer_samples_than_windows() -> None:
    windows = split_windows(np.array([1.0, 2.0]), np.array([0.5, 1.0]), 0.0, batch=1, windows=5)
    assert [w.count for w in windows] == [1, 1]
