"""What the history holds: one :class:`HistoryRow` per run of a test's metric on a hardware class,
and the :class:`SeriesKey` that groups rows into a series (plain typed values, no pytest)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from pytest_ovbench.metrics import HIGHER_IS_BETTER

__all__ = ["HistoryRow", "SeriesInfo", "SeriesKey", "decode_figures", "encode_figures", "utc_now"]


@dataclass(frozen=True, order=True)
class SeriesKey:
    """One series: a test (pytest node id), its measurement, one metric and one hardware class."""

    test: str
    measurement: str
    metric: str
    hardware_class: str

    @property
    def higher_is_better(self) -> bool:
        return self.metric in HIGHER_IS_BETTER

    def label(self) -> str:
        return f"{self.test} [{self.measurement}] {self.metric} on {self.hardware_class}"


@dataclass(frozen=True)
class HistoryRow:
    """One run's figure of one series, with what the verdict needs to reuse it (the figure of each
    fresh-process run and each window, same unit as ``figure``) and where it came from.

    ``recorded_at`` is timezone-aware (stored as UTC); ``commit``/``branch`` None when unknown;
    ``status`` the verdict's value (``"pass"``, ``"regressed"``...), None when there was none."""

    key: SeriesKey
    figure: float
    recorded_at: datetime
    runs: tuple[float, ...] = ()
    windows: tuple[float, ...] = ()
    commit: str | None = None
    branch: str | None = None
    openvino: str | None = None
    model_sha256: str | None = None
    status: str | None = None
    run_id: str = ""  # one id per pytest session: the rows a session appended together
    row_id: int | None = field(default=None, compare=False)  # the store's id, set when read

    def __post_init__(self) -> None:
        for name in ("test", "measurement", "metric", "hardware_class"):
            if not getattr(self.key, name):
                raise ValueError(f"a history row needs a non-empty {name}")
        _check_figures("figure", (self.figure,))
        _check_figures("runs", self.runs)
        _check_figures("windows", self.windows)
        if self.recorded_at.tzinfo is None:
            raise ValueError("a history row's recorded_at must be timezone-aware (e.g. utc_now())")


def _check_figures(name: str, values: Sequence[float]) -> None:
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"history row {name}: {value!r} is not a number")
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"history row {name}: {value!r} is not a finite figure > 0")


@dataclass(frozen=True)
class SeriesInfo:
    """A series as the store lists it: its key, how many rows it has and when they span."""

    key: SeriesKey
    count: int
    first: datetime
    last: datetime


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def encode_figures(values: Sequence[float]) -> str:
    """The JSON text a list of figures is stored as."""
    return json.dumps([float(v) for v in values])


def decode_figures(text: str) -> tuple[float, ...] | None:
    """The figures in stored JSON text; None when it is not a list of finite numbers > 0."""
    try:
        values = json.loads(text)
    except (TypeError, ValueError):
        return None
    if not isinstance(values, list):
        return None
    good = all(
        not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v) and v > 0 for v in values
    )
    return tuple(float(v) for v in values) if good else None
