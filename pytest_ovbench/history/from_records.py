"""History rows from the run's measurement records (report/records.py: plain dicts, as --ov-json
holds them): one row per measurement and metric, for the metrics the verdict judged and the median
latency and throughput, with each run's figure and each window's."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pytest_ovbench.history.rows import HistoryRow, SeriesKey

__all__ = ["rows_from_records"]

ALWAYS_KEPT = ("median", "throughput")


def rows_from_records(
    records: Iterable[Mapping[str, Any]],
    recorded_at: datetime,
    run_id: str,
    commit: str | None = None,
    branch: str | None = None,
    openvino: str | None = None,
) -> list[HistoryRow]:
    """Every row the records give; a figure that is missing or not a finite positive number (a
    memory increase of 0 MiB, a metric not measured) has no row."""
    rows: list[HistoryRow] = []
    for record in records:
        for metric in _metrics(record):
            figure = _figure(record.get("figures", {}).get(metric))
            if figure is None:
                continue
            rows.append(
                HistoryRow(
                    key=SeriesKey(
                        str(record["nodeid"]), str(record["name"]), metric, str(record["environment"])
                    ),
                    figure=figure,
                    recorded_at=_started(record, recorded_at),
                    runs=_values(run.get("figures", {}).get(metric) for run in record.get("runs", ())),
                    windows=_values(window.get(metric) for window in record.get("windows", ())),
                    commit=commit,
                    branch=branch,
                    openvino=openvino,
                    status=_status(record, metric),
                    run_id=run_id,
                )
            )
    return rows


def _key(record: Mapping[str, Any], metric: str) -> SeriesKey:
    return SeriesKey(str(record["nodeid"]), str(record["name"]), metric, str(record["environment"]))


def _metrics(record: Mapping[str, Any]) -> list[str]:
    judged = [c["metric"] for c in record.get("comparisons", ())]
    return list(dict.fromkeys([*judged, *ALWAYS_KEPT]))


def _figure(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) and value > 0 else None


def _values(values: Iterable[Any]) -> tuple[float, ...]:
    kept = [_figure(value) for value in values]
    return tuple(value for value in kept if value is not None)


def _started(record: Mapping[str, Any], default: datetime) -> datetime:
    started = record.get("started")
    try:
        parsed = datetime.fromisoformat(str(started)) if started else default
    except ValueError:
        return default
    return parsed if parsed.tzinfo is not None else default


def _status(record: Mapping[str, Any], metric: str) -> str | None:
    statuses: Sequence[str] = [
        str(c["status"]) for c in record.get("comparisons", ()) if c["metric"] == metric
    ]
    if statuses:
        return statuses[0]
    verdict = record.get("verdict")
    return str(verdict) if verdict else None
