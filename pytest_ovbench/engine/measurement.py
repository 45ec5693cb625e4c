"""One measurement as the engine keeps it: the result, the test that made it, and what the gate
said about it (plain data; wording lives in ``report/``)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_ovbench.judge.plan import LayerChange
from pytest_ovbench.judge.verdict import Comparison
from pytest_ovbench.measure.result import Result
from pytest_ovbench.runtime.models import LoadedModel


@dataclass(frozen=True)
class Run:
    """One run of a measurement (the first in the test's process, confirmations and baseline runs
    each in a fresh one): when it ran, in UTC, and its figures (``Result.metrics``)."""

    started: datetime.datetime
    finished: datetime.datetime
    fresh_process: bool
    figures: dict[str, float]


def now_utc() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


@dataclass
class Measurement:
    """A result, the test that made it, and what the gate said about it."""

    nodeid: str
    result: Result
    model: LoadedModel
    env_key: str = ""
    comparisons: list[Comparison] = field(default_factory=list)
    source: str = ""  # where the baseline or reference came from, for messages
    reference: Result | None = None
    written: str = ""  # update mode: "recorded", "unchanged" or why it was not written
    new_entry: dict[str, Any] | None = None  # update mode: what to write, None to keep the old one
    baseline_file: Path | None = None
    test_id: str = ""
    baseline_windows: dict[str, list[float]] = field(default_factory=dict)  # for reports
    baseline_figures: dict[str, float] = field(default_factory=dict)  # for reports
    baseline_layers: Mapping[str, Mapping[str, Any]] | None = None  # the stored execution plan (perf_counts)
    layer_changes: list[LayerChange] = field(default_factory=list)  # plan changes against it
    other_classes: list[str] = field(default_factory=list)  # no baseline here: classes that have one
    started: float = 0.0  # wall clock (epoch s) when the measurement got the machine: compile to verdict
    finished: float = 0.0
    lock_wait_s: float | None = None  # waited for another measurement on this machine (None: no lock)
    notes: list[str] = field(default_factory=list)  # what the verdict could not do as planned, said once
    runs: list[Run] = field(default_factory=list)  # stored mode: every run in order (the first: result)
