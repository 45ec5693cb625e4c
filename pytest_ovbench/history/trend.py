"""Change points of one series: where its level moved, by how much, and how surely.

The method (docs/history.md): on the log figures, an exact penalised search for the segmentation
that minimises the squared deviations from each segment's mean (ruptures' ``KernelCPD`` with the
linear kernel: the l2 cost, searched by PELT), with a BIC-like penalty per change point
``k * log(n) * sigma**2``, where ``sigma`` is the series' own noise: the median absolute deviation
of successive differences (robust to the level shifts themselves), scaled to a standard deviation.
Each change found is then confirmed by Welch's t-test of the log figures of the segments before
and after it, and kept only when significant (``alpha``) and at least ``min_change`` in size; the
weakest failing one is merged away first, and the rest are tested again.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from scipy import stats

from pytest_ovbench.errors import OvbenchError
from pytest_ovbench.history.rows import HistoryRow, SeriesKey

__all__ = ["ChangePoint", "SeriesTrend", "TrendError", "TrendSettings", "change_points", "noise_sigma"]

_MAD_TO_SD = 1.4826  # the MAD of normal data times this is its standard deviation


class TrendError(OvbenchError):
    """Trend detection cannot run here (``ruptures`` missing); the message names the fix."""


@dataclass(frozen=True)
class TrendSettings:
    """The knobs of change detection; the defaults report a change in about 0.6% of unchanged
    series of 30 runs and fewer in longer ones (docs/history.md shows the simulation)."""

    penalty: float = 4.0  # k in k * log(n) * sigma**2
    alpha: float = 0.001  # Welch's test of the segments around a change must be below this
    min_change: float = 0.01  # changes of the median smaller than this fraction are not reported
    min_size: int = 3  # rows in the shortest segment
    min_noise: float = 0.002  # sigma is at least this (log units ~ fraction): quantised figures


@dataclass(frozen=True)
class ChangePoint:
    """A level shift: the rows from ``index`` on sit at another level than those before.

    ``before`` and ``after`` are the medians of the segments on each side (up to the neighbouring
    change points), ``change`` ``after / before - 1``; ``worse`` in the metric's bad direction;
    ``p_value`` Welch's two-sided test of their log figures (descriptive: it does not account for
    the search that placed the change)."""

    index: int
    commit: str | None
    recorded_at: datetime
    before: float
    after: float
    p_value: float
    worse: bool

    @property
    def change(self) -> float:
        return self.after / self.before - 1.0

    @property
    def confidence(self) -> float:
        return 1.0 - self.p_value


def change_points(
    rows: Sequence[HistoryRow], higher_is_better: bool = False, settings: TrendSettings | None = None
) -> list[ChangePoint]:
    """The confirmed change points of a series (rows oldest first), oldest first."""
    settings = settings or TrendSettings()
    logs = np.log(np.asarray([row.figure for row in rows], dtype=np.float64))
    breaks = confirmed(logs, candidate_breaks(logs, settings), settings)
    bounds = [0, *breaks, len(logs)]
    found = []
    for position, index in enumerate(breaks):
        before, after = logs[bounds[position] : index], logs[index : bounds[position + 2]]
        change = float(np.exp(np.median(after) - np.median(before)))
        found.append(
            ChangePoint(
                index,
                rows[index].commit,
                rows[index].recorded_at,
                float(np.exp(np.median(before))),
                float(np.exp(np.median(after))),
                _welch(before, after),
                change < 1.0 if higher_is_better else change > 1.0,
            )
        )
    return found


def noise_sigma(logs: Any, floor: float = 0.0) -> float:
    """The series' noise (standard deviation of one log figure) from the MAD of successive
    differences: a level shift spoils one difference, not the median of them all."""
    if len(logs) < 3:
        return floor
    steps = np.abs(np.diff(logs))
    return max(float(_MAD_TO_SD * np.median(steps) / math.sqrt(2.0)), floor)


def candidate_breaks(logs: Any, settings: TrendSettings) -> list[int]:
    """Where the penalised search puts segment starts (indexes into ``logs``; 0 excluded)."""
    count = len(logs)
    if count < 2 * settings.min_size:
        return []
    sigma = noise_sigma(logs, settings.min_noise)
    penalty = settings.penalty * math.log(count) * sigma**2
    search = _ruptures().KernelCPD(kernel="linear", min_size=settings.min_size)
    ends = search.fit(np.asarray(logs, dtype=np.float64).reshape(-1, 1)).predict(pen=penalty)
    return [int(end) for end in ends[:-1]]


def confirmed(logs: Any, breaks: list[int], settings: TrendSettings) -> list[int]:
    """The breaks whose segments differ significantly and by at least ``min_change``; the weakest
    failing break goes first, then the rest are judged again on the merged segments."""
    kept = list(breaks)
    while kept:
        bounds = [0, *kept, len(logs)]
        failing = []
        for position, index in enumerate(kept):
            before, after = logs[bounds[position] : index], logs[index : bounds[position + 2]]
            p_value = _welch(before, after)
            size = abs(math.expm1(float(np.median(after) - np.median(before))))
            if p_value > settings.alpha or size < settings.min_change:
                failing.append((p_value, position))
        if not failing:
            break
        kept.pop(max(failing)[1])
    return kept


def _welch(before: Any, after: Any) -> float:
    if np.ptp(before) == 0 and np.ptp(after) == 0:  # no spread: the test is undefined
        return 0.0 if before[0] != after[0] else 1.0
    p_value = float(stats.ttest_ind(before, after, equal_var=False).pvalue)
    return p_value if math.isfinite(p_value) else 1.0


def _ruptures() -> Any:
    try:
        return importlib.import_module("ruptures")
    except ImportError:
        raise TrendError(
            "change detection needs the ruptures package, which is not installed; "
            "pip install pytest-ovbench[history]"
        ) from None


@dataclass(frozen=True)
class SeriesTrend:
    """One series with its rows (oldest first) and the change points found in them."""

    key: SeriesKey
    rows: tuple[HistoryRow, ...]
    changes: tuple[ChangePoint, ...]

    @classmethod
    def of(
        cls, key: SeriesKey, rows: Sequence[HistoryRow], settings: TrendSettings | None = None
    ) -> SeriesTrend:
        return cls(key, tuple(rows), tuple(change_points(rows, key.higher_is_better, settings)))
